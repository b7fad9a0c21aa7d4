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

  it('are read from the DB again after AUTH_CACHE_MS: a change from another process shows then', () => {
    const tmp = tempDir();
    const file = path.join(tmp.dir, 'xkeeper.db');
    const db = openDatabase(file);
    runMigrations(db);
    const other = openDatabase(file);
    try {
      const clock = createManualClock('2026-11-01T12:00:00Z');
      const services = createServices({ db, config: testConfig(), logger: silentLogger, clock });
      const { id, key } = services.apiKeys.create({ name: 'x', scopes: ['users:read'] }, 'test');
      let now = 1_000_000;
      vi.spyOn(performance, 'now').mockImplementation(() => now);
      expect(services.apiKeys.authenticate(key).id).toBe(id);
      other.update(apiKeys).set({ revokedAt: clock.now() }).where(eq(apiKeys.id, id)).run();
      now += AUTH_CACHE_MS - 1;
      expect(services.apiKeys.authenticate(key).id).toBe(id);
      now += 1;
      expect(() => services.apiKeys.authenticate(key)).toThrow(/revoked/);
    } finally {
      other.$client.close();
      db.$client.close();
      tmp.cleanup();
    }
  });

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
