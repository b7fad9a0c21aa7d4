import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openDatabase } from '../../src/db/client.ts';
import { runMigrations } from '../../src/db/migrate.ts';
import { apiKeys } from '../../src/db/schema.ts';
import { AUTH_CACHE_MS } from '../../src/services/api-keys.service.ts';
import { createManualClock } from '../../src/services/clock.ts';
import { createServices } from '../../src/services/index.ts';
import { silentLogger, tempDir, testConfig } from '../helpers/db.ts';
import { httpFixture, withKey } from './fixture.ts';

/** API keys are kept in memory between requests; nothing that changes a key may wait for that. */
describe('keys kept between requests', () => {
  afterEach(() => vi.restoreAllMocks());

  const setup = () => {
    const f = httpFixture();
    const created = f.services.apiKeys.create({ name: 'c', scopes: ['users:read'] }, 'test');
    const get = () => f.app.inject({ method: 'GET', url: '/api/v1/users', headers: withKey(created.key) });
    return { f, created, get };
  };

  it('a key deleted or with its scopes changed is treated so at once', async () => {
    const { f, created, get } = setup();
    expect((await get()).statusCode).toBe(200);
    f.services.apiKeys.update(created.id, { scopes: ['stats:read'] }, 'test');
    expect((await get()).statusCode).toBe(403);
    f.services.apiKeys.update(created.id, { scopes: ['users:read'] }, 'test');
    expect((await get()).statusCode).toBe(200);
    f.services.apiKeys.delete(created.id, 'test');
    expect((await get()).statusCode).toBe(401);
    await f.app.close();
  });

  it('any write through the connection counts: a key revoked behind the service’s back is refused at once', async () => {
    const { f, created, get } = setup();
    expect((await get()).statusCode).toBe(200);
    f.db.update(apiKeys).set({ revokedAt: f.clock.now() }).where(eq(apiKeys.id, created.id)).run();
    const res = await get();
    expect(res.statusCode).toBe(401);
    expect(res.json().error.message).toMatch(/revoked/);
    await f.app.close();
  });

  /**
   * Services on a database file with an API key read once, and a second connection to that
   * file: a change made through it is one this process's connection cannot see happen.
   */
  async function withOtherConnection(
    scopes: string[],
    run: (ctx: {
      services: ReturnType<typeof createServices>;
      id: number;
      key: string;
      revokeElsewhere: () => void;
      advance: (ms: number) => void;
    }) => Promise<void> | void,
  ) {
    const tmp = tempDir();
    const file = path.join(tmp.dir, 'xkeeper.db');
    const db = openDatabase(file);
    runMigrations(db);
    const other = openDatabase(file);
    try {
      const clock = createManualClock('2026-11-01T12:00:00Z');
      const services = createServices({ db, config: testConfig(), logger: silentLogger, clock });
      const { id, key } = services.apiKeys.create({ name: 'x', scopes }, 'test');
      let now = 1_000_000;
      vi.spyOn(performance, 'now').mockImplementation(() => now);
      expect(services.apiKeys.authenticate(key).id).toBe(id);
      const revokeElsewhere = () =>
        other.update(apiKeys).set({ revokedAt: clock.now() }).where(eq(apiKeys.id, id)).run();
      await run({ services, id, key, revokeElsewhere, advance: (ms) => (now += ms) });
    } finally {
      other.$client.close();
      db.$client.close();
      tmp.cleanup();
    }
  }

  it('are read from the DB again after AUTH_CACHE_MS: a change from another process shows then', () =>
    withOtherConnection(['users:read'], ({ services, id, key, revokeElsewhere, advance }) => {
      revokeElsewhere();
      advance(AUTH_CACHE_MS - 1);
      expect(services.apiKeys.authenticate(key).id).toBe(id);
      advance(1);
      expect(() => services.apiKeys.authenticate(key)).toThrow(/revoked/);
    }));

  it('writes to other tables keep a key read: creating users does not re-read the API key each time', () =>
    withOtherConnection(['users:*'], async ({ services, id, key, revokeElsewhere }) => {
      // Revoked where this connection cannot see it: a re-read would find the key revoked.
      revokeElsewhere();
      await services.keys.create({ name: 'alice' }, 'test');
      await services.keys.createMany([{ name: 'bob' }, { name: 'carol' }], 'test');
      expect(services.apiKeys.authenticate(key).id).toBe(id);
      // A write to api_keys through this connection drops the cache at once.
      services.apiKeys.recordUse(id);
      services.apiKeys.flushUsage();
      expect(() => services.apiKeys.authenticate(key)).toThrow(/revoked/);
    }));

  it('HEAD requests are authenticated and counted like GET', async () => {
    const f = httpFixture();
    const key = f.apiKey(['users:read'], { rateLimitPerMinute: 2 });
    expect((await f.app.inject({ method: 'HEAD', url: '/api/v1/users' })).statusCode).toBe(401);
    const head = await f.app.inject({ method: 'HEAD', url: '/api/v1/users', headers: withKey(key) });
    expect(head.statusCode).toBe(200);
    expect(head.headers['x-ratelimit-remaining']).toBe('1');
    await f.app.close();
  });
});
