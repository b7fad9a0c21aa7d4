/**
 * Crash-safe traffic accounting. Counters are read WITHOUT reset; the last value of each
 * is kept as a baseline keyed by (core id, counter name). Deltas, per-day rows and new
 * baselines are written in ONE transaction, so an xkeeper crash at any instant neither
 * loses nor double-counts, and a core crash loses at most one interval.
 */
import type { Db } from '../db/client.ts';
import { chunkedStatement, lazyStatement, valuesPlaceholders } from '../db/statements.ts';
import type { Logger } from '../logger.ts';
import type { Clock } from './clock.ts';
import type { CorePort } from './core-port.ts';

const USER_PREFIX = 'user>>>';
const UPLINK = '>>>traffic>>>uplink';
const DOWNLINK = '>>>traffic>>>downlink';

/** `user>>>NAME>>>traffic>>>uplink|downlink` → the lowercased name and direction. */
export function parseUserCounter(name: string): { user: string; uplink: boolean } | null {
  if (!name.startsWith(USER_PREFIX)) return null;
  const uplink = name.endsWith(UPLINK);
  if (!uplink && !name.endsWith(DOWNLINK)) return null;
  const end = name.length - (uplink ? UPLINK.length : DOWNLINK.length);
  if (end <= USER_PREFIX.length) return null;
  return { user: name.slice(USER_PREFIX.length, end).toLowerCase(), uplink };
}
/** Pseudo-counter holding the core's uptime at the last collection (restart detection). */
const UPTIME = '__uptime_seconds';

export interface CollectResult {
  /** Keys whose usage grew. */
  keys: number;
  bytes: number;
  coreRestarted: boolean;
  durationMs: number;
}

/** UTC day `YYYY-MM-DD` of an instant. */
export function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/**
 * Whether the core restarted since its uptime was last read. Uptime runs on the core's
 * wall clock, so it is compared with real time (not the injected clock): a core up for
 * less than the time since the last read must have started again in between.
 */
export function hasRestarted(
  lastUptime: number | undefined,
  lastReadAtMs: number,
  uptimeNow: number,
): boolean {
  if (lastUptime === undefined) return false;
  const elapsed = Math.max(0, (Date.now() - lastReadAtMs) / 1000);
  const slack = 5;
  return uptimeNow < lastUptime || uptimeNow + slack < lastUptime + elapsed;
}

export function createTrafficService(deps: {
  db: Db;
  clock: Clock;
  logger: Logger;
  getCore: () => CorePort;
}) {
  const { db, clock, logger, getCore } = deps;
  const sqlite = db.$client;
  // Hot path: plain prepared statements (see bench/collect.bench.ts).
  const selectBaselines = lazyStatement(
    sqlite,
    'SELECT name, value, updated_at FROM core_counters WHERE core_id = ?',
  );
  // Writes go out in multi-row statements (see bench/collect.bench.ts).
  const upsertBaselines = chunkedStatement(
    sqlite,
    (n) => `INSERT INTO core_counters (core_id, name, value, updated_at) VALUES ${valuesPlaceholders(n, 4)}
     ON CONFLICT (core_id, name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
  );
  const addToKeys = chunkedStatement(
    sqlite,
    (
      n,
    ) => `UPDATE keys SET upload_bytes = upload_bytes + d.column2, download_bytes = download_bytes + d.column3,
       lifetime_used_bytes = lifetime_used_bytes + d.column2 + d.column3, online_at = ?,
       first_connected_at = coalesce(first_connected_at, ?)
     FROM (VALUES ${valuesPlaceholders(n, 3)}) AS d WHERE lower(keys.name) = d.column1`,
  );
  const addToDays = chunkedStatement(
    sqlite,
    (n) => `INSERT INTO key_usage_daily (key_id, day, upload_bytes, download_bytes)
     SELECT k.id, ?, d.column2, d.column3 FROM (VALUES ${valuesPlaceholders(n, 3)}) AS d
     JOIN keys k ON lower(k.name) = d.column1 WHERE true
     ON CONFLICT (key_id, day) DO UPDATE SET upload_bytes = upload_bytes + excluded.upload_bytes,
       download_bytes = download_bytes + excluded.download_bytes`,
  );
  const markOnline = lazyStatement(
    sqlite,
    'UPDATE keys SET online_at = ?, first_connected_at = coalesce(first_connected_at, ?) WHERE lower(name) = ?',
  );

  /**
   * Baselines as last committed, per core: loaded from the database once, then kept in step
   * with every commit, so a cycle does not re-read 2 rows per key. `forgetBaselines` drops
   * it (after a restore replaced the table).
   */
  const baselineCache = new Map<string, { values: Map<string, number>; uptimeReadAt: number }>();
  function baselinesOf(coreId: string) {
    let entry = baselineCache.get(coreId);
    if (!entry) {
      entry = { values: new Map(), uptimeReadAt: 0 };
      for (const row of selectBaselines().iterate(coreId) as Iterable<{
        name: string;
        value: number;
        updated_at: number;
      }>) {
        entry.values.set(row.name, row.value);
        if (row.name === UPTIME) entry.uptimeReadAt = row.updated_at;
      }
      baselineCache.set(coreId, entry);
    }
    return entry;
  }

  /** Bytes per second of each key over the last interval (by lowercased name). */
  let rates = new Map<string, { up: number; down: number }>();
  let lastCollectAt: number | null = null;
  let running: Promise<CollectResult | null> | null = null;
  let last: CollectResult | null = null;

  async function collectOnce(): Promise<CollectResult | null> {
    const core = getCore();
    const started = performance.now();
    const snapshot = await core.readCounters();
    if (!snapshot) return null;
    const now = clock.now();
    const nowMs = now.getTime();
    const day = utcDay(now);

    const result = sqlite.transaction(() => {
      const stored = baselinesOf(core.id);
      const baselines = stored.values;
      const coreRestarted = hasRestarted(baselines.get(UPTIME), stored.uptimeReadAt, snapshot.uptimeSeconds);
      const deltas = new Map<string, { up: number; down: number }>();
      const moved: unknown[][] = [];
      let bytes = 0;
      for (const [name, value] of snapshot.counters) {
        const counter = parseUserCounter(name);
        if (!counter) continue;
        const previous = baselines.get(name);
        const base = coreRestarted ? 0 : (previous ?? 0);
        // A counter that went backwards belongs to a restarted core: it counts from 0.
        const delta = value >= base ? value - base : value;
        if (value !== previous) moved.push([core.id, name, value, nowMs]);
        if (delta <= 0) continue;
        const entry = deltas.get(counter.user) ?? { up: 0, down: 0 };
        if (counter.uplink) entry.up += delta;
        else entry.down += delta;
        deltas.set(counter.user, entry);
        bytes += delta;
      }
      const uptimeReadAt = Date.now();
      moved.push([core.id, UPTIME, snapshot.uptimeSeconds, uptimeReadAt]);
      upsertBaselines.run(moved);
      const charges = [...deltas].map(([user, d]) => [user, d.up, d.down]);
      // A deleted key's counter matches no row: its baseline is kept, nobody is charged.
      const updated = addToKeys.run(charges, [nowMs, nowMs]);
      addToDays.run(charges, [day]);
      for (const name of snapshot.online ?? []) markOnline().run(nowMs, nowMs, name.toLowerCase());
      return { keys: updated, bytes, coreRestarted, deltas, moved, uptimeReadAt };
    })();
    // Committed: the cache follows what is now in the database.
    const cache = baselinesOf(core.id);
    for (const row of result.moved) cache.values.set(row[1] as string, row[2] as number);
    cache.uptimeReadAt = result.uptimeReadAt;

    const seconds = lastCollectAt === null ? null : (nowMs - lastCollectAt) / 1000;
    rates = new Map();
    if (seconds && seconds > 0) {
      for (const [user, d] of result.deltas) rates.set(user, { up: d.up / seconds, down: d.down / seconds });
    }
    lastCollectAt = nowMs;
    if (result.coreRestarted) logger.info('core restarted since the last collection; counting from zero');
    return {
      keys: result.keys,
      bytes: result.bytes,
      coreRestarted: result.coreRestarted,
      durationMs: performance.now() - started,
    };
  }

  return {
    /**
     * One collection cycle. Concurrent calls share the cycle in flight, so a reset that
     * collects first and the periodic job never read the same counters twice.
     */
    collect(): Promise<CollectResult | null> {
      running ??= collectOnce()
        .then((result) => {
          if (result) last = result;
          return result;
        })
        .finally(() => {
          running = null;
        });
      return running;
    },

    /** The last completed cycle (for metrics), or null before the first. */
    lastCollect(): CollectResult | null {
      return last;
    },

    /** Drops cached baselines; the next cycle reads them from the database. */
    forgetBaselines() {
      baselineCache.clear();
    },

    /** Deletes per-day rows older than `days`; returns how many went. */
    pruneDaily(days: number): number {
      const cutoff = utcDay(new Date(clock.now().getTime() - days * 86_400_000));
      return sqlite.prepare('DELETE FROM key_usage_daily WHERE day < ?').run(cutoff).changes;
    },

    /** Current rate of a key, bytes/s over the last interval. */
    rate(name: string): { up: number; down: number } {
      return rates.get(name.toLowerCase()) ?? { up: 0, down: 0 };
    },
  };
}

export type TrafficService = ReturnType<typeof createTrafficService>;
