import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKeys } from '../../src/db/schema.ts';
import { SCOPES, type Scope } from '../../src/services/api-keys.service.ts';
import { httpFixture, withKey } from './fixture.ts';

/** Every authenticated route of CONTRACT.md with the scope it needs and a valid request. */
const ROUTES: Array<{ method: string; url: string; scope: Scope; body?: unknown }> = [
  { method: 'GET', url: '/api/v1/api-keys', scope: 'api-keys:read' },
  { method: 'GET', url: '/api/v1/api-keys/1', scope: 'api-keys:read' },
  { method: 'GET', url: '/api/v1/api-keys/scopes', scope: 'api-keys:read' },
  {
    method: 'POST',
    url: '/api/v1/api-keys',
    scope: 'api-keys:write',
    body: { name: 'n', scopes: ['api-keys:write'] },
  },
  // 999: key 1 holds more scopes than a key with only api-keys:write, which may not change it.
  { method: 'PATCH', url: '/api/v1/api-keys/999', scope: 'api-keys:write', body: { name: 'renamed' } },
  { method: 'POST', url: '/api/v1/api-keys/999/revoke', scope: 'api-keys:write' },
  { method: 'DELETE', url: '/api/v1/api-keys/999', scope: 'api-keys:write' },
  { method: 'POST', url: '/api/v1/users', scope: 'users:write', body: { username: 'new-user' } },
  { method: 'GET', url: '/api/v1/users', scope: 'users:read' },
  { method: 'GET', url: '/api/v1/users/alice', scope: 'users:read' },
  { method: 'PATCH', url: '/api/v1/users/alice', scope: 'users:write', body: { note: 'hi' } },
  { method: 'DELETE', url: '/api/v1/users/bob', scope: 'users:delete' },
  { method: 'POST', url: '/api/v1/users/alice/kick', scope: 'users:write' },
  { method: 'POST', url: '/api/v1/users/alice/reset-traffic', scope: 'users:write' },
  { method: 'POST', url: '/api/v1/users/alice/renew', scope: 'users:write', body: { extend_days: 1 } },
  { method: 'POST', url: '/api/v1/users/batch', scope: 'users:write', body: { items: [{ username: 'b1' }] } },
  {
    method: 'PATCH',
    url: '/api/v1/users/batch',
    scope: 'users:write',
    body: { items: [{ username: 'alice' }] },
  },
  { method: 'GET', url: '/api/v1/users/alice/subscription', scope: 'subscriptions:read' },
  { method: 'GET', url: '/api/v1/users/alice/traffic', scope: 'stats:read' },
  { method: 'GET', url: '/api/v1/users/alice/traffic/daily', scope: 'stats:read' },
  { method: 'GET', url: '/api/v1/users/alice/traffic/monthly', scope: 'stats:read' },
  { method: 'GET', url: '/api/v1/stats', scope: 'stats:read' },
  { method: 'GET', url: '/api/v1/traffic/daily/2026-11-01', scope: 'stats:read' },
  { method: 'GET', url: '/api/v1/traffic/monthly?year_month=2026-11', scope: 'stats:read' },
  { method: 'GET', url: '/api/v1/events', scope: 'stats:read' },
  { method: 'GET', url: '/api/v1/system/core', scope: 'stats:read' },
  { method: 'POST', url: '/api/v1/system/core/sync', scope: 'system:write' },
  { method: 'POST', url: '/api/v1/system/core/restart', scope: 'system:write' },
  { method: 'GET', url: '/api/v1/settings/subscription', scope: 'subscriptions:read' },
  { method: 'PATCH', url: '/api/v1/settings/subscription', scope: 'system:write', body: { announce: 'hi' } },
  { method: 'GET', url: '/api/v1/plans', scope: 'plans:read' },
  { method: 'GET', url: '/api/v1/plans/999', scope: 'plans:read' },
  {
    method: 'POST',
    url: '/api/v1/plans',
    scope: 'plans:write',
    body: { name: 'Month', days: 30, price_stars: 100 },
  },
  { method: 'PATCH', url: '/api/v1/plans/999', scope: 'plans:write', body: { days: 31 } },
  { method: 'DELETE', url: '/api/v1/plans/999', scope: 'plans:write' },
  { method: 'GET', url: '/api/v1/promos', scope: 'plans:read' },
  { method: 'GET', url: '/api/v1/promos/NOPE', scope: 'plans:read' },
  {
    method: 'POST',
    url: '/api/v1/promos',
    scope: 'plans:write',
    body: { code: 'SPRING', kind: 'percent', value: 10 },
  },
  { method: 'PATCH', url: '/api/v1/promos/NOPE', scope: 'plans:write', body: { active: false } },
  { method: 'DELETE', url: '/api/v1/promos/NOPE', scope: 'plans:write' },
  { method: 'GET', url: '/api/v1/nodes', scope: 'nodes:read' },
  { method: 'GET', url: '/api/v1/nodes/local', scope: 'nodes:read' },
  {
    method: 'POST',
    url: '/api/v1/nodes',
    scope: 'nodes:write',
    body: { name: 'n1', direct: '10.0.0.2:10085' },
  },
  { method: 'PATCH', url: '/api/v1/nodes/local', scope: 'nodes:write', body: { display_name: 'Home' } },
  { method: 'DELETE', url: '/api/v1/nodes/nope', scope: 'nodes:write' },
  { method: 'POST', url: '/api/v1/nodes/local/check', scope: 'nodes:write' },
  { method: 'POST', url: '/api/v1/nodes/local/sync', scope: 'nodes:write' },
  { method: 'POST', url: '/api/v1/nodes/local/restart', scope: 'nodes:write' },
];

describe('route × scope', () => {
  const f = httpFixture();
  beforeAll(async () => {
    await f.services.keys.create({ name: 'alice' }, 'test');
    await f.services.keys.create({ name: 'bob' }, 'test');
  });
  afterAll(() => f.app.close());

  it('the table covers every authenticated route the OpenAPI document lists', async () => {
    const doc = (await f.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const documented: string[] = [];
    for (const [path, ops] of Object.entries<Record<string, { 'x-scope': string }>>(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        if (op['x-scope'] !== 'none') documented.push(`${method.toUpperCase()} ${path} ${op['x-scope']}`);
      }
    }
    const table = ROUTES.map((r) => {
      const path = r.url
        .split('?')[0]!
        .replace(/\/users\/(alice|bob)/, '/users/{username}')
        .replace(/\/api-keys\/\d+/, '/api-keys/{id}')
        .replace(/\/plans\/\d+/, '/plans/{id}')
        .replace(/\/promos\/NOPE/, '/promos/{code}')
        .replace(/\/nodes\/(local|nope)/, '/nodes/{name}')
        .replace(/\d{4}-\d{2}-\d{2}/, '{date}');
      return `${r.method} ${path} ${r.scope}`;
    });
    expect(new Set(table)).toEqual(new Set(documented));
  });

  it.each(ROUTES)('$method $url: 403 without $scope, served with it', async (route) => {
    const without = f.apiKey(SCOPES.filter((s) => s !== route.scope));
    const denied = await f.app.inject({
      method: route.method as 'GET',
      url: route.url,
      headers: withKey(without),
      ...(route.body ? { payload: route.body as object } : {}),
    });
    expect(denied.statusCode).toBe(403);
    expect(denied.json().error.code).toBe('FORBIDDEN');

    const only = f.apiKey([route.scope]);
    const allowed = await f.app.inject({
      method: route.method as 'GET',
      url: route.url,
      headers: withKey(only),
      ...(route.body ? { payload: route.body as object } : {}),
    });
    expect([401, 403]).not.toContain(allowed.statusCode);
    expect(allowed.statusCode).toBeLessThan(500);
  });

  it('wildcards cover what they name and nothing else', async () => {
    const get = (key: string, url: string) => f.app.inject({ method: 'GET', url, headers: withKey(key) });
    const usersAll = f.apiKey(['users:*']);
    expect((await get(usersAll, '/api/v1/users')).statusCode).toBe(200);
    expect((await get(usersAll, '/api/v1/stats')).statusCode).toBe(403);
    const readAll = f.apiKey(['*:read']);
    expect((await get(readAll, '/api/v1/stats')).statusCode).toBe(200);
    expect((await get(readAll, '/api/v1/api-keys')).statusCode).toBe(200);
    const write = await f.app.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: withKey(readAll),
      payload: { username: 'nope' },
    });
    expect(write.statusCode).toBe(403);
    const everything = f.apiKey(['*:*']);
    expect((await get(everything, '/api/v1/system/core')).statusCode).toBe(200);
  });

  it('accepts Authorization: Bearer as well as X-API-Key', async () => {
    const key = f.apiKey(['users:read']);
    const res = await f.app.inject({
      method: 'GET',
      url: '/api/v1/users',
      headers: { authorization: `Bearer ${key}` },
    });
    expect(res.statusCode).toBe(200);
  });

  it('public routes need no key', async () => {
    for (const url of ['/api/v1/health', '/openapi.json', '/metrics', '/docs']) {
      expect((await f.app.inject({ method: 'GET', url })).statusCode, url).toBeLessThan(400);
    }
  });
});

describe('401: unknown, revoked, expired, disabled', () => {
  const f = httpFixture();
  afterAll(() => f.app.close());
  const get = (headers: Record<string, string>) =>
    f.app.inject({ method: 'GET', url: '/api/v1/users', headers });

  it('refuses a missing, malformed or unknown key', async () => {
    const attempts: Array<Record<string, string>> = [
      {},
      { 'x-api-key': 'nope' },
      { 'x-api-key': `xk_${'A'.repeat(43)}` },
      { authorization: 'Basic abc' },
    ];
    for (const headers of attempts) {
      const res = await get(headers);
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual({ error: { code: 'UNAUTHORIZED', message: expect.any(String) } });
    }
  });

  it('refuses a revoked key', async () => {
    const created = f.services.apiKeys.create({ name: 'r', scopes: ['users:read'] }, 'test');
    expect((await get(withKey(created.key))).statusCode).toBe(200);
    f.services.apiKeys.revoke(created.id, 'test');
    const res = await get(withKey(created.key));
    expect(res.statusCode).toBe(401);
    expect(res.json().error.message).toMatch(/revoked/);
  });

  it('refuses an expired key', async () => {
    const created = f.services.apiKeys.create({ name: 'e', scopes: ['users:read'], expireDays: 1 }, 'test');
    expect((await get(withKey(created.key))).statusCode).toBe(200);
    f.clock.advance(86_400_000 + 1);
    const res = await get(withKey(created.key));
    expect(res.statusCode).toBe(401);
    expect(res.json().error.message).toMatch(/expired/);
  });

  it('refuses a disabled key until it is enabled again', async () => {
    const created = f.services.apiKeys.create({ name: 'd', scopes: ['users:read'] }, 'test');
    f.services.apiKeys.update(created.id, { active: false }, 'test');
    expect((await get(withKey(created.key))).statusCode).toBe(401);
    f.services.apiKeys.update(created.id, { active: true }, 'test');
    expect((await get(withKey(created.key))).statusCode).toBe(200);
  });
});

describe('IP allowlist', () => {
  const cidrs = ['10.0.0.0/8', '2001:db8::/32'];

  it('allows addresses in the list (IPv4, IPv6, IPv4-mapped IPv6) and refuses others with 403', async () => {
    const f = httpFixture();
    const key = f.apiKey(['users:read'], { allowedIps: cidrs });
    const from = (remoteAddress: string) =>
      f.app.inject({ method: 'GET', url: '/api/v1/users', headers: withKey(key), remoteAddress });
    expect((await from('10.1.2.3')).statusCode).toBe(200);
    expect((await from('2001:db8::42')).statusCode).toBe(200);
    expect((await from('::ffff:10.9.9.9')).statusCode).toBe(200);
    for (const outside of ['192.168.1.1', '2001:db9::1', '127.0.0.1']) {
      const res = await from(outside);
      expect(res.statusCode, outside).toBe(403);
      expect(res.json().error.code).toBe('IP_NOT_ALLOWED');
    }
    await f.app.close();
  });

  it('ignores X-Forwarded-For unless TRUST_PROXY, then trusts only the hop the proxy added', async () => {
    const direct = httpFixture();
    const key = direct.apiKey(['users:read'], { allowedIps: cidrs });
    const viaProxy = (app: typeof direct.app, k: string, xff: string) =>
      app.inject({
        method: 'GET',
        url: '/api/v1/users',
        headers: { ...withKey(k), 'x-forwarded-for': xff },
        remoteAddress: '127.0.0.1',
      });
    expect((await viaProxy(direct.app, key, '10.0.0.1')).statusCode).toBe(403);
    await direct.app.close();

    const proxied = httpFixture({ TRUST_PROXY: 'true' });
    const pkey = proxied.apiKey(['users:read'], { allowedIps: cidrs });
    expect((await viaProxy(proxied.app, pkey, '10.0.0.1')).statusCode).toBe(200);
    expect((await viaProxy(proxied.app, pkey, '2001:db8::7')).statusCode).toBe(200);
    // A client that writes an allowed address itself is still seen at the address the proxy added.
    expect((await viaProxy(proxied.app, pkey, '10.0.0.1, 203.0.113.9')).statusCode).toBe(403);
    await proxied.app.close();
  });
});

describe('rate limits', () => {
  it('counts per minute and per hour, with headers, and answers 429 with Retry-After', async () => {
    const f = httpFixture();
    const key = f.apiKey(['users:read'], { rateLimitPerMinute: 3, rateLimitPerHour: 5 });
    const get = () => f.app.inject({ method: 'GET', url: '/api/v1/users', headers: withKey(key) });

    const first = await get();
    expect(first.headers).toMatchObject({
      'x-ratelimit-limit': '3',
      'x-ratelimit-remaining': '2',
      'x-ratelimit-reset': '60',
    });
    await get();
    expect((await get()).headers['x-ratelimit-remaining']).toBe('0');
    const limited = await get();
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error.code).toBe('RATE_LIMITED');
    expect(limited.headers['retry-after']).toBe('60');
    expect(limited.headers['x-ratelimit-remaining']).toBe('0');

    f.clock.advance(30_000);
    expect((await get()).headers['retry-after']).toBe('30');
    f.clock.advance(30_000);
    const nextMinute = await get();
    expect(nextMinute.statusCode).toBe(200);
    // 4 of 5 this hour: the hour window now binds.
    expect(nextMinute.headers).toMatchObject({ 'x-ratelimit-limit': '5', 'x-ratelimit-remaining': '1' });
    await get();
    f.clock.advance(60_000);
    const hourFull = await get();
    expect(hourFull.statusCode).toBe(429);
    expect(hourFull.headers['retry-after']).toBe(String(3600 - 120));
    await f.app.close();
  });

  it('keeps each key’s limits apart', async () => {
    const f = httpFixture();
    const a = f.apiKey(['users:read'], { rateLimitPerMinute: 1 });
    const b = f.apiKey(['users:read'], { rateLimitPerMinute: 1 });
    const get = (key: string) => f.app.inject({ method: 'GET', url: '/api/v1/users', headers: withKey(key) });
    expect((await get(a)).statusCode).toBe(200);
    expect((await get(a)).statusCode).toBe(429);
    expect((await get(b)).statusCode).toBe(200);
    await f.app.close();
  });
});

describe('usage tracking', () => {
  it('counts requests in memory and writes them in one batch, not per request', async () => {
    const f = httpFixture();
    const created = f.services.apiKeys.create({ name: 'u', scopes: ['users:read', 'api-keys:read'] }, 'test');
    const stored = () =>
      f.db
        .select()
        .from(apiKeys)
        .all()
        .find((k) => k.id === created.id)!;
    for (let i = 0; i < 5; i++) {
      await f.app.inject({ method: 'GET', url: '/api/v1/users', headers: withKey(created.key) });
    }
    expect(stored().totalRequests).toBe(0);
    expect(stored().lastUsedAt).toBeNull();
    // The API already shows the counted usage.
    const shown = await f.app.inject({
      method: 'GET',
      url: `/api/v1/api-keys/${created.id}`,
      headers: withKey(created.key),
    });
    expect(shown.json()).toMatchObject({ total_requests: 6, last_used_at: '2026-11-01T12:00:00.000Z' });
    await f.app.close();
    expect(stored().totalRequests).toBe(6);
    expect(stored().lastUsedAt?.toISOString()).toBe('2026-11-01T12:00:00.000Z');
  });
});
