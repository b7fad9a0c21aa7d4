import { afterAll, describe, expect, it } from 'vitest';
import { httpFixture, withKey } from './fixture.ts';

const GB = 2 ** 30;

describe('users API', () => {
  const f = httpFixture();
  const key = f.apiKey(['users:*', 'subscriptions:read']);
  afterAll(() => f.app.close());
  const call = (method: string, url: string, payload?: unknown) =>
    f.app.inject({
      method: method as 'GET',
      url: `/api/v1${url}`,
      headers: withKey(key),
      ...(payload === undefined ? {} : { payload: payload as object }),
    });

  it('creates a user (201) with GB = 2^30, expiry in days, and applies it to the core', async () => {
    const res = await call('POST', '/users', {
      username: 'alice',
      traffic_limit_gb: 1.5,
      expire_days: 30,
      note: 'vip',
      telegram_id: 42,
      reset_strategy: 'month',
    });
    expect(res.statusCode).toBe(201);
    const user = res.json();
    expect(user).toMatchObject({
      username: 'alice',
      status: 'active',
      traffic_limit_bytes: 1.5 * GB,
      used_bytes: 0,
      expire_at: '2026-12-01T12:00:00.000Z',
      reset_strategy: 'month',
      telegram_id: 42,
      note: 'vip',
    });
    expect(user.subscription_url).toMatch(/^http:\/\/127\.0\.0\.1:8080\/sub\/[\w-]+$/);
    expect(user.links).toEqual([expect.stringContaining(`vless://${user.uuid}@`)]);
    expect(f.memory.users.get('alice')).toBe(user.uuid);
  });

  it('refuses a taken name with 409 and bad fields with 400 naming them', async () => {
    const taken = await call('POST', '/users', { username: 'ALICE' });
    expect(taken.statusCode).toBe(409);
    expect(taken.json().error.code).toBe('KEY_NAME_TAKEN');

    const bad = await call('POST', '/users', { username: 'a b', traffic_limit_gb: -1, colour: 'red' });
    expect(bad.statusCode).toBe(400);
    const { error } = bad.json();
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.details.fields.map((x: { path: string }) => x.path)).toEqual(
      expect.arrayContaining(['body.username', 'body.traffic_limit_gb', 'body']),
    );
    expect(error.message).not.toMatch(/at .*\.ts/);
  });

  it('creates on-hold and disabled users', async () => {
    const held = await call('POST', '/users', {
      username: 'held',
      status: 'on_hold',
      on_hold_expire_days: 7,
      on_hold_timeout: '2026-11-10T00:00:00Z',
    });
    expect(held.statusCode).toBe(201);
    expect(held.json()).toMatchObject({
      status: 'on_hold',
      on_hold_duration_seconds: 7 * 86_400,
      on_hold_deadline: '2026-11-10T00:00:00.000Z',
    });
    const missing = await call('POST', '/users', { username: 'held2', status: 'on_hold' });
    expect(missing.statusCode).toBe(400);
    const off = await call('POST', '/users', { username: 'off', status: 'disabled' });
    expect(off.json().status).toBe('disabled');
    expect(f.memory.users.has('off')).toBe(false);
  });

  it('reads one user and 404s an unknown one', async () => {
    expect((await call('GET', '/users/Alice')).json().username).toBe('alice');
    const missing = await call('GET', '/users/nobody');
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('KEY_NOT_FOUND');
  });

  it('lists with paging, status filter and search', async () => {
    const all = (await call('GET', '/users?per_page=2')).json();
    expect(all).toMatchObject({ total: 3, page: 1, per_page: 2 });
    expect(all.items.map((u: { username: string }) => u.username)).toEqual(['off', 'held']);
    const page2 = (await call('GET', '/users?per_page=2&page=2')).json();
    expect(page2.items.map((u: { username: string }) => u.username)).toEqual(['alice']);
    expect((await call('GET', '/users?status=on_hold')).json().total).toBe(1);
    expect((await call('GET', '/users?search=lic')).json().items[0].username).toBe('alice');
    expect((await call('GET', '/users?per_page=0')).statusCode).toBe(400);
    expect((await call('GET', '/users?status=zombie')).statusCode).toBe(400);
  });

  it('updates only the given fields', async () => {
    const res = await call('PATCH', '/users/alice', { traffic_limit_gb: 0, note: null });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ traffic_limit_bytes: null, note: null, telegram_id: 42 });
    const disabled = await call('PATCH', '/users/alice', { status: 'disabled' });
    expect(disabled.json().status).toBe('disabled');
    expect(f.memory.users.has('alice')).toBe(false);
    const enabled = await call('PATCH', '/users/alice', { status: 'active', expire_days: 0 });
    expect(enabled.json()).toMatchObject({ status: 'active', expire_at: null });
    expect(f.memory.users.has('alice')).toBe(true);
    const both = await call('PATCH', '/users/alice', { expire_days: 1, expire_at: null });
    expect(both.statusCode).toBe(400);
  });

  it('kicks (new UUID and subscription URL unless asked to keep it), resets and renews', async () => {
    const before = (await call('GET', '/users/alice')).json();
    const kicked = (await call('POST', '/users/alice/kick')).json();
    expect(kicked.uuid).not.toBe(before.uuid);
    expect(kicked.subscription_url).not.toBe(before.subscription_url);
    const kept = (await call('POST', '/users/alice/kick', { keep_subscription: true })).json();
    expect(kept.uuid).not.toBe(kicked.uuid);
    expect(kept.subscription_url).toBe(kicked.subscription_url);

    f.memory.traffic('alice', 100, 200);
    await f.services.traffic.collect();
    expect((await call('GET', '/users/alice')).json().used_bytes).toBe(300);
    const reset = await call('POST', '/users/alice/reset-traffic');
    expect(reset.json()).toMatchObject({ used_bytes: 0, lifetime_used_bytes: 300 });

    await call('PATCH', '/users/alice', { traffic_limit_gb: 1, expire_days: 10 });
    const renewed = await call('POST', '/users/alice/renew', { extend_days: 5, add_traffic_gb: 2 });
    expect(renewed.json()).toMatchObject({
      traffic_limit_bytes: 3 * GB,
      expire_at: '2026-11-16T12:00:00.000Z',
    });
    expect((await call('POST', '/users/alice/renew', {})).statusCode).toBe(400);
  });

  it('kick revokes the old subscription URL: it answers 404, the new one serves the new UUID', async () => {
    const before = (await call('GET', '/users/alice')).json();
    const path = (url: string) => new URL(url).pathname;
    expect((await f.app.inject({ method: 'GET', url: path(before.subscription_url) })).statusCode).toBe(200);
    const kicked = (await call('POST', '/users/alice/kick')).json();
    expect((await f.app.inject({ method: 'GET', url: path(before.subscription_url) })).statusCode).toBe(404);
    const fresh = await f.app.inject({ method: 'GET', url: path(kicked.subscription_url) });
    expect(fresh.statusCode).toBe(200);
    expect(Buffer.from(fresh.body, 'base64').toString()).toContain(kicked.uuid);
    // Asked to keep it: the URL stays and now hands out the new UUID.
    const kept = (await call('POST', '/users/alice/kick', { keep_subscription: true })).json();
    expect(kept.subscription_url).toBe(kicked.subscription_url);
    const same = await f.app.inject({ method: 'GET', url: path(kicked.subscription_url) });
    expect(Buffer.from(same.body, 'base64').toString()).toContain(kept.uuid);
  });

  it('renewing past the largest date clamps expire_at to the end of year 9999, never to null', async () => {
    await call('POST', '/users', { username: 'forever', expire_days: 30 });
    const patched = await call('PATCH', '/users/forever', { expire_at: '9999-12-01T00:00:00Z' });
    expect(patched.json().expire_at).toBe('9999-12-01T00:00:00.000Z');
    for (let i = 0; i < 3; i++) {
      const renewed = await call('POST', '/users/forever/renew', { extend_days: 36_500 });
      expect(renewed.statusCode).toBe(200);
      expect(renewed.json()).toMatchObject({ status: 'active', expire_at: '9999-12-31T23:59:59.999Z' });
    }
    expect(f.services.keys.get('forever').expireAt?.toISOString()).toBe('9999-12-31T23:59:59.999Z');

    // From today, by the largest step the API takes: the expiry climbs to the maximum and stays there.
    await call('PATCH', '/users/forever', { expire_days: 1 });
    const busy = f.apiKey(['users:write'], { rateLimitPerMinute: 1000 });
    let last = '';
    for (let i = 0; i < 90; i++) {
      const renewed = await f.app.inject({
        method: 'POST',
        url: '/api/v1/users/forever/renew',
        headers: withKey(busy),
        payload: { extend_days: 36_500 },
      });
      last = renewed.json().expire_at;
    }
    expect(last).toBe('9999-12-31T23:59:59.999Z');
    await call('DELETE', '/users/forever');
  });

  it('answers the subscription URL and links', async () => {
    const user = (await call('GET', '/users/alice')).json();
    const res = await call('GET', '/users/alice/subscription');
    expect(res.json()).toEqual({ subscription_url: user.subscription_url, links: user.links });
  });

  it('creates a batch: each item succeeds or fails on its own', async () => {
    const res = await call('POST', '/users/batch', {
      items: [{ username: 'b1', traffic_limit_gb: 1 }, { username: 'alice' }, { username: 'bad name' }, 42],
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ succeeded: 1, failed: 3 });
    expect(body.results.map((r: { status: number }) => r.status)).toEqual([201, 409, 400, 400]);
    expect(body.results[0].user.traffic_limit_bytes).toBe(GB);
    expect(body.results[1].error.code).toBe('KEY_NAME_TAKEN');
    expect(body.results[2]).toMatchObject({
      username: 'bad name',
      ok: false,
      error: { code: 'VALIDATION_FAILED' },
    });
    expect((await call('GET', '/users/b1')).statusCode).toBe(200);
  });

  it('updates a batch, and refuses more than 100 items', async () => {
    const res = await call('PATCH', '/users/batch', {
      items: [
        { username: 'b1', note: 'batched' },
        { username: 'ghost', note: 'x' },
        { username: 'alice', status: 'paused' },
      ],
    });
    expect(res.json().results.map((r: { status: number }) => r.status)).toEqual([200, 404, 400]);
    expect((await call('GET', '/users/b1')).json().note).toBe('batched');

    const many = Array.from({ length: 101 }, (_, i) => ({ username: `u${i}` }));
    const tooMany = await call('POST', '/users/batch', { items: many });
    expect(tooMany.statusCode).toBe(400);
    expect(tooMany.json().error.details.fields[0].path).toBe('body.items');
  });

  it('deletes with 204, then 404', async () => {
    const res = await call('DELETE', '/users/b1');
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
    expect((await call('DELETE', '/users/b1')).statusCode).toBe(404);
  });
});

describe('request errors', () => {
  const f = httpFixture();
  const key = f.apiKey(['*:*']);
  afterAll(() => f.app.close());

  it('413 over 1 MB, 415 for other content types, 400 for broken JSON — all in the error shape', async () => {
    const big = await f.app.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: { ...withKey(key), 'content-type': 'application/json' },
      payload: JSON.stringify({ username: 'x', note: 'a'.repeat(1024 * 1024) }),
    });
    expect(big.statusCode).toBe(413);
    expect(big.json().error.code).toBe('PAYLOAD_TOO_LARGE');

    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml']) {
      const res = await f.app.inject({
        method: 'POST',
        url: '/api/v1/users',
        headers: { ...withKey(key), 'content-type': type },
        payload: 'username=x',
      });
      expect(res.statusCode, type).toBe(415);
      expect(res.json().error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    }

    const broken = await f.app.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: { ...withKey(key), 'content-type': 'application/json' },
      payload: '{"username":',
    });
    expect(broken.statusCode).toBe(400);
    expect(broken.json().error.code).toBe('VALIDATION_FAILED');

    const poisoned = await f.app.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: { ...withKey(key), 'content-type': 'application/json' },
      payload: '{"username":"p","__proto__":{"admin":true}}',
    });
    expect(poisoned.statusCode).toBe(400);
  });

  it('an unauthenticated request is refused before its body is read', async () => {
    const res = await f.app.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: { 'content-type': 'text/plain' },
      payload: 'x',
    });
    expect(res.statusCode).toBe(401);
  });

  it('404s unknown routes and methods in the error shape', async () => {
    for (const [method, url] of [
      ['GET', '/api/v1/nope'],
      ['PUT', '/api/v1/users/alice'],
      ['GET', '/nothing'],
    ] as const) {
      const res = await f.app.inject({ method, url, headers: withKey(key) });
      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual({ error: { code: 'NOT_FOUND', message: expect.any(String) } });
    }
  });
});
