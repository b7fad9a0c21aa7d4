import { describe, expect, it } from 'vitest';
import { outbox } from '../../src/db/schema.ts';
import { GB } from '../../src/services/keys.service.ts';
import { nextResetAt } from '../../src/services/limits.service.ts';
import { memoryCoreServices } from '../helpers/db.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const MB = 2 ** 20;

function setup(now?: string) {
  const t = memoryCoreServices({}, { now });
  const { db } = t;
  const notices = () =>
    db
      .select()
      .from(outbox)
      .all()
      .filter((r) => r.kind === 'owner.notice')
      .map((r) => r.payload);
  return { ...t, notices };
}

describe('traffic collection', () => {
  it('charges deltas against stored baselines, per key and per day', async () => {
    const { services, mem } = setup();
    await services.keys.create({ name: 'ann' }, 'cli');
    mem.traffic('ann', 10 * MB, 30 * MB);
    await services.traffic.collect();
    mem.traffic('ann', 1 * MB, 2 * MB);
    await services.traffic.collect();
    await services.traffic.collect(); // nothing new
    const key = services.keys.get('ann');
    expect(key.uploadBytes).toBe(11 * MB);
    expect(key.downloadBytes).toBe(32 * MB);
    expect(key.lifetimeUsedBytes).toBe(43 * MB);
    expect(key.firstConnectedAt).not.toBeNull();
    const day = services.db.$client.prepare('SELECT * FROM key_usage_daily').all();
    expect(day).toEqual([
      { key_id: key.id, day: '2026-11-01', upload_bytes: 11 * MB, download_bytes: 32 * MB },
    ]);
  });

  it('counts from zero after a core restart and never double-counts', async () => {
    const { services, mem } = setup();
    await services.keys.create({ name: 'ann' }, 'cli');
    mem.traffic('ann', 0, 100);
    await services.traffic.collect();
    mem.restart();
    mem.traffic('ann', 0, 500); // above the old baseline, but a fresh counter
    await services.traffic.collect();
    expect(services.keys.get('ann').downloadBytes).toBe(600);
  });

  it('counts a counter that went backwards from zero, though the core uptime kept growing', async () => {
    const { services, mem } = setup();
    await services.keys.create({ name: 'ann' }, 'cli');
    mem.traffic('ann', 0, 700);
    await services.traffic.collect();
    mem.tick(60);
    mem.resetCounters(); // restarted twice since the last read: its uptime never looked lower
    mem.traffic('ann', 0, 500); // below the old baseline of 700
    const result = await services.traffic.collect();
    expect(result?.coreRestarted).toBe(false);
    expect(services.keys.get('ann').downloadBytes).toBe(1200);
    mem.tick(60);
    mem.traffic('ann', 0, 50); // the new value is the baseline from now on
    await services.traffic.collect();
    expect(services.keys.get('ann').downloadBytes).toBe(1250);
  });

  it('a reset collects first, so earlier traffic never counts after it', async () => {
    const { services, mem } = setup();
    await services.keys.create({ name: 'ann', trafficLimitBytes: 1000 }, 'cli');
    mem.traffic('ann', 0, 400); // not yet collected
    const reset = await services.keys.resetTraffic('ann', 'cli');
    expect(reset.downloadBytes).toBe(0);
    expect(reset.lifetimeUsedBytes).toBe(400);
    await services.traffic.collect();
    expect(services.keys.get('ann').downloadBytes).toBe(0);
  });

  it('keeps the baseline of a deleted key so a new key of that name starts clean', async () => {
    const { services, mem } = setup();
    await services.keys.create({ name: 'ann' }, 'cli');
    mem.traffic('ann', 0, 700);
    await services.traffic.collect();
    await services.keys.delete('ann', 'cli');
    await services.keys.create({ name: 'ann' }, 'cli');
    mem.traffic('ann', 0, 5);
    await services.traffic.collect();
    expect(services.keys.get('ann').downloadBytes).toBe(5);
  });
});

describe('limits', () => {
  it('limits a key over quota, warns at 80% and 100% once each, and a renew reopens it', async () => {
    const { services, mem, clock, notices } = setup();
    services.admins.touch({ id: 9 });
    await services.keys.create({ name: 'ann', trafficLimitBytes: GB, ownerTelegramId: 9 }, 'cli');
    // Each check as the jobs run it: a collection, then the limits pass, an hour apart.
    const cycle = async (downloadBytes: number) => {
      clock.advance(HOUR);
      mem.tick(3600);
      mem.traffic('ann', 0, downloadBytes);
      await services.traffic.collect();
      await services.limits.enforce();
    };
    await cycle(0.85 * GB);
    // Later hours, more traffic, still between 80% and 100%: nothing new to say.
    for (let hour = 0; hour < 3; hour++) await cycle(0.01 * GB);
    expect(notices()).toEqual([{ telegramId: 9, notice: 'quota', key: 'ann', percent: 80 }]);
    await cycle(0.2 * GB);
    expect(services.keys.get('ann').status).toBe('limited');
    expect(mem.users.has('ann')).toBe(false);
    for (let hour = 0; hour < 3; hour++) await cycle(0); // later passes find it limited
    expect(notices().map((n) => n.percent)).toEqual([80, 100]);
    const renewed = await services.keys.renew('ann', { addTrafficBytes: GB }, 'cli');
    expect(renewed.status).toBe('active');
    expect(mem.users.has('ann')).toBe(true);
  });

  it('warns 3 days and 1 day before expiry, then expires, each once', async () => {
    const { services, clock, notices } = setup();
    services.settings.set('neverConnectedHours', 0);
    await services.keys.create(
      { name: 'ann', ownerTelegramId: 9, expireAt: new Date(clock.now().getTime() + 5 * DAY) },
      'cli',
    );
    const run = async (days: number) => {
      clock.advance(days * DAY);
      await services.limits.enforce();
    };
    await run(1); // 4 days left
    expect(notices()).toHaveLength(0);
    await run(1.5); // 2.5 left
    await run(0.1);
    await run(1.5); // 0.9 left
    await run(1); // expired
    await run(1);
    expect(notices().map((n) => [n.notice, n.days ?? null])).toEqual([
      ['expiring', 3],
      ['expiring', 1],
      ['expired', null],
    ]);
    expect(services.keys.get('ann').status).toBe('expired');
  });

  it('on hold: activates at first traffic and runs its duration from then', async () => {
    const { services, mem, clock } = setup();
    await services.keys.create({ name: 'ann', onHold: { durationDays: 30 } }, 'cli');
    expect(mem.users.has('ann')).toBe(true); // it must connect to start its clock
    clock.advance(3 * DAY);
    await services.limits.enforce();
    expect(services.keys.get('ann').status).toBe('on_hold');
    mem.traffic('ann', 1, 1);
    await services.traffic.collect();
    await services.limits.enforce();
    const key = services.keys.get('ann');
    expect(key.status).toBe('active');
    expect(key.expireAt?.getTime()).toBe(clock.now().getTime() + 30 * DAY);
  });

  it('on hold: activates at its deadline without traffic', async () => {
    const { services, clock } = setup();
    const deadline = new Date(clock.now().getTime() + 2 * DAY);
    await services.keys.create({ name: 'ann', onHold: { durationDays: 10, deadline } }, 'cli');
    clock.advance(2 * DAY + 1000);
    await services.limits.enforce();
    const key = services.keys.get('ann');
    expect(key.status).toBe('active');
    expect(key.expireAt?.getTime()).toBe(clock.now().getTime() + 10 * DAY);
  });

  it('resets usage by strategy and reopens a limited key', async () => {
    const { services, mem, clock } = setup('2026-11-15T00:00:00Z');
    await services.keys.create(
      { name: 'ann', trafficLimitBytes: 100, resetStrategy: 'calendar_month' },
      'cli',
    );
    mem.traffic('ann', 0, 150);
    await services.traffic.collect();
    await services.limits.enforce();
    expect(services.keys.get('ann').status).toBe('limited');
    clock.set('2026-12-01T00:00:01Z');
    await services.limits.enforce();
    const key = services.keys.get('ann');
    expect(key).toMatchObject({ status: 'active', downloadBytes: 0, lifetimeUsedBytes: 150 });
  });

  it('computes the next reset of every strategy', () => {
    const from = new Date('2026-01-31T10:00:00Z');
    expect(nextResetAt('no_reset', from)).toBeNull();
    expect(nextResetAt('day', from)?.toISOString()).toBe('2026-02-01T10:00:00.000Z');
    expect(nextResetAt('week', from)?.toISOString()).toBe('2026-02-07T10:00:00.000Z');
    expect(nextResetAt('year', from)?.toISOString()).toBe('2027-01-31T10:00:00.000Z');
    expect(nextResetAt('calendar_month', from)?.toISOString()).toBe('2026-02-01T00:00:00.000Z');
    expect(nextResetAt('month', new Date('2026-03-15T00:00:00Z'))?.toISOString()).toBe(
      '2026-04-15T00:00:00.000Z',
    );
  });

  it('reminds a key never connected 24 h after creation, once', async () => {
    const { services, clock, notices } = setup();
    await services.keys.create({ name: 'ann', ownerTelegramId: 9 }, 'cli');
    clock.advance(23 * 3_600_000);
    await services.limits.enforce();
    expect(notices()).toHaveLength(0);
    clock.advance(2 * 3_600_000);
    await services.limits.enforce();
    await services.limits.enforce();
    expect(notices()).toEqual([{ telegramId: 9, notice: 'never_connected', key: 'ann' }]);
  });
});
