import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { outbox } from '../../src/db/schema.ts';
import { memoryCoreServices } from '../helpers/db.ts';

interface Received {
  body: string;
  signature: string | undefined;
  timestamp: string | undefined;
}

/** A local webhook receiver; `up` false answers 503. */
async function receiver() {
  const received: Received[] = [];
  const state = { up: true };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      if (!state.up) {
        res.writeHead(503).end();
        return;
      }
      received.push({
        body,
        signature: req.headers['x-xkeeper-signature'] as string | undefined,
        timestamp: req.headers['x-xkeeper-timestamp'] as string | undefined,
      });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return { url, received, state, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

describe('outgoing webhooks', () => {
  it('delivers signed events that the receiver can verify', async () => {
    const { services } = memoryCoreServices();
    const hook = await receiver();
    closers.push(hook.close);
    services.settings.set('webhookUrls', [hook.url]);
    await services.keys.create({ name: 'ann' }, 'test');
    await services.outbox.deliverDue(); // fan-out
    await services.outbox.deliverDue(); // delivery
    expect(hook.received).toHaveLength(1);
    const got = hook.received[0]!;
    const expected = createHmac('sha256', services.webhooks.secret()).update(got.body).digest('hex');
    expect(got.signature).toBe(expected);
    expect(Number(got.timestamp)).toBeGreaterThan(0);
    expect(JSON.parse(got.body)).toMatchObject({
      event: 'user.created',
      data: { username: 'ann', status: 'active' },
    });
  });

  it('retries with backoff while the receiver is down and succeeds when it is back', async () => {
    const { services, clock, db } = memoryCoreServices();
    const hook = await receiver();
    closers.push(hook.close);
    services.settings.set('webhookUrls', [hook.url]);
    hook.state.up = false;
    await services.keys.create({ name: 'bob' }, 'test');
    await services.outbox.deliverDue();
    expect((await services.outbox.deliverDue()).retried).toBe(1);
    expect((await services.outbox.deliverDue()).retried).toBe(0); // not due yet: backoff
    clock.advance(31_000);
    expect((await services.outbox.deliverDue()).retried).toBe(1);
    hook.state.up = true;
    clock.advance(61_000);
    expect((await services.outbox.deliverDue()).delivered).toBe(1);
    expect(hook.received).toHaveLength(1);
    const row = db
      .select()
      .from(outbox)
      .all()
      .find((r) => r.kind === 'webhook.delivery');
    expect(row).toMatchObject({ attempts: 3, lastError: null });
    expect(row?.deliveredAt).not.toBeNull();
  });

  it('queues nothing while no URL is configured, and events from then on once one is', async () => {
    const { services, db } = memoryCoreServices();
    const events = () =>
      db
        .select()
        .from(outbox)
        .all()
        .filter((r) => r.kind === 'webhook.event')
        .map((r) => r.payload.event);
    await services.keys.create({ name: 'early' }, 'test');
    await services.keys.kick('early', 'test');
    expect(events()).toEqual([]);
    services.settings.set('webhookUrls', ['http://127.0.0.1:9/hook']);
    await services.keys.create({ name: 'late' }, 'test');
    expect(events()).toEqual(['user.created']);
  });

  it('dead-letters after 8 attempts over more than an hour and alerts admins', async () => {
    const { services, clock, db } = memoryCoreServices();
    const hook = await receiver();
    closers.push(hook.close);
    hook.state.up = false;
    services.settings.set('webhookUrls', [hook.url]);
    await services.keys.create({ name: 'cid' }, 'test');
    await services.outbox.deliverDue();
    const start = clock.now().getTime();
    let failed = 0;
    for (let i = 0; i < 20 && failed === 0; i++) {
      failed = (await services.outbox.deliverDue()).failed;
      clock.advance(60 * 60_000);
    }
    expect(failed).toBe(1);
    const row = db
      .select()
      .from(outbox)
      .all()
      .find((r) => r.kind === 'webhook.delivery')!;
    expect(row.attempts).toBe(8);
    expect(row.failedAt!.getTime() - start).toBeGreaterThanOrEqual(60 * 60_000);
    expect(
      db
        .select()
        .from(outbox)
        .all()
        .some((r) => r.kind === 'admin.alert'),
    ).toBe(true);
  });
});

describe('user.first_connected', () => {
  it('is queued once, after the first traffic of a key', async () => {
    const { services, db, mem } = memoryCoreServices();
    services.settings.set('webhookUrls', ['http://127.0.0.1:9/hook']);
    await services.keys.create({ name: 'fresh' }, 'test');
    const firstConnected = () =>
      db
        .select()
        .from(outbox)
        .all()
        .filter((r) => r.kind === 'webhook.event' && r.payload.event === 'user.first_connected');
    await services.limits.enforce();
    expect(firstConnected()).toHaveLength(0);
    mem.traffic('fresh', 10, 10);
    await services.traffic.collect();
    await services.limits.enforce();
    mem.traffic('fresh', 10, 10);
    await services.traffic.collect();
    await services.limits.enforce();
    const rows = firstConnected();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.payload.data).toMatchObject({ username: 'fresh' });
  });

  it('announces every key of a large first cycle once, page by page', async () => {
    const { services, db, mem } = memoryCoreServices();
    services.settings.set('webhookUrls', ['http://127.0.0.1:9/hook']);
    const names = Array.from({ length: 1203 }, (_, i) => `k${i}`);
    for (const name of names) {
      await services.keys.create({ name }, 'test');
      mem.traffic(name, 1, 1);
    }
    await services.traffic.collect(); // one cycle stamps all 1203 at the same instant
    await services.limits.enforce();
    await services.limits.enforce();
    const announced = db
      .select()
      .from(outbox)
      .all()
      .filter((r) => r.kind === 'webhook.event' && r.payload.event === 'user.first_connected')
      .map((r) => (r.payload.data as { username: string }).username);
    expect(announced).toHaveLength(names.length);
    expect(new Set(announced)).toEqual(new Set(names));
  });

  it('without a receiver only moves the watermark; one set later hears of later keys only', async () => {
    const { services, db, clock, mem } = memoryCoreServices();
    await services.keys.create({ name: 'before' }, 'test');
    mem.traffic('before', 1, 1);
    await services.traffic.collect();
    await services.limits.enforce();
    const announced = () =>
      db
        .select()
        .from(outbox)
        .all()
        .filter((r) => r.kind === 'webhook.event' && r.payload.event === 'user.first_connected')
        .map((r) => (r.payload.data as { username: string }).username);
    expect(announced()).toEqual([]);
    expect(services.settings.get('firstConnectedWatermark')).toBe(clock.now().getTime());

    services.settings.set('webhookUrls', ['http://127.0.0.1:9/hook']);
    clock.advance(10_000);
    await services.keys.create({ name: 'after' }, 'test');
    mem.traffic('after', 1, 1);
    await services.traffic.collect();
    await services.limits.enforce();
    expect(announced()).toEqual(['after']);
  });
});
