import { describe, expect, it, vi } from 'vitest';
import { GB, OWNER_NOTICE } from '../../src/services/keys.service.ts';
import { ADMIN_KEY_REQUEST, selfServiceKeyName } from '../../src/services/requests.service.ts';
import { memoryCoreServices } from '../helpers/db.ts';

const ADMIN = 900;
const DAY = 86_400_000;

function setup(env: Record<string, string> = {}) {
  const { clock, mem, services } = memoryCoreServices({
    ADMIN_IDS: String(ADMIN),
    KEY_REQUEST_POLICY: 'approval',
    ...env,
  });
  services.admins.touch({ id: 7, username: 'ann', firstName: 'Ann', lastName: 'Lee' });
  return { clock, mem, services };
}

const queued = (services: ReturnType<typeof setup>['services'], kind: string) =>
  services.outbox
    .pending()
    .filter((row) => row.kind === kind)
    .map((row) => row.payload);

describe('key requests', () => {
  it('open: creates the key at once with the default terms', async () => {
    const { services, clock, mem } = setup({
      KEY_REQUEST_POLICY: 'open',
      DEFAULT_KEY_DAYS: '30',
      DEFAULT_KEY_TRAFFIC_GB: '2.5',
    });
    const result = await services.requests.request(7);
    expect(result).toMatchObject({ outcome: 'created', key: { name: 'ann', ownerTelegramId: 7 } });
    const key = services.keys.get('ann');
    expect(key.trafficLimitBytes).toBe(2.5 * GB);
    expect(key.expireAt).toEqual(new Date(clock.now().getTime() + 30 * DAY));
    expect(mem.users.has('ann')).toBe(true);
    expect(queued(services, ADMIN_KEY_REQUEST)).toEqual([]);
  });

  it('open with 0 days and 0 GB: a key without expiry or limit', async () => {
    const { services } = setup({ KEY_REQUEST_POLICY: 'open', DEFAULT_KEY_DAYS: '0' });
    await services.requests.request(7);
    expect(services.keys.get('ann')).toMatchObject({ expireAt: null, trafficLimitBytes: null });
  });

  it('closed: refuses', async () => {
    const { services } = setup({ KEY_REQUEST_POLICY: 'closed' });
    expect(await services.requests.request(7)).toEqual({ outcome: 'closed' });
    expect(services.keys.ownedBy(7)).toEqual([]);
  });

  it('enforces maxKeysPerUser', async () => {
    const { services } = setup({ KEY_REQUEST_POLICY: 'open', MAX_KEYS_PER_USER: '2' });
    await services.requests.request(7);
    await services.requests.request(7);
    expect(await services.requests.request(7)).toEqual({ outcome: 'limit', max: 2 });
    expect(services.keys.ownedBy(7).map((k) => k.name)).toEqual(['ann', 'ann-2']);
  });

  it('approval: one pending request per person, queued for the admins with the request', async () => {
    const { services } = setup();
    const first = await services.requests.request(7);
    expect(first).toMatchObject({ outcome: 'requested', request: { telegramId: 7, state: 'pending' } });
    const again = await services.requests.request(7);
    expect(again).toMatchObject({ outcome: 'pending' });
    expect(services.requests.pending()).toEqual([
      expect.objectContaining({ telegramId: 7, username: 'ann', firstName: 'Ann', lastName: 'Lee' }),
    ]);
    const id = services.requests.pending()[0]!.id;
    expect(queued(services, ADMIN_KEY_REQUEST)).toEqual([
      { requestId: id, telegramId: 7, username: 'ann', name: 'Ann Lee' },
    ]);
  });

  it('approve creates the key, tells the owner, and cannot happen twice', async () => {
    const { services, mem } = setup();
    await services.requests.request(7);
    const id = services.requests.pending()[0]!.id;
    const { request, key } = await services.requests.approve(id, ADMIN);
    expect(request).toMatchObject({ state: 'approved', decidedBy: ADMIN, keyId: key.id });
    expect(key).toMatchObject({ name: 'ann', ownerTelegramId: 7, createdBy: `tg:${ADMIN}` });
    expect(mem.users.has('ann')).toBe(true);
    expect(queued(services, OWNER_NOTICE)).toEqual([
      { telegramId: 7, notice: 'approved', key: 'ann', requestId: id },
    ]);
    await expect(services.requests.approve(id, ADMIN)).rejects.toMatchObject({ code: 'REQUEST_DECIDED' });
    expect(() => services.requests.reject(id, ADMIN)).toThrow(
      expect.objectContaining({ code: 'REQUEST_DECIDED' }),
    );
    expect(services.keys.ownedBy(7)).toHaveLength(1);
    expect(services.requests.pending()).toEqual([]);
  });

  it('reject tells the person; only admins decide; unknown ids are NOT_FOUND', async () => {
    const { services } = setup();
    await services.requests.request(7);
    const id = services.requests.pending()[0]!.id;
    expect(() => services.requests.reject(id, 7)).toThrow(expect.objectContaining({ code: 'NOT_ADMIN' }));
    expect(services.requests.reject(id, ADMIN)).toMatchObject({ state: 'rejected', decidedBy: ADMIN });
    expect(queued(services, OWNER_NOTICE)).toEqual([{ telegramId: 7, notice: 'rejected', requestId: id }]);
    expect(services.keys.ownedBy(7)).toEqual([]);
    await expect(services.requests.approve(999, ADMIN)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    // Decided: the person may ask again.
    expect(await services.requests.request(7)).toMatchObject({ outcome: 'requested' });
  });

  it('a request whose key cannot be made goes back to pending', async () => {
    const { services } = setup();
    await services.requests.request(7);
    const id = services.requests.pending()[0]!.id;
    vi.spyOn(services.keys, 'create').mockRejectedValueOnce(new Error('disk full'));
    await expect(services.requests.approve(id, ADMIN)).rejects.toThrow('disk full');
    expect(services.requests.get(id)).toMatchObject({ state: 'pending', decidedBy: null });
    expect((await services.requests.approve(id, ADMIN)).key.name).toBe('ann');
  });
});

describe('selfServiceKeyName', () => {
  it('uses a valid username, else tg<ID>, and appends -N while taken', () => {
    const taken = new Set(['ann', 'ann-2', 'tg5']);
    const keys = { find: (name: string) => (taken.has(name) ? ({} as never) : undefined) };
    expect(selfServiceKeyName(keys, { id: 1, username: 'bob' })).toBe('bob');
    expect(selfServiceKeyName(keys, { id: 1, username: 'ann' })).toBe('ann-3');
    expect(selfServiceKeyName(keys, { id: 5, username: null })).toBe('tg5-2');
    const long = 'x'.repeat(32);
    taken.add(long);
    expect(selfServiceKeyName(keys, { id: 1, username: long })).toBe(`${'x'.repeat(30)}-2`);
  });
});
