/** A core's committed counter baselines as the collector stores them, by counter name (tests only). */
import type Database from 'better-sqlite3';
import { createCounterSets } from '../../src/services/counter-sets.ts';

const counter = (user: string, uplink: boolean) =>
  `user>>>${user}>>>traffic>>>${uplink ? 'uplink' : 'downlink'}`;

/** Every baseline of `coreId` that holds a value. */
export function readBaselines(sqlite: Database.Database, coreId: string): Record<string, number> {
  const set = createCounterSets(sqlite).load(coreId);
  const out: Record<string, number> = {};
  set?.users.forEach((user, slot) => {
    for (const uplink of [false, true]) {
      const value = set.counters[slot * 2 + (uplink ? 1 : 0)]!;
      if (!Number.isNaN(value)) out[counter(user, uplink)] = value;
    }
  });
  return out;
}

/** Overwrites one stored baseline of an existing user, as a restore of older data would. */
export function writeBaseline(
  sqlite: Database.Database,
  coreId: string,
  user: string,
  uplink: boolean,
  value: number,
): void {
  const sets = createCounterSets(sqlite);
  const set = sets.load(coreId);
  const slot = set?.users.indexOf(user) ?? -1;
  if (!set || slot < 0) throw new Error(`no baseline of ${user} on ${coreId}`);
  set.counters[slot * 2 + (uplink ? 1 : 0)] = value;
  sets.save(
    coreId,
    { ...set, uptimeSeconds: set.uptimeSeconds ?? 0, uptimeReadAt: set.uptimeReadAt ?? 0 },
    { usersChanged: true, legacy: false, nowMs: Date.now() },
  );
}
