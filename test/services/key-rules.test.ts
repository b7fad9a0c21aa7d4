import { describe, expect, it } from 'vitest';
import type { Key } from '../../src/db/schema.ts';
import {
  assertKeyName,
  assertNote,
  expiryFromDays,
  freeKeyName,
  isInCore,
  MAX_EXPIRE_AT,
  onHoldSeconds,
  onHoldStart,
  statusAfterChange,
  statusOnEnable,
} from '../../src/services/keys/rules.ts';

const DAY = 86_400_000;
const now = new Date('2026-01-01T00:00:00Z');

function key(over: Partial<Key>): Key {
  return {
    status: 'active',
    expireAt: null,
    trafficLimitBytes: null,
    uploadBytes: 0,
    downloadBytes: 0,
    onHoldDurationSeconds: null,
    onHoldDeadline: null,
    firstConnectedAt: null,
    ...over,
  } as Key;
}

describe('key rules', () => {
  it('names: 1-32 of letters, digits, _ . - @, not a reserved word; notes up to 500', () => {
    for (const good of ['a', 'Bob.x-1@y_z', 'a'.repeat(32)]) expect(() => assertKeyName(good)).not.toThrow();
    for (const bad of ['', 'a'.repeat(33), 'has space', 'ü', 'batch', 'BATCH']) {
      expect(() => assertKeyName(bad)).toThrow(expect.objectContaining({ code: 'INVALID_KEY_NAME' }));
    }
    expect(() => assertNote('x'.repeat(500))).not.toThrow();
    expect(() => assertNote('x'.repeat(501))).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
  });

  it('expiry from days: 0 = never, clamped to the latest expiry', () => {
    expect(expiryFromDays(now, 0)).toBeNull();
    expect(expiryFromDays(now, null)).toBeNull();
    expect(expiryFromDays(now, 30)?.getTime()).toBe(now.getTime() + 30 * DAY);
    expect(expiryFromDays(now, 1e9)).toEqual(MAX_EXPIRE_AT);
    expect(onHoldSeconds(null, 1e9, now.getTime())).toBe(
      Math.floor((MAX_EXPIRE_AT.getTime() - now.getTime()) / 1000),
    );
  });

  it('the status machine: which statuses are in the core and what a change moves a key to', () => {
    expect(
      ['active', 'on_hold', 'limited', 'expired', 'disabled'].filter((s) => isInCore(s as Key['status'])),
    ).toEqual(['active', 'on_hold']);
    const t = now.getTime();
    expect(statusAfterChange(key({ status: 'expired' }), { expireAt: new Date(t + DAY) }, t)).toBe('active');
    expect(statusAfterChange(key({ status: 'active' }), { expireAt: new Date(t) }, t)).toBe('expired');
    expect(statusAfterChange(key({ status: 'limited', uploadBytes: 10 }), { trafficLimitBytes: 10 }, t)).toBe(
      'limited',
    );
    expect(statusAfterChange(key({ status: 'disabled' }), { trafficLimitBytes: null }, t)).toBe('disabled');
    expect(statusOnEnable(key({ status: 'disabled', onHoldDurationSeconds: 60 }), t)).toBe('on_hold');
    expect(statusOnEnable(key({ status: 'disabled', expireAt: new Date(t - 1) }), t)).toBe('expired');
  });

  it('an on-hold key starts at its first connection or at its deadline', () => {
    const t = now.getTime();
    const waiting = key({
      status: 'on_hold',
      onHoldDurationSeconds: 86_400,
      onHoldDeadline: new Date(t + DAY),
    });
    expect(onHoldStart(waiting, t)).toBeNull();
    expect(onHoldStart({ ...waiting, firstConnectedAt: new Date(t - 1000) }, t)?.getTime()).toBe(
      t - 1000 + DAY,
    );
    expect(onHoldStart(waiting, t + DAY)?.getTime()).toBe(t + 2 * DAY);
  });

  it('the free name generator: a valid username, else tg<ID>, then -2, -3… within 32 characters', () => {
    const taken = new Set(['ann', 'ann-2', 'tg5', 'x'.repeat(32)]);
    const isTaken = (name: string) => taken.has(name);
    expect(freeKeyName(isTaken, { id: 1, username: 'bob' })).toBe('bob');
    expect(freeKeyName(isTaken, { id: 1, username: 'ann' })).toBe('ann-3');
    expect(freeKeyName(isTaken, { id: 5, username: 'not valid' })).toBe('tg5-2');
    expect(freeKeyName(isTaken, { id: 1, username: 'x'.repeat(32) })).toBe(`${'x'.repeat(30)}-2`);
    expect(freeKeyName(isTaken, { id: null })).toBe('key');
  });
});
