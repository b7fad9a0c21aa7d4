/**
 * Fixed-window hit counters in memory, reading time from an injected clock. Memory stays
 * bounded: an entry lives only until its window ends (expired ones are swept once a
 * minute), and past `maxEntries` the oldest entry is dropped.
 */
import type { Limit } from './throttle-limits.ts';

/** What counting one hit decided. */
export interface HitVerdict {
  ok: boolean;
  /** Milliseconds until the window starts over. */
  resetMs: number;
}

interface Window {
  count: number;
  resetAt: number;
}

const SWEEP_INTERVAL_MS = 60_000;

export function createWindowCounters(now: () => number, maxEntries = 100_000) {
  const windows = new Map<string, Window>();
  let nextSweep = 0;

  function sweep(t: number): void {
    for (const [key, window] of windows) if (window.resetAt <= t) windows.delete(key);
    nextSweep = t + SWEEP_INTERVAL_MS;
  }

  return {
    /** Counts one hit of `key` unless its window is full under `limit`. */
    hit(key: string, limit: Limit): HitVerdict {
      const t = now();
      if (t >= nextSweep) sweep(t);
      let window = windows.get(key);
      if (!window || window.resetAt <= t) {
        windows.delete(key); // re-inserted last: the Map's order stays oldest first
        if (windows.size >= maxEntries) windows.delete(windows.keys().next().value!);
        window = { count: 0, resetAt: t + limit.windowMs };
        windows.set(key, window);
      }
      const resetMs = window.resetAt - t;
      if (window.count >= limit.max) return { ok: false, resetMs };
      window.count++;
      return { ok: true, resetMs };
    },

    /** Entries held now (expired ones included until the next sweep). */
    get size(): number {
      return windows.size;
    },
  };
}
