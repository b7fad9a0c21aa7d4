import { afterAll, describe, expect, it } from 'vitest';
import { SCOPES } from '../../src/services/api-keys.service.ts';
import { httpFixture, withKey } from './fixture.ts';

describe('API key management', () => {
  const f = httpFixture();
  const admin = f.apiKey(['*:*']);
  afterAll(() => f.app.close());
  const call = (method: string, url: string, payload?: unknown, key = admin) =>
    f.app.inject({
      method: method as 'GET',
      url: `/api/v1${url}`,
      headers: withKey(key),
      ...(payload === undefined ? {} : { payload: payload as object }),
    });

  it('creates a key shown once, starting with its prefix, with default limits', async () => {
    const res = await call('POST', '/api-keys', {
      name: 'billing',
      scopes: ['users:*', 'stats:read'],
      allowed_ips: ['10.0.0.0/8', '2001:db8::1'],
      expire_days: 30,
    });
    expect(res.statusCode).toBe(201);
    const created = res.json();
    expect(created.key).toMatch(/^xk_[A-Za-z0-9_-]{43}$/);
    expect(created.key.startsWith(created.prefix)).toBe(true);
    expect(created.prefix).toHaveLength(12);
    expect(created).toMatchObject({
      name: 'billing',
      scopes: ['users:*', 'stats:read'],
      rate_limit_per_minute: 120,
      rate_limit_per_hour: 3600,
      allowed_ips: ['10.0.0.0/8', '2001:db8::1/128'],
      status: 'active',
      expire_at: '2026-12-01T12:00:00.000Z',
      total_requests: 0,
    });

    const shown = (await call('GET', `/api-keys/${created.id}`)).json();
    expect(shown.key).toBeUndefined();
    const list = (await call('GET', '/api-keys')).json();
    expect(list.total).toBe(2);
    expect(JSON.stringify(list)).not.toContain(created.key);
    expect(JSON.stringify(list)).not.toMatch(/key_hash|keyHash/);
  });

  it('lists the known scopes', async () => {
    const res = (await call('GET', '/api-keys/scopes')).json();
    expect(res.scopes).toEqual([...SCOPES]);
    expect(res.wildcards).toEqual(['users:*', '*:read', '*:*']);
  });

  it('refuses unknown scopes, bad CIDRs and out-of-range limits', async () => {
    for (const body of [
      { name: 'x', scopes: ['users:fly'] },
      { name: 'x', scopes: ['root'] },
      { name: 'x', scopes: [] },
      { name: 'x', scopes: ['users:read'], allowed_ips: ['10.0.0.0/33'] },
      { name: 'x', scopes: ['users:read'], allowed_ips: ['example.com'] },
      { name: 'x', scopes: ['users:read'], rate_limit_per_minute: 0 },
      { name: '', scopes: ['users:read'] },
    ]) {
      const res = await call('POST', '/api-keys', body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().error.code).toBe('VALIDATION_FAILED');
    }
  });

  it('a key cannot grant scopes it does not hold', async () => {
    const limited = f.apiKey(['api-keys:write', 'users:read']);
    const wider = await call('POST', '/api-keys', { name: 'x', scopes: ['users:*'] }, limited);
    expect(wider.statusCode).toBe(403);
    const same = await call('POST', '/api-keys', { name: 'x', scopes: ['users:read'] }, limited);
    expect(same.statusCode).toBe(201);
  });

  it('disables, enables and changes a key with PATCH', async () => {
    const created = (await call('POST', '/api-keys', { name: 'p', scopes: ['stats:read'] })).json();
    const use = () => call('GET', '/stats', undefined, created.key);
    expect((await use()).statusCode).toBe(200);

    const off = await call('PATCH', `/api-keys/${created.id}`, { active: false });
    expect(off.json()).toMatchObject({ active: false, status: 'disabled' });
    expect((await use()).statusCode).toBe(401);

    const on = await call('PATCH', `/api-keys/${created.id}`, {
      active: true,
      rate_limit_per_minute: 1,
      scopes: ['stats:read', 'users:read'],
    });
    expect(on.json()).toMatchObject({ status: 'active', rate_limit_per_minute: 1 });
    // This minute's one request is spent already; the next minute allows one more.
    expect((await use()).statusCode).toBe(429);
    f.clock.advance(60_000);
    expect((await use()).statusCode).toBe(200);
    expect((await use()).statusCode).toBe(429);
  });

  it('revokes for good; a revoked key cannot be changed; delete answers 204', async () => {
    const created = (await call('POST', '/api-keys', { name: 'r', scopes: ['stats:read'] })).json();
    const revoked = await call('POST', `/api-keys/${created.id}/revoke`);
    expect(revoked.json()).toMatchObject({ status: 'revoked', revoked_at: '2026-11-01T12:01:00.000Z' });
    expect((await call('GET', '/stats', undefined, created.key)).statusCode).toBe(401);
    const patch = await call('PATCH', `/api-keys/${created.id}`, { active: true });
    expect(patch.statusCode).toBe(409);
    expect(patch.json().error.code).toBe('API_KEY_REVOKED');

    expect((await call('DELETE', `/api-keys/${created.id}`)).statusCode).toBe(204);
    expect((await call('GET', `/api-keys/${created.id}`)).statusCode).toBe(404);
    expect((await call('GET', '/api-keys/abc')).statusCode).toBe(400);
  });

  it('records key changes in the event log without the secret', async () => {
    const created = (await call('POST', '/api-keys', { name: 'audited', scopes: ['stats:read'] })).json();
    const events = f.services.events.list({ type: 'apikey.created', perPage: 100 }).items;
    expect(events.some((e) => e.subject === `api-key:${created.id}`)).toBe(true);
    expect(JSON.stringify(events)).not.toContain(created.key);
  });
});
