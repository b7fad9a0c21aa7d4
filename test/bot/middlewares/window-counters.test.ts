import { describe, expect, it } from 'vitest';
import { createWindowCounters } from '../../../src/bot/middlewares/window-counters.ts';

const limit = { max: 2, windowMs: 10_000 };

describe('window counters', () => {
  it('counts hits per key in a window that starts at the first one, and starts over after it', () => {
    let now = 0;
    const counters = createWindowCounters(() => now);
    expect(counters.hit('a', limit)).toEqual({ ok: true, resetMs: 10_000 });
    now = 4_000;
    expect(counters.hit('a', limit)).toEqual({ ok: true, resetMs: 6_000 });
    expect(counters.hit('a', limit)).toEqual({ ok: false, resetMs: 6_000 });
    expect(counters.hit('b', limit).ok).toBe(true);
    now = 10_000;
    expect(counters.hit('a', limit)).toEqual({ ok: true, resetMs: 10_000 });
  });

  it('forgets expired entries, so memory follows the people active in a window', () => {
    let now = 0;
    const counters = createWindowCounters(() => now);
    for (let i = 0; i < 1000; i++) counters.hit(`p${i}`, limit);
    expect(counters.size).toBe(1000);
    now = 60_000; // past every window and the sweep interval
    counters.hit('late', limit);
    expect(counters.size).toBe(1);
  });

  it('never holds more than its cap, dropping the oldest entry', () => {
    const counters = createWindowCounters(() => 0, 100);
    for (let i = 0; i < 1000; i++) counters.hit(`p${i}`, limit);
    expect(counters.size).toBe(100);
    expect(counters.hit('p999', limit).ok).toBe(true); // the newest are kept: p999 has 1 hit
    expect(counters.hit('p999', limit).ok).toBe(false);
  });
});
