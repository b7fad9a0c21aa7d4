import { describe, expect, it } from 'vitest';
import { createAnswerCache } from '../../src/http/answer-cache.ts';

describe('createAnswerCache', () => {
  /** A cache over a stamp the test moves, counting builds and stamp reads. */
  function setup(max?: number) {
    const state = { stamp: 1, builds: 0, stampReads: 0 };
    const cache = createAnswerCache(() => {
      state.stampReads++;
      return state.stamp;
    }, max);
    const answer = (key: string) =>
      cache.get(key, () => {
        state.builds++;
        return `${key}@${state.stamp}#${state.builds}`;
      });
    return { state, cache, answer };
  }

  it('keeps an answer while the stamp holds and builds it again once it moved', () => {
    const { state, answer } = setup();
    expect(answer('a')).toBe('a@1#1');
    expect(answer('a')).toBe('a@1#1');
    expect(answer('b')).toBe('b@1#2');
    expect(state.builds).toBe(2);
    state.stamp = 2;
    expect(answer('a')).toBe('a@2#3');
    // Moving the stamp dropped every answer, not only the one asked for.
    expect(answer('b')).toBe('b@2#4');
    expect(answer('b')).toBe('b@2#4');
  });

  it('reads the stamp only to use an answer kept or to start afresh, and files new ones under the last one read', () => {
    const { state, answer } = setup();
    answer('a');
    answer('b');
    expect(state.stampReads).toBe(1);
    answer('a');
    expect(state.stampReads).toBe(2);
    // 'c' is built after the stamp moved: kept under the old stamp, it is dropped at the next check.
    state.stamp = 2;
    expect(answer('c')).toBe('c@2#3');
    expect(answer('c')).toBe('c@2#4');
  });

  it('keeps at most `max` answers, dropping the oldest first', () => {
    const { state, cache, answer } = setup(3);
    for (const key of ['a', 'b', 'c', 'd']) answer(key);
    expect(cache.size).toBe(3);
    const builds = state.builds;
    answer('d');
    answer('b');
    expect(state.builds).toBe(builds);
    answer('a');
    expect(state.builds).toBe(builds + 1);
  });

  it('keeps nothing when building fails', () => {
    const { cache } = setup();
    expect(() =>
      cache.get('x', () => {
        throw new Error('not found');
      }),
    ).toThrow('not found');
    expect(cache.size).toBe(0);
    expect(cache.get('x', () => 'found')).toBe('found');
  });
});
