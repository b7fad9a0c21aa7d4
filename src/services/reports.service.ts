/**
 * Usage reports: per key (today, month, lifetime, daily ranges, a month by day) and
 * server-wide (daily and monthly totals, top keys, online now). Days are UTC.
 */
import { and, asc, between, count, desc, eq, gte, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { keys, keyUsageDaily, nodes, nodeUsageDaily, type KeyStatus } from '../db/schema.ts';
import { lazy } from '../db/statements.ts';
import type { Clock } from './clock.ts';
import { AppError } from './errors.ts';
import { utcDay } from './traffic.service.ts';

export interface Traffic {
  upload_bytes: number;
  download_bytes: number;
}

export interface DayTraffic extends Traffic {
  day: string;
}

/** What moved through one node today and this month: raw bytes, before its traffic multiplier. */
export interface NodeTraffic {
  node: string;
  traffic_today: Traffic;
  traffic_month: Traffic;
}

const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;
const MONTH_RE = /^\d{4}-(0[1-9]|1[0-2])$/;
/** A key counts as online when it moved traffic within this window. */
const ONLINE_WINDOW_MS = 3 * 60_000;

function assertDay(day: string, what = 'date'): void {
  if (!DAY_RE.test(day) || Number.isNaN(Date.parse(`${day}T00:00:00Z`))) {
    throw new AppError('VALIDATION_FAILED', `${what} must be a date as YYYY-MM-DD`);
  }
}

function assertMonth(month: string): void {
  if (!MONTH_RE.test(month)) throw new AppError('VALIDATION_FAILED', 'year_month must be YYYY-MM');
}

/** Every day of a month, `YYYY-MM-DD`. */
function daysOf(month: string): string[] {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const count = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return Array.from({ length: count }, (_, i) => `${month}-${String(i + 1).padStart(2, '0')}`);
}

/** Fills the days with no row with zeros, so series have no gaps. */
function fill(days: string[], rows: DayTraffic[]): DayTraffic[] {
  const byDay = new Map(rows.map((r) => [r.day, r]));
  return days.map((day) => byDay.get(day) ?? { day, upload_bytes: 0, download_bytes: 0 });
}

function sum(rows: Traffic[]): Traffic {
  return rows.reduce(
    (acc, r) => ({
      upload_bytes: acc.upload_bytes + r.upload_bytes,
      download_bytes: acc.download_bytes + r.download_bytes,
    }),
    { upload_bytes: 0, download_bytes: 0 },
  );
}

export function createReportsService(deps: { db: Db; clock: Clock }) {
  const { clock } = deps;
  const { db } = deps;
  // Drizzle statements on the schema's tables, prepared on first use.
  const p = sql.placeholder;
  const usage = keyUsageDaily;
  const days = () => between(usage.day, p('from'), p('to'));
  const upload = sql<number>`sum(${usage.uploadBytes})`;
  const download = sql<number>`sum(${usage.downloadBytes})`;
  const keyRange = lazy(() =>
    db
      .select({ day: usage.day, upload_bytes: usage.uploadBytes, download_bytes: usage.downloadBytes })
      .from(usage)
      .where(and(eq(usage.keyId, p('keyId')), days()))
      .orderBy(asc(usage.day))
      .prepare(),
  );
  const serverRange = lazy(() =>
    db
      .select({ day: usage.day, upload_bytes: upload, download_bytes: download })
      .from(usage)
      .where(days())
      .groupBy(usage.day)
      .orderBy(asc(usage.day))
      .prepare(),
  );
  const topKeys = lazy(() =>
    db
      .select({ username: keys.name, upload_bytes: upload, download_bytes: download })
      .from(usage)
      .innerJoin(keys, eq(keys.id, usage.keyId))
      .where(days())
      .groupBy(usage.keyId)
      .orderBy(desc(sql`sum(${usage.uploadBytes} + ${usage.downloadBytes})`))
      .limit(p('limit'))
      .prepare(),
  );
  const lifetime = lazy(() =>
    db
      .select({ n: keys.lifetimeUsedBytes })
      .from(keys)
      .where(eq(keys.id, p('keyId')))
      .prepare(),
  );
  // Every node, in order, with its raw bytes of today and of this month (zeros when idle).
  const nodeDays = sql`${nodeUsageDaily.nodeId} = ${nodes.id} AND ${nodeUsageDaily.day} BETWEEN ${p('from')} AND ${p('to')}`;
  const onDay = (column: typeof nodeUsageDaily.uploadBytes) =>
    sql<number>`coalesce(sum(CASE WHEN ${nodeUsageDaily.day} = ${p('to')} THEN ${column} END), 0)`;
  const nodeTotals = lazy(() =>
    db
      .select({
        node: nodes.name,
        today_upload: onDay(nodeUsageDaily.uploadBytes),
        today_download: onDay(nodeUsageDaily.downloadBytes),
        month_upload: sql<number>`coalesce(sum(${nodeUsageDaily.uploadBytes}), 0)`,
        month_download: sql<number>`coalesce(sum(${nodeUsageDaily.downloadBytes}), 0)`,
      })
      .from(nodes)
      .leftJoin(nodeUsageDaily, nodeDays)
      .groupBy(nodes.id)
      .orderBy(asc(nodes.position), asc(nodes.id))
      .prepare(),
  );
  const byStatus = lazy(() =>
    db.select({ status: keys.status, n: count() }).from(keys).groupBy(keys.status).prepare(),
  );
  const onlineCount = lazy(() =>
    db
      .select({ n: count() })
      .from(keys)
      .where(gte(keys.onlineAt, p('since')))
      .prepare(),
  );

  const today = () => utcDay(clock.now());
  const thisMonth = () => today().slice(0, 7);

  function keyDaily(keyId: number, from: string, to: string): DayTraffic[] {
    assertDay(from, 'from');
    assertDay(to, 'to');
    if (from > to) throw new AppError('VALIDATION_FAILED', 'from must not be after to');
    const span = (Date.parse(to) - Date.parse(from)) / 86_400_000;
    if (span > 366) throw new AppError('VALIDATION_FAILED', 'a range may span at most 366 days');
    const range = Array.from({ length: span + 1 }, (_, i) =>
      utcDay(new Date(Date.parse(from) + i * 86_400_000)),
    );
    return fill(range, keyRange().all({ keyId, from, to }));
  }

  function keyMonth(keyId: number, month: string) {
    assertMonth(month);
    const monthDays = daysOf(month);
    const series = fill(monthDays, keyRange().all({ keyId, from: monthDays[0], to: monthDays.at(-1) }));
    return { year_month: month, ...sum(series), days: series };
  }

  function serverMonth(month: string) {
    assertMonth(month);
    const monthDays = daysOf(month);
    const series = fill(monthDays, serverRange().all({ from: monthDays[0], to: monthDays.at(-1) }));
    return { year_month: month, ...sum(series), days: series };
  }

  return {
    keyDaily,
    keyMonth,
    serverMonth,

    /** A key's usage today, this month and over its lifetime. */
    keyUsage(keyId: number) {
      const day = today();
      const month = keyMonth(keyId, thisMonth());
      const todayRow = month.days.find((d) => d.day === day) ?? { upload_bytes: 0, download_bytes: 0 };
      const row = lifetime().get({ keyId });
      return {
        today: { upload_bytes: todayRow.upload_bytes, download_bytes: todayRow.download_bytes },
        month: { upload_bytes: month.upload_bytes, download_bytes: month.download_bytes },
        lifetime_used_bytes: row?.n ?? 0,
      };
    },

    /** The last `days` days of a key, oldest first, ending today. */
    keyRecent(keyId: number, days = 30): DayTraffic[] {
      const end = Date.parse(`${today()}T00:00:00Z`);
      return keyDaily(keyId, utcDay(new Date(end - (days - 1) * 86_400_000)), today());
    },

    /** One day across the server, with each key's share. */
    serverDaily(day: string) {
      assertDay(day);
      const total = serverRange().all({ from: day, to: day })[0] ?? {
        upload_bytes: 0,
        download_bytes: 0,
      };
      const keys = topKeys().all({ from: day, to: day, limit: 1_000_000 });
      return { day, upload_bytes: total.upload_bytes, download_bytes: total.download_bytes, keys };
    },

    /** Top keys by traffic between two days (inclusive). */
    topKeys(from: string, to: string, limit = 10) {
      assertDay(from, 'from');
      assertDay(to, 'to');
      return topKeys().all({ from, to, limit });
    },

    /** Keys that moved traffic in the last few minutes. */
    onlineNow(): number {
      return onlineCount().get({ since: clock.now().getTime() - ONLINE_WINDOW_MS })?.n ?? 0;
    },

    /** Each node's raw traffic today and this month (UTC), nodes in order. */
    nodeTraffic(): NodeTraffic[] {
      const day = today();
      return nodeTotals()
        .all({ from: `${thisMonth()}-01`, to: day })
        .map((r) => ({
          node: r.node,
          traffic_today: { upload_bytes: r.today_upload, download_bytes: r.today_download },
          traffic_month: { upload_bytes: r.month_upload, download_bytes: r.month_download },
        }));
    },

    /** The server at a glance. */
    stats() {
      const keysByStatus: Record<KeyStatus, number> = {
        active: 0,
        disabled: 0,
        limited: 0,
        expired: 0,
        on_hold: 0,
      };
      for (const row of byStatus().all()) keysByStatus[row.status] = row.n;
      const month = serverMonth(thisMonth());
      const day = today();
      const todayRow = month.days.find((d) => d.day === day);
      return {
        keys_by_status: keysByStatus,
        total_keys: Object.values(keysByStatus).reduce((a, b) => a + b, 0),
        online_now: this.onlineNow(),
        traffic_today: {
          upload_bytes: todayRow?.upload_bytes ?? 0,
          download_bytes: todayRow?.download_bytes ?? 0,
        },
        traffic_month: { upload_bytes: month.upload_bytes, download_bytes: month.download_bytes },
        top_keys: this.topKeys(month.days[0]!.day, day, 10),
        nodes: this.nodeTraffic(),
      };
    },
  };
}

export type ReportsService = ReturnType<typeof createReportsService>;
