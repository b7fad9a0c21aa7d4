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

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;

/** Requests counted in the current minute and hour of one key. */
interface Counters {
  minute: number;
  usedInMinute: number;
  hour: number;
  usedInHour: number;
}

/** A limiter reading time from `now` (the services' clock, so tests can move it). */
export function createRateLimiter(now: () => number) {
  /** Key id → its counters (per window: the window's index since the epoch, requests in it). */
  const state = new Map<number, Counters>();

  return {
    /** Counts one request of `key` unless a window is full. */
    take(key: RateLimited): RateVerdict {
      const t = now();
      const minute = Math.floor(t / MINUTE_MS);
      const hour = Math.floor(t / HOUR_MS);
      let c = state.get(key.id);
      if (!c) {
        c = { minute, usedInMinute: 0, hour, usedInHour: 0 };
        state.set(key.id, c);
      }
      if (c.minute !== minute) {
        c.minute = minute;
        c.usedInMinute = 0;
      }
      if (c.hour !== hour) {
        c.hour = hour;
        c.usedInHour = 0;
      }
      const perMinute = key.rateLimitPerMinute;
      const perHour = key.rateLimitPerHour;
      const minuteResetMs = (minute + 1) * MINUTE_MS - t;
      const hourResetMs = (hour + 1) * HOUR_MS - t;
      const minuteFull = c.usedInMinute >= perMinute;
      const hourFull = c.usedInHour >= perHour;
      if (minuteFull || hourFull) {
        // The limit of the first full window; the wait until the last full one starts over.
        const waitMs =
          minuteFull && hourFull
            ? Math.max(minuteResetMs, hourResetMs)
            : minuteFull
              ? minuteResetMs
              : hourResetMs;
        return {
          ok: false,
          limit: minuteFull ? perMinute : perHour,
          remaining: 0,
          resetSeconds: Math.ceil(waitMs / 1000),
        };
      }
      c.usedInMinute++;
      c.usedInHour++;
      // The window with the fewest requests left binds (the minute on a tie).
      const minuteLeft = perMinute - c.usedInMinute;
      const hourLeft = perHour - c.usedInHour;
      return hourLeft < minuteLeft
        ? { ok: true, limit: perHour, remaining: hourLeft, resetSeconds: Math.ceil(hourResetMs / 1000) }
        : {
            ok: true,
            limit: perMinute,
            remaining: minuteLeft,
            resetSeconds: Math.ceil(minuteResetMs / 1000),
          };
    },
  };
}

export type RateLimiter = ReturnType<typeof createRateLimiter>;
