import { describe, expect, it, vi } from 'vitest';
import { GB } from '../../src/services/keys.service.ts';
import { memoryCoreServices } from '../helpers/db.ts';

const ADMIN = 900;
const DAY = 86_400_000;

function setup(env: Record<string, string> = {}) {
  const { clock, services } = memoryCoreServices({
    ADMIN_IDS: String(ADMIN),
    MAX_KEYS_PER_USER: '5',
    ...env,
  });
  for (const id of [1, 2, 3]) services.admins.touch({ id, username: `user${id}` });
  return { clock, services };
}

describe('invites', () => {
  it('creates random or chosen codes and validates them', () => {
    const { services, clock } = setup();
    const random = services.invites.create(undefined, {}, ADMIN);
    expect(random).toMatchObject({ maxUses: 1, uses: 0, active: true, createdBy: ADMIN });
    expect(random.code).toMatch(/^[A-Za-z0-9_-]{8}$/);
    expect(services.invites.create('team_2026', { maxUses: null }, ADMIN).maxUses).toBeNull();
    for (const [code, terms] of [
      ['team_2026', {}], // taken
      ['a b', {}],
      ['x'.repeat(65), {}],
      [undefined, { maxUses: 0 }],
      [undefined, { days: -1 }],
      [undefined, { trafficGb: Number.NaN }],
      [undefined, { expireAt: new Date(clock.now().getTime() - 1) }],
    ] as const) {
      expect(() => services.invites.create(code, terms, ADMIN)).toThrow(
        expect.objectContaining({ code: 'VALIDATION_FAILED' }),
      );
    }
    expect(services.invites.list().map((i) => i.code)).toEqual(['team_2026', random.code]);
  });

  it('redeems into a key with the code terms, without approval, and cancels a pending request', async () => {
    const { services, clock } = setup({ KEY_REQUEST_POLICY: 'approval' });
    await services.requests.request(1);
    const invite = services.invites.create('gift', { trafficGb: 50, days: 90 }, ADMIN);
    const result = await services.invites.redeem('gift', 1);
    expect(result).toMatchObject({
      ok: true,
      key: { name: 'user1', ownerTelegramId: 1, note: 'invite gift' },
    });
    const key = services.keys.get('user1');
    expect(key.trafficLimitBytes).toBe(50 * GB);
    expect(key.expireAt).toEqual(new Date(clock.now().getTime() + 90 * DAY));
    expect(services.invites.get(invite.code)?.uses).toBe(1);
    expect(services.requests.pending()).toEqual([]);
  });

  it('takes the default terms for null days and traffic, and no limits for 0', async () => {
    const { services } = setup({ DEFAULT_KEY_DAYS: '30', DEFAULT_KEY_TRAFFIC_GB: '10' });
    services.invites.create('defaults', { maxUses: null }, ADMIN);
    services.invites.create('unlimited', { maxUses: null, days: 0, trafficGb: 0 }, ADMIN);
    await services.invites.redeem('defaults', 1);
    await services.invites.redeem('unlimited', 2);
    expect(services.keys.get('user1')).toMatchObject({ trafficLimitBytes: 10 * GB });
    expect(services.keys.get('user1').expireAt).not.toBeNull();
    expect(services.keys.get('user2')).toMatchObject({ trafficLimitBytes: null, expireAt: null });
  });

  it('refuses with a clear reason', async () => {
    const { services, clock } = setup({ MAX_KEYS_PER_USER: '1' });
    services.invites.create('once', {}, ADMIN);
    services.invites.create('multi', { maxUses: null }, ADMIN);
    services.invites.create(
      'soon',
      { maxUses: null, expireAt: new Date(clock.now().getTime() + DAY) },
      ADMIN,
    );
    services.invites.create('switched-off', { maxUses: null }, ADMIN);
    services.invites.deactivate('switched-off', ADMIN);

    expect(await services.invites.redeem('nope', 1)).toEqual({ ok: false, reason: 'not_found' });
    expect(await services.invites.redeem('switched-off', 1)).toEqual({ ok: false, reason: 'inactive' });
    expect((await services.invites.redeem('once', 1)).ok).toBe(true);
    expect(await services.invites.redeem('once', 2)).toEqual({ ok: false, reason: 'used_up' });
    expect(await services.invites.redeem('once', 1)).toEqual({ ok: false, reason: 'used_up' });
    expect(await services.invites.redeem('multi', 1)).toEqual({ ok: false, reason: 'limit' });
    clock.advance(DAY);
    expect(await services.invites.redeem('soon', 2)).toEqual({ ok: false, reason: 'expired' });
    expect(() => services.invites.deactivate('nope', ADMIN)).toThrow(
      expect.objectContaining({ code: 'NOT_FOUND' }),
    );
  });

  it('lets a person redeem a multi-use code once', async () => {
    const { services } = setup();
    services.invites.create('multi', { maxUses: null }, ADMIN);
    expect((await services.invites.redeem('multi', 1)).ok).toBe(true);
    expect(await services.invites.redeem('multi', 1)).toEqual({ ok: false, reason: 'already_redeemed' });
    expect((await services.invites.redeem('multi', 2)).ok).toBe(true);
    expect(services.invites.get('multi')?.uses).toBe(2);
  });

  it('counts uses atomically: concurrent redeems never pass maxUses', async () => {
    const { services } = setup();
    for (let id = 10; id < 30; id++) services.admins.touch({ id });
    services.invites.create('three', { maxUses: 3 }, ADMIN);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => services.invites.redeem('three', 10 + i)),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(3);
    expect(results.filter((r) => !r.ok).every((r) => !r.ok && r.reason === 'used_up')).toBe(true);
    expect(services.invites.get('three')?.uses).toBe(3);
  });

  it('gives the use back when the key cannot be made', async () => {
    const { services } = setup();
    services.invites.create('once', {}, ADMIN);
    vi.spyOn(services.keys, 'create').mockRejectedValueOnce(new Error('disk full'));
    await expect(services.invites.redeem('once', 1)).rejects.toThrow('disk full');
    expect(services.invites.get('once')?.uses).toBe(0);
    expect((await services.invites.redeem('once', 1)).ok).toBe(true);
  });
});
