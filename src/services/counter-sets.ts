/**
 * A core's counter baselines stored compactly: one `core_counter_sets` row per core (user names
 * once, values as one float64 blob), rewritten whole in the transaction of the cycle's deltas.
 * At 10k keys that is one 160 KB blob per node per cycle instead of 20k upserted rows.
 */
import type Database from 'better-sqlite3';
import { lazyStatement } from '../db/statements.ts';

/** What one core's set holds. `counters[2 × slot]` is a user's downlink, `+ 1` its uplink; NaN: none yet. */
export interface CounterSet {
  users: string[];
  counters: Float64Array;
  uptimeSeconds: number | null;
  uptimeReadAt: number | null;
}

interface SetRow {
  users: string;
  counters: Buffer;
  uptime_seconds: number | null;
  uptime_read_at: number | null;
}

export function createCounterSets(sqlite: Database.Database) {
  const select = lazyStatement(
    sqlite,
    'SELECT users, counters, uptime_seconds, uptime_read_at FROM core_counter_sets WHERE core_id = ?',
  );
  const upsert = lazyStatement(
    sqlite,
    `INSERT INTO core_counter_sets (core_id, users, counters, uptime_seconds, uptime_read_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (core_id) DO UPDATE SET users = excluded.users,
       counters = excluded.counters, uptime_seconds = excluded.uptime_seconds,
       uptime_read_at = excluded.uptime_read_at, updated_at = excluded.updated_at`,
  );
  // Users only grow: the names are written again only when there are new ones.
  const updateValues = lazyStatement(
    sqlite,
    `UPDATE core_counter_sets SET counters = ?, uptime_seconds = ?, uptime_read_at = ?, updated_at = ?
     WHERE core_id = ?`,
  );
  const dropLegacy = lazyStatement(sqlite, 'DELETE FROM core_counters WHERE core_id = ?');

  return {
    load(coreId: string): CounterSet | null {
      const row = select().get(coreId) as SetRow | undefined;
      if (!row) return null;
      // A copy: the blob's buffer is not aligned for a Float64Array view.
      const counters = new Float64Array(row.counters.byteLength / 8);
      new Uint8Array(counters.buffer).set(row.counters);
      return {
        users: JSON.parse(row.users) as string[],
        counters,
        uptimeSeconds: row.uptime_seconds,
        uptimeReadAt: row.uptime_read_at,
      };
    },

    /**
     * Writes a core's set (inside the caller's transaction). `usersChanged`: the names grew
     * since the last save (or there is no row yet); `legacy`: the core's old per-counter rows
     * are dropped in the same transaction, so they are never read again.
     */
    save(
      coreId: string,
      set: { users: readonly string[]; counters: Float64Array; uptimeSeconds: number; uptimeReadAt: number },
      options: { usersChanged: boolean; legacy: boolean; nowMs: number },
    ): void {
      const blob = Buffer.from(set.counters.buffer, set.counters.byteOffset, set.users.length * 16);
      if (options.usersChanged) {
        upsert().run(
          coreId,
          JSON.stringify(set.users),
          blob,
          set.uptimeSeconds,
          set.uptimeReadAt,
          options.nowMs,
        );
      } else {
        updateValues().run(blob, set.uptimeSeconds, set.uptimeReadAt, options.nowMs, coreId);
      }
      if (options.legacy) dropLegacy().run(coreId);
    },
  };
}
