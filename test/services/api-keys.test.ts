import { createHash } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { apiKeys } from '../../src/db/schema.ts';
import {
  expandScopes,
  hasScope,
  isIpAllowed,
  SCOPES,
  validateCidrs,
  validateScopes,
} from '../../src/services/api-keys.service.ts';
import { isAppError } from '../../src/services/errors.ts';
import { runCli } from '../helpers/cli.ts';
import { tempDir, testServices } from '../helpers/db.ts';

describe('scopes', () => {
  it('matches exact scopes and the wildcards users:*, *:read, *:*', () => {
    expect(hasScope(['users:read'], 'users:read')).toBe(true);
    expect(hasScope(['users:read'], 'users:write')).toBe(false);
    expect(expandScopes(['users:*'])).toEqual(['users:read', 'users:write', 'users:delete']);
    expect(expandScopes(['*:read'])).toEqual([
      'users:read',
      'subscriptions:read',
      'stats:read',
      'api-keys:read',
      'plans:read',
      'nodes:read',
    ]);
    expect(expandScopes(['*:*'])).toEqual([...SCOPES]);
    expect(expandScopes(['api-keys:*'])).toEqual(['api-keys:read', 'api-keys:write']);
  });

  it('validates against the known list, deduplicating', () => {
    expect(validateScopes(['users:*', ' stats:read ', 'users:*'])).toEqual(['users:*', 'stats:read']);
    for (const bad of [['users:fly'], ['root'], ['*'], ['billing:*'], [], ['users:read', 'x:y']]) {
      expect(() => validateScopes(bad), bad.join()).toThrow(/scope/);
    }
  });
});

describe('IP allowlists', () => {
  it('normalises IPv4 and IPv6 CIDRs and single addresses', () => {
    expect(validateCidrs(['10.0.0.0/8', '2001:0db8:0000::/32', '192.168.1.5', '::1'])).toEqual([
      '10.0.0.0/8',
      '2001:db8::/32',
      '192.168.1.5/32',
      '::1/128',
    ]);
    for (const bad of ['10.0.0.0/33', 'localhost', '1.2.3', '2001:db8::/129', '']) {
      expect(() => validateCidrs([bad]), bad).toThrow(/allowed_ips/);
    }
  });

  it('matches addresses of the right family, IPv4-mapped IPv6 as IPv4', () => {
    const list = validateCidrs(['10.0.0.0/8', '2001:db8::/32']);
    expect(isIpAllowed(list, '10.255.0.1')).toBe(true);
    expect(isIpAllowed(list, '::ffff:10.0.0.1')).toBe(true);
    expect(isIpAllowed(list, '2001:db8:1::1')).toBe(true);
    expect(isIpAllowed(list, '11.0.0.1')).toBe(false);
    expect(isIpAllowed(list, '::ffff:11.0.0.1')).toBe(false);
    expect(isIpAllowed(list, 'not-an-ip')).toBe(false);
    expect(isIpAllowed([], '203.0.113.1')).toBe(true);
  });
});

describe('API keys service', () => {
  it('stores only the SHA-256 of a key shown once; the prefix is its first 12 characters', () => {
    const { services, db } = testServices();
    const created = services.apiKeys.create({ name: 'ops', scopes: ['users:read'] }, 'test');
    expect(created.key).toMatch(/^xk_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(created.key.slice(3), 'base64url')).toHaveLength(32);
    expect(created.prefix).toBe(created.key.slice(0, 12));
    const row = db.select().from(apiKeys).get()!;
    expect(row.keyHash).toBe(createHash('sha256').update(created.key).digest('hex'));
    expect(JSON.stringify(row)).not.toContain(created.key);
    expect(services.apiKeys.get(created.id)).not.toHaveProperty('key');
    expect(services.apiKeys.authenticate(created.key).id).toBe(created.id);
  });

  it('refuses unknown, revoked, expired and disabled keys with UNAUTHORIZED', () => {
    const { services, clock } = testServices();
    const expectRefused = (key: string, reason: RegExp) => {
      try {
        services.apiKeys.authenticate(key);
        expect.unreachable();
      } catch (error) {
        expect(isAppError(error, 'UNAUTHORIZED')).toBe(true);
        expect((error as Error).message).toMatch(reason);
      }
    };
    const created = services.apiKeys.create({ name: 'k', scopes: ['*:*'], expireDays: 2 }, 'test');
    expectRefused(`${created.key.slice(0, -1)}x`, /unknown/);
    services.apiKeys.update(created.id, { active: false }, 'test');
    expectRefused(created.key, /disabled/);
    services.apiKeys.update(created.id, { active: true }, 'test');
    clock.advance(3 * 86_400_000);
    expectRefused(created.key, /expired/);
    services.apiKeys.update(created.id, { expireAt: null }, 'test');
    expect(services.apiKeys.authenticate(created.key).id).toBe(created.id);
    services.apiKeys.revoke(created.id, 'test');
    expectRefused(created.key, /revoked/);
  });

  it('counts usage in memory and writes it in one batch', () => {
    const { services, db, clock } = testServices();
    const a = services.apiKeys.create({ name: 'a', scopes: ['*:*'] }, 'test');
    const b = services.apiKeys.create({ name: 'b', scopes: ['*:*'] }, 'test');
    for (let i = 0; i < 3; i++) services.apiKeys.recordUse(a.id);
    clock.advance(1000);
    services.apiKeys.recordUse(b.id);
    expect(
      db
        .select()
        .from(apiKeys)
        .all()
        .map((r) => r.totalRequests),
    ).toEqual([0, 0]);
    expect(services.apiKeys.get(a.id).total_requests).toBe(3);
    expect(services.apiKeys.flushUsage()).toBe(2);
    expect(services.apiKeys.flushUsage()).toBe(0);
    const rows = db.select().from(apiKeys).all();
    expect(rows.map((r) => r.totalRequests)).toEqual([3, 1]);
    expect(rows[1]!.lastUsedAt?.toISOString()).toBe('2026-11-01T12:00:01.000Z');
    services.apiKeys.recordUse(a.id);
    services.apiKeys.flushUsage();
    expect(services.apiKeys.get(a.id).total_requests).toBe(4);
  });
});

describe('xkeeper apikey (CLI)', () => {
  const tmp = tempDir();
  const env = { DATA_DIR: tmp.dir };
  afterAll(() => tmp.cleanup());

  it('create prints the key once; list and revoke never show it', async () => {
    const create = await runCli(
      [
        'apikey',
        'create',
        '--name',
        'billing',
        '--scopes',
        'users:*,stats:read',
        '--rate-minute',
        '60',
        '--allow-ip',
        '10.0.0.0/8',
        '--allow-ip',
        '2001:db8::/32',
        '--expires-days',
        '30',
        '--json',
      ],
      env,
    );
    expect(create.code, create.stderr).toBe(0);
    const created = create.json();
    expect(created).toMatchObject({
      id: 1,
      prefix: created.key.slice(0, 12),
      scopes: ['users:*', 'stats:read'],
      rate_limit_per_minute: 60,
      rate_limit_per_hour: 3600,
      allowed_ips: ['10.0.0.0/8', '2001:db8::/32'],
      status: 'active',
    });
    expect(created.key).toMatch(/^xk_/);
    expect(create.stdout.split(created.key)).toHaveLength(2);

    const human = await runCli(['apikey', 'create', '--name', 'ops', '--scopes', '*:read'], env);
    expect(human.code).toBe(0);
    // The key on a line of its own, said to be shown once only.
    expect(human.stdout).toMatch(/^ {2}xk_[\w-]{43}$/m);
    expect(human.stdout).toMatch(/shown once only/);

    const list = await runCli(['apikey', 'list', '--json'], env);
    expect(list.code).toBe(0);
    expect(list.json().map((k: { name: string }) => k.name)).toEqual(['billing', 'ops']);
    expect(list.stdout).not.toContain(created.key);
    expect(list.stdout).not.toMatch(/xk_[\w-]{43}/);
    expect(list.stdout).not.toMatch(/"key"/);

    const revoke = await runCli(['apikey', 'revoke', String(created.id), '--json'], env);
    expect(revoke.code).toBe(0);
    expect(revoke.json()).toMatchObject({ id: created.id, status: 'revoked' });
    expect(revoke.stdout).not.toContain(created.key);
  });

  it('exits 2 on bad usage and 1 for an unknown id', async () => {
    expect(
      (await runCli(['apikey', 'create', '--name', 'x', '--scopes', 'users:fly', '--json'], env)).code,
    ).toBe(2);
    expect((await runCli(['apikey', 'create', '--scopes', 'users:read'], env)).code).toBe(2);
    const missing = await runCli(['apikey', 'revoke', '999', '--json'], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/API_KEY_NOT_FOUND/);
    expect(missing.stdout).toBe('');
  });
});
