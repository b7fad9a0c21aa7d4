/**
 * The Xray side of the API client, against an in-process gRPC server that answers under
 * Xray's service names (no Xray binary here): method paths, TypedMessage type strings,
 * vision flow, user listing and counting, online users.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CoreApi } from '../../src/core/api.ts';
import { type FakeXray, startFakeXray } from './fake-xray.ts';
import { uuid } from './fixtures.ts';

describe('CoreApi with Xray names', () => {
  let fake: FakeXray;
  let users: FakeXray['users'];
  let operations: string[];
  let api: CoreApi;

  beforeAll(async () => {
    fake = await startFakeXray();
    ({ users, operations } = fake);
    api = new CoreApi({ flavor: 'xray', port: fake.port });
  });

  afterAll(() => {
    api.close();
    fake.close();
  });

  it('adds users with Xray type names and the vision flow', async () => {
    expect(await api.addUser('alice', uuid(1))).toEqual({ ok: true });
    expect(await api.addUser('Alice', uuid(1))).toMatchObject({ ok: false, reason: 'exists' });
    expect(users.get('alice')).toEqual({ email: 'alice', id: uuid(1), flow: 'xtls-rprx-vision' });
    expect(operations[0]).toBe('xray.app.proxyman.command.AddUserOperation');
  });

  it('lists and counts users', async () => {
    await api.addUser('bob', uuid(2));
    expect(await api.listUsers()).toEqual({
      available: true,
      value: [
        { name: 'alice', uuid: uuid(1) },
        { name: 'bob', uuid: uuid(2) },
      ],
    });
    expect(await api.countUsers()).toEqual({ available: true, value: 2 });
  });

  it('removes users with typed refusals', async () => {
    expect(await api.removeUser('BOB')).toEqual({ ok: true });
    expect(await api.removeUser('bob')).toMatchObject({ ok: false, reason: 'not_found' });
    expect(operations.at(-1)).toBe('xray.app.proxyman.command.RemoveUserOperation');
  });

  it('reads 64-bit counters as numbers and online users as names', async () => {
    expect(await api.queryStats('user>>>')).toEqual([
      { name: 'user>>>alice>>>traffic>>>downlink', value: 5_000_000_000 },
      { name: 'user>>>alice>>>traffic>>>uplink', value: 7 },
    ]);
    expect(await api.onlineUsers()).toEqual({ available: true, value: ['alice'] });
  });
});
