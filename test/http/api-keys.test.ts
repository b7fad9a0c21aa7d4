import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

  describe('a key cannot mint, change or revoke a key stronger than itself', () => {
    // A key fenced in every way: two scopes, one /16, an expiry, low limits.
    let fenced = '';
    beforeAll(() => {
      fenced = f.apiKey(['api-keys:write', 'users:read'], {
        allowedIps: ['10.1.0.0/16'],
        expireDays: 10,
        rateLimitPerMinute: 30,
        rateLimitPerHour: 600,
      });
    });
    // Requests of the fenced key come from inside its allowlist.
    const asFenced = (method: string, url: string, payload?: unknown) =>
      f.app.inject({
        method: method as 'GET',
        url: `/api/v1${url}`,
        headers: withKey(fenced),
        remoteAddress: '10.1.2.3',
        ...(payload === undefined ? {} : { payload: payload as object }),
      });
    const within = { scopes: ['users:read'], allowed_ips: ['10.1.2.0/24'], expire_days: 5 };
    const refused = async (res: { statusCode: number; json(): unknown }, reason: string) => {
      expect(res.statusCode).toBe(403);
      expect(res.json()).toMatchObject({ error: { code: 'API_KEY_TOO_STRONG', details: { reason } } });
    };

    it('creates keys within its own powers, limits defaulting to its own', async () => {
      const res = await asFenced('POST', '/api-keys', { name: 'child', ...within });
      expect(res.statusCode).toBe(201);
      expect(res.json()).toMatchObject({
        allowed_ips: ['10.1.2.0/24'],
        rate_limit_per_minute: 30,
        rate_limit_per_hour: 600,
        expire_at: '2026-11-06T12:00:00.000Z',
      });
    });

    it('refuses a twin without its allowlist, expiry or limits, or with wider scopes, with the reason', async () => {
      await refused(
        await asFenced('POST', '/api-keys', { name: 'twin', scopes: ['api-keys:write', 'users:read'] }),
        'allowed_ips',
      );
      const stronger: Array<[Record<string, unknown>, string]> = [
        [{ scopes: ['*:*'] }, 'scopes'],
        [{ scopes: ['users:*'] }, 'scopes'],
        [{ allowed_ips: ['10.0.0.0/8'] }, 'allowed_ips'],
        [{ allowed_ips: ['10.2.0.1'] }, 'allowed_ips'],
        [{ expire_days: undefined }, 'expiry'],
        [{ expire_days: 11 }, 'expiry'],
        [{ rate_limit_per_minute: 31 }, 'rate_limit_per_minute'],
        [{ rate_limit_per_hour: 601 }, 'rate_limit_per_hour'],
      ];
      for (const [change, reason] of stronger) {
        await refused(await asFenced('POST', '/api-keys', { ...within, name: 'strong', ...change }), reason);
      }
      const names = f.services.apiKeys.list().map((k) => k.name);
      expect(names).not.toContain('twin');
      expect(names).not.toContain('strong');
    });

    it('cannot revoke, delete or change a stronger key, nor raise a weaker one', async () => {
      const root = f.services.apiKeys.create({ name: 'root', scopes: ['*:*'] }, 'test');
      await refused(await asFenced('POST', `/api-keys/${root.id}/revoke`), 'scopes');
      await refused(await asFenced('DELETE', `/api-keys/${root.id}`), 'scopes');
      await refused(await asFenced('PATCH', `/api-keys/${root.id}`, { active: false }), 'scopes');
      expect(f.services.apiKeys.get(root.id).status).toBe('active');

      const child = (await asFenced('POST', '/api-keys', { name: 'weak', ...within })).json();
      await refused(await asFenced('PATCH', `/api-keys/${child.id}`, { allowed_ips: [] }), 'allowed_ips');
      await refused(await asFenced('PATCH', `/api-keys/${child.id}`, { expire_at: null }), 'expiry');
      await refused(
        await asFenced('PATCH', `/api-keys/${child.id}`, { rate_limit_per_hour: 10_000 }),
        'rate_limit_per_hour',
      );
      expect(
        (await asFenced('PATCH', `/api-keys/${child.id}`, { rate_limit_per_minute: 5 })).statusCode,
      ).toBe(200);
      expect((await asFenced('POST', `/api-keys/${child.id}/revoke`)).json().status).toBe('revoked');
    });

    it('a *:* key without an allowlist or expiry still manages every key', async () => {
      const created = await call('POST', '/api-keys', {
        name: 'any',
        scopes: ['*:*'],
        rate_limit_per_minute: 100,
      });
      expect(created.statusCode).toBe(201);
      expect((await call('POST', `/api-keys/${created.json().id}/revoke`)).statusCode).toBe(200);
    });
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
