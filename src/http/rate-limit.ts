/**
 * Per-key rate limits: a per-minute and a per-hour window, both fixed and aligned to the
 * clock. In memory: limits are per process, which is what one xkeeper is.
 */

/** What the limiter decided, with the figures of the window that binds. */
export interface RateVerdict {
  ok: boolean;
  /** Limit of the binding window (the one with the fewest requests left). */
  limit: number;
  remaining: number;
  /** Seconds until the binding window (or, when refused, the blocking one) starts over. */
  resetSeconds: number;
}

export interface RateLimited {
  id: number;
  rateLimitPerMinute: number;
  rateLimitPerHour: number;
}

const WINDOWS = [60_000, 3_600_000] as const;

/** A limiter reading time from `now` (the services' clock, so tests can move it). */
export function createRateLimiter(now: () => number) {
  /** Key id → [window index, requests] per window size. */
  const state = new Map<number, Array<{ window: number; used: number }>>();

  return {
    /** Counts one request of `key` unless a window is full. */
    take(key: RateLimited): RateVerdict {
      const t = now();
      const limits = [key.rateLimitPerMinute, key.rateLimitPerHour];
      const counters = state.get(key.id) ?? WINDOWS.map(() => ({ window: -1, used: 0 }));
      state.set(key.id, counters);
      const windows = WINDOWS.map((size, i) => {
        const counter = counters[i]!;
        const window = Math.floor(t / size);
        if (counter.window !== window) Object.assign(counter, { window, used: 0 });
        return { counter, limit: limits[i]!, resetMs: (window + 1) * size - t };
      });
      const full = windows.filter((w) => w.counter.used >= w.limit);
      if (full.length > 0) {
        const longest = Math.max(...full.map((w) => w.resetMs));
        return { ok: false, limit: full[0]!.limit, remaining: 0, resetSeconds: Math.ceil(longest / 1000) };
      }
      for (const w of windows) w.counter.used++;
      const binding = windows.reduce((a, b) => (b.limit - b.counter.used < a.limit - a.counter.used ? b : a));
      return {
        ok: true,
        limit: binding.limit,
        remaining: binding.limit - binding.counter.used,
        resetSeconds: Math.ceil(binding.resetMs / 1000),
      };
    },
  };
}

export type RateLimiter = ReturnType<typeof createRateLimiter>;
