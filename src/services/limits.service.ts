/**
 * The limits job, run after each collection: quota → limited, expiry → expired, on-hold
 * activation, periodic resets, and the owner's warnings (each once per period, kept so
 * by outbox dedupe keys).
 */
import { and, eq, inArray, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { keys, type Key, type ResetStrategy } from '../db/schema.ts';
import type { Clock } from './clock.ts';
import type { KeysService } from './keys.service.ts';
import { DAY_MS, isDueToExpire, isOverQuota, onHoldStart, usedBytes } from './keys/rules.ts';
import type { KeyNotice } from './messages.ts';
import type { SettingsService } from './settings.service.ts';

const HOUR_MS = 3_600_000;

/** When a key with this strategy, last reset at `from`, resets next; null = never. */
export function nextResetAt(strategy: ResetStrategy, from: Date): Date | null {
  const d = new Date(from);
  switch (strategy) {
    case 'no_reset':
      return null;
    case 'day':
      return new Date(d.getTime() + DAY_MS);
    case 'week':
      return new Date(d.getTime() + 7 * DAY_MS);
    case 'month':
      d.setUTCMonth(d.getUTCMonth() + 1);
      return d;
    case 'year':
      d.setUTCFullYear(d.getUTCFullYear() + 1);
      return d;
    case 'calendar_month':
      return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1));
  }
}

/**
 * Keys the limits job must look at: over a warning threshold, near or past expiry, on hold,
 * due a reset, or due a never-connected reminder. Everyone else is skipped in SQL, so a
 * pass over 100k quiet keys reads almost nothing.
 */
function mayChange(now: Date, t: { quotaPercents: number[]; expiryDays: number[]; neverHours: number }): SQL {
  const nowMs = now.getTime();
  const minPercent = Math.min(100, ...t.quotaPercents);
  const maxDays = Math.max(0, ...t.expiryDays);
  const monthStart = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
  const neverFrom = nowMs - (t.neverHours + 48) * HOUR_MS; // reminders older than 2 days are dropped
  const neverTo = nowMs - t.neverHours * HOUR_MS;
  const since = (days: number) => nowMs - days * DAY_MS;
  return and(
    inArray(keys.status, ['active', 'limited', 'on_hold']),
    or(
      eq(keys.status, 'on_hold'),
      eq(keys.status, 'limited'),
      sql`(${keys.trafficLimitBytes} IS NOT NULL AND ${keys.uploadBytes} + ${keys.downloadBytes} >= ${keys.trafficLimitBytes} * ${minPercent} / 100.0)`,
      sql`(${keys.expireAt} IS NOT NULL AND ${keys.expireAt} <= ${nowMs + maxDays * DAY_MS})`,
      sql`(coalesce(${keys.lastResetAt}, ${keys.createdAt}) <= CASE ${keys.resetStrategy}
        WHEN 'day' THEN ${since(1)} WHEN 'week' THEN ${since(7)} WHEN 'month' THEN ${since(28)}
        WHEN 'year' THEN ${since(365)} WHEN 'calendar_month' THEN ${monthStart - 1} ELSE -1 END)`,
      t.neverHours > 0
        ? sql`(${keys.firstConnectedAt} IS NULL AND ${keys.createdAt} BETWEEN ${neverFrom} AND ${neverTo})`
        : sql`0`,
    ),
  )!;
}

export interface LimitsResult {
  limited: number;
  expired: number;
  activated: number;
  reset: number;
  notices: number;
}

export function createLimitsService(deps: {
  db: Db;
  clock: Clock;
  keys: KeysService;
  settings: SettingsService;
}) {
  const { db, clock, keys: keyService, settings } = deps;

  return {
    /** One pass over every key that can change; each change goes to the core at once. */
    async enforce(): Promise<LimitsResult> {
      const now = clock.now();
      const nowMs = now.getTime();
      const result: LimitsResult = { limited: 0, expired: 0, activated: 0, reset: 0, notices: 0 };
      const quotaPercents = [...settings.require('quotaNoticePercents')].sort((a, b) => b - a);
      const expiryDays = [...settings.require('expiryNoticeDays')].sort((a, b) => a - b);
      const neverHours = settings.require('neverConnectedHours');

      const candidates = db
        .select()
        .from(keys)
        .where(mayChange(now, { quotaPercents, expiryDays, neverHours }))
        .all();

      for (let key of candidates) {
        // Periodic reset first: a key limited last month may be active again this month.
        const resetAt = nextResetAt(key.resetStrategy, key.lastResetAt ?? key.createdAt);
        if (resetAt && resetAt.getTime() <= nowMs && key.status !== 'on_hold') {
          key = await keyService.resetUsage(key.name, 'system');
          result.reset++;
        }

        if (key.status === 'on_hold') {
          const expireAt = onHoldStart(key, nowMs);
          if (expireAt) {
            key = await keyService.transition(key, 'active', 'activated', { expireAt });
            result.activated++;
          }
          continue;
        }

        if (isDueToExpire(key, nowMs)) {
          await keyService.transition(
            key,
            'expired',
            'expired',
            {},
            {
              notice: { notice: 'expired' },
              dedupe: `expired:${key.id}:${key.expireAt.getTime()}`,
            },
          );
          result.expired++;
          continue;
        }
        if (key.status !== 'active') continue;

        const used = usedBytes(key);
        const periodTag = `${key.id}:${(key.lastResetAt ?? key.createdAt).getTime()}`;
        if (isOverQuota(key)) {
          await keyService.transition(
            key,
            'limited',
            'limited',
            {},
            {
              notice: { notice: 'quota', percent: 100 },
              dedupe: `quota100:${periodTag}`,
            },
          );
          result.limited++;
          continue;
        }
        result.notices += queueWarnings(key, {
          nowMs,
          used,
          periodTag,
          quotaPercents,
          expiryDays,
          neverHours,
        });
      }
      try {
        keyService.announceFirstConnections(settings.require('firstConnectedWatermark'), (watermark) =>
          settings.set('firstConnectedWatermark', watermark),
        );
      } catch (error) {
        // Rolled back: the settings cache may hold a watermark the database does not.
        settings.forget();
        throw error;
      }
      return result;
    },
  };

  /** Quota, expiry and never-connected warnings; returns how many were newly queued. */
  function queueWarnings(
    key: Key,
    ctx: {
      nowMs: number;
      used: number;
      periodTag: string;
      quotaPercents: number[];
      expiryDays: number[];
      neverHours: number;
    },
  ): number {
    let queued = 0;
    const send = (notice: KeyNotice, dedupe: string) => {
      if (db.transaction((tx) => keyService.notifyOwner(tx, key, notice, dedupe))) queued++;
    };
    if (key.trafficLimitBytes !== null && key.trafficLimitBytes > 0) {
      const percent = (ctx.used / key.trafficLimitBytes) * 100;
      // Only the highest threshold crossed; lower ones of the same period are implied.
      const crossed = ctx.quotaPercents.find((p) => p < 100 && percent >= p);
      if (crossed) send({ notice: 'quota', percent: crossed }, `quota${crossed}:${ctx.periodTag}`);
    }
    if (key.expireAt !== null) {
      const daysLeft = (key.expireAt.getTime() - ctx.nowMs) / DAY_MS;
      const threshold = ctx.expiryDays.find((d) => daysLeft <= d);
      if (threshold) {
        send(
          { notice: 'expiring', days: threshold, expireAt: key.expireAt.toISOString() },
          `expiry${threshold}:${key.id}:${key.expireAt.getTime()}`,
        );
      }
    }
    if (
      ctx.neverHours > 0 &&
      key.firstConnectedAt === null &&
      ctx.nowMs - key.createdAt.getTime() >= ctx.neverHours * HOUR_MS
    ) {
      send({ notice: 'never_connected' }, `never:${key.id}`);
    }
    return queued;
  }
}

export type LimitsService = ReturnType<typeof createLimitsService>;
