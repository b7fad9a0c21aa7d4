/**
 * Wrong guesses per person (promo codes): after `max` within `windowMs` the person is
 * refused for `lockMs`. In memory: one process is one xkeeper, and a restart forgives.
 */
export interface StrikeRules {
  max: number;
  windowMs: number;
  lockMs: number;
}

/** Entries kept before stale ones are swept, so strangers cannot grow the map forever. */
const SWEEP_AT = 10_000;

export function createStrikes(now: () => number, rules: StrikeRules) {
  /** Person → the start of their window, wrong guesses in it, and the end of their lock. */
  const state = new Map<number, { since: number; count: number; lockedUntil: number }>();

  function sweep(t: number) {
    for (const [id, s] of state) {
      if (s.since + rules.windowMs <= t && s.lockedUntil <= t) state.delete(id);
    }
  }

  return {
    /** Milliseconds until this person may guess again; 0 when they may now. */
    lockedFor(id: number): number {
      const s = state.get(id);
      return s ? Math.max(0, s.lockedUntil - now()) : 0;
    },

    /** Counts one wrong guess; the `max`-th within the window locks the person out. */
    strike(id: number): void {
      const t = now();
      if (state.size >= SWEEP_AT) sweep(t);
      let s = state.get(id);
      if (!s || s.since + rules.windowMs <= t) {
        s = { since: t, count: 0, lockedUntil: s?.lockedUntil ?? 0 };
        state.set(id, s);
      }
      s.count += 1;
      if (s.count >= rules.max) s.lockedUntil = t + rules.lockMs;
    },
  };
}
