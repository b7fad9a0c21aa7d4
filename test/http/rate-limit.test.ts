import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRateLimiter, type RateLimited, type RateVerdict } from '../../src/http/rate-limit.ts';

/** The limiter's rules written plainly: the model the fast one must match. */
function referenceLimiter(now: () => number) {
  const WINDOWS = [60_000, 3_600_000];
  const state = new Map<number, Array<{ window: number; used: number }>>();
  return {
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

describe('rate limiter', () => {
  it('decides as the plain model does, request by request', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ key: fc.integer({ min: 1, max: 3 }), wait: fc.integer({ min: 0, max: 400_000 }) }),
          { maxLength: 200 },
        ),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 0, max: 4_000_000_000_000 }),
        (steps, perMinute, perHour, start) => {
          let t = start;
          const fast = createRateLimiter(() => t);
          const model = referenceLimiter(() => t);
          for (const step of steps) {
            t += step.wait;
            const key = {
              id: step.key,
              rateLimitPerMinute: perMinute + step.key - 1,
              rateLimitPerHour: perHour,
            };
            expect(fast.take(key)).toEqual(model.take(key));
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
