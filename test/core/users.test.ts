import { describe, expect, it } from 'vitest';
import { diffUsers, invalidUserReason } from '../../src/core/users.ts';
import { uuid } from './fixtures.ts';

describe('users', () => {
  it('diffs desired against core users, case-insensitively', () => {
    const desired = [
      { name: 'alice', uuid: uuid(1) },
      { name: 'Bob', uuid: uuid(2) },
      { name: 'carol', uuid: uuid(3) },
    ];
    const inCore = [
      { name: 'ALICE', uuid: uuid(1).toUpperCase() },
      { name: 'bob', uuid: uuid(9) },
      { name: 'dave', uuid: uuid(4) },
    ];
    expect(diffUsers(desired, inCore)).toEqual({ missing: ['carol'], extra: ['dave'], changed: ['Bob'] });
    expect(diffUsers(desired, desired)).toEqual({ missing: [], extra: [], changed: [] });
  });

  it('rejects names and ids the core or its counters cannot hold', () => {
    expect(invalidUserReason({ name: 'ok name', uuid: uuid(1) })).toBeNull();
    expect(invalidUserReason({ name: '', uuid: uuid(1) })).toMatch(/1-128/);
    expect(invalidUserReason({ name: 'a>>>b', uuid: uuid(1) })).toMatch(/>>>/);
    expect(invalidUserReason({ name: 'tab\there', uuid: uuid(1) })).toMatch(/control/);
    expect(invalidUserReason({ name: 'x', uuid: 'not-a-uuid' })).toMatch(/UUID/);
  });
});
