import { describe, expect, it } from 'vitest';
import { createBroadcastsService, createTokenBucket } from '../../src/services/broadcast.service.ts';
import { testServices } from '../helpers/db.ts';

/** Services plus a broadcasts service without a real-time rate limit. */
async function setup() {
  const { services, clock, db } = testServices();
  const broadcasts = createBroadcastsService({
    db,
    clock,
    events: services.events,
    rate: { ratePerSecond: 1e6, burst: 1e6 },
  });
  for (const id of [1, 2, 3, 4, 5, 6]) services.admins.touch({ id });
  await services.keys.create({ name: 'active1', ownerTelegramId: 1 }, 'test');
  await services.keys.create({ name: 'active2', ownerTelegramId: 2 }, 'test');
  await services.keys.create({ name: 'old2', ownerTelegramId: 2 }, 'test');
  await services.keys.create({ name: 'old3', ownerTelegramId: 3 }, 'test');
  await services.keys.create({ name: 'nobody' }, 'test'); // no owner: must not break NOT IN
  db.$client.prepare("UPDATE keys SET status = 'expired' WHERE name IN ('old2', 'old3', 'nobody')").run();
  db.$client.prepare('UPDATE telegram_users SET banned = 1 WHERE id = 5').run();
  db.$client.prepare('UPDATE telegram_users SET reachable = 0 WHERE id = 6').run();
  return { services, broadcasts, db };
}

describe('token bucket', () => {
  it('lets a burst through, then one token per 1/rate seconds', async () => {
    let now = 0;
    const waits: number[] = [];
    const bucket = createTokenBucket({
      ratePerSecond: 10,
      burst: 2,
      now: () => now,
      sleep: async (ms) => {
        waits.push(ms);
        now += ms;
      },
    });
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      await bucket.take();
      times.push(now);
    }
    expect(times).toEqual([0, 0, 100, 200, 300]);
    expect(waits).toEqual([100, 100, 100]);
  });

  it('serves concurrent takers one token each', async () => {
    let now = 0;
    const bucket = createTokenBucket({
      ratePerSecond: 10,
      burst: 1,
      now: () => now,
      sleep: async (ms) => {
        now += ms;
      },
    });
    const times: number[] = [];
    await Promise.all([1, 2, 3].map(() => bucket.take().then(() => times.push(now))));
    expect(times).toEqual([0, 100, 200]);
  });
});

describe('broadcasts service', () => {
  it('picks the audience: everyone reachable, owners of active keys, or only-expired owners', async () => {
    const { broadcasts } = await setup();
    expect(broadcasts.recipients('all')).toEqual([1, 2, 3, 4]);
    expect(broadcasts.recipients('active')).toEqual([1, 2]);
    expect(broadcasts.recipients('expired')).toEqual([3]);
    expect(broadcasts.count('all')).toBe(4);
  });

  it('sends to each recipient, counts outcomes, marks blocked people unreachable', async () => {
    const { broadcasts, services } = await setup();
    const row = broadcasts.create({ audience: 'all', text: 'hello', createdBy: 1 });
    expect(row).toMatchObject({ state: 'running', total: 4, sent: 0 });
    const progress: number[] = [];
    const outcomes = { 1: 'sent', 2: 'blocked', 3: 'failed' } as const;
    const done = await broadcasts.run(
      row.id,
      async (id) => {
        if (id === 4) throw new Error('network down');
        return outcomes[id as 1 | 2 | 3];
      },
      (r) => void progress.push(r.sent + r.blocked + r.failed),
    );
    expect(done).toMatchObject({ state: 'done', total: 4, sent: 1, blocked: 1, failed: 2 });
    expect(done.finishedAt).not.toBeNull();
    expect(progress).toEqual([1, 2, 3, 4]);
    expect(services.admins.get(2)?.reachable).toBe(false);
    expect(broadcasts.recipients('all')).toEqual([1, 3, 4]);
    const types = services.events.list().items.map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['broadcast.started', 'broadcast.finished']));
  });

  it('stops before the next message once cancelled', async () => {
    const { broadcasts, services } = await setup();
    const row = broadcasts.create({ audience: 'all', text: 'hello', createdBy: 1 });
    const sentTo: number[] = [];
    const done = await broadcasts.run(row.id, async (id) => {
      sentTo.push(id);
      if (sentTo.length === 2) expect(broadcasts.cancel(row.id, 'tg:1')).toBe(true);
      return 'sent';
    });
    expect(sentTo).toEqual([1, 2]);
    expect(done).toMatchObject({ state: 'cancelled', sent: 2 });
    expect(broadcasts.cancel(row.id, 'tg:1')).toBe(false);
    expect(services.events.list({ type: 'broadcast.cancelled' }).total).toBe(1);
  });

  it('refuses an empty broadcast', async () => {
    const { broadcasts } = await setup();
    expect(() => broadcasts.create({ audience: 'all', text: '  ', createdBy: 1 })).toThrow(/text or a photo/);
  });

  it('pauses on shutdown between two messages, and the next start goes on after the last counted', async () => {
    const { services, broadcasts, db } = await setup();
    const row = broadcasts.create({ audience: 'all', text: 'hi', createdBy: 1 });
    const got: number[] = [];
    let pausing: Promise<void> | undefined;
    const paused = await broadcasts.run(row.id, async (id) => {
      got.push(id);
      if (got.length === 2) pausing = broadcasts.pause();
      return 'sent';
    });
    await pausing;
    expect(paused).toMatchObject({ state: 'running', sent: 2, lastRecipientId: 2 });

    // The next process: a new service on the same database.
    const next = createBroadcastsService({
      db,
      clock: services.clock,
      events: services.events,
      rate: { ratePerSecond: 1e6, burst: 1e6 },
    });
    expect(next.unfinished().map((b) => b.id)).toEqual([row.id]);
    const done = await next.run(row.id, async (id) => {
      got.push(id);
      return 'sent';
    });
    expect(got).toEqual([1, 2, 3, 4]);
    expect(done).toMatchObject({ state: 'done', total: 4, sent: 4 });
    expect(next.unfinished()).toEqual([]);
    expect(services.events.list({ type: 'broadcast.resumed' }).items[0]?.data).toEqual({
      counted: 2,
      remaining: 2,
    });
  });
});
