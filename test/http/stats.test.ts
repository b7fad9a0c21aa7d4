import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpFixture, withKey } from './fixture.ts';

describe('traffic, stats and events', () => {
  const f = httpFixture();
  const key = f.apiKey(['stats:read', 'users:write']);
  const get = (url: string) => f.app.inject({ method: 'GET', url: `/api/v1${url}`, headers: withKey(key) });

  beforeAll(async () => {
    await f.services.keys.create({ name: 'alice', trafficLimitBytes: 2 ** 30 }, 'test');
    await f.services.keys.create({ name: 'bob' }, 'test');
    f.memory.traffic('alice', 1000, 5000);
    f.memory.traffic('bob', 10, 20);
    await f.services.traffic.collect();
    f.clock.advance(86_400_000); // the next day
    f.memory.tick(86_400);
    f.memory.traffic('alice', 1, 2);
    await f.services.traffic.collect();
  });
  afterAll(() => f.app.close());

  it('answers a user’s traffic in the contract’s shape', async () => {
    const res = await get('/users/alice/traffic');
    expect(res.json()).toEqual({
      username: 'alice',
      upload_bytes: 1001,
      download_bytes: 5002,
      used_bytes: 6003,
      lifetime_used_bytes: 6003,
      traffic_limit_bytes: 2 ** 30,
      today: { upload_bytes: 1, download_bytes: 2 },
      month: { upload_bytes: 1001, download_bytes: 5002 },
      // Additive (issue #17): what the key was charged on each node.
      nodes: [{ node: 'local', upload_bytes: 1001, download_bytes: 5002 }],
    });
  });

  it('answers a user’s traffic by day and by month', async () => {
    const daily = (await get('/users/alice/traffic/daily?from=2026-11-01&to=2026-11-03')).json();
    expect(daily).toEqual({
      username: 'alice',
      from: '2026-11-01',
      to: '2026-11-03',
      days: [
        { day: '2026-11-01', upload_bytes: 1000, download_bytes: 5000 },
        { day: '2026-11-02', upload_bytes: 1, download_bytes: 2 },
        { day: '2026-11-03', upload_bytes: 0, download_bytes: 0 },
      ],
    });
    const defaults = (await get('/users/alice/traffic/daily')).json();
    expect(defaults).toMatchObject({ from: '2026-10-04', to: '2026-11-02' });
    expect(defaults.days).toHaveLength(30);
    const month = (await get('/users/alice/traffic/monthly?year_month=2026-11')).json();
    expect(month).toMatchObject({ username: 'alice', year_month: '2026-11', upload_bytes: 1001 });
    expect(month.days).toHaveLength(30);
    expect((await get('/users/alice/traffic/daily?from=2026-11-05&to=2026-11-01')).statusCode).toBe(400);
    expect((await get('/users/alice/traffic/monthly?year_month=2026-13')).statusCode).toBe(400);
    expect((await get('/users/nobody/traffic')).statusCode).toBe(404);
  });

  it('answers the server’s stats, a day and a month', async () => {
    const stats = (await get('/stats')).json();
    expect(stats).toMatchObject({
      total_keys: 2,
      keys_by_status: { active: 2 },
      traffic_today: { upload_bytes: 1, download_bytes: 2 },
      traffic_month: { upload_bytes: 1011, download_bytes: 5022 },
    });
    expect(stats.top_keys[0].username).toBe('alice');
    const day = (await get('/traffic/daily/2026-11-01')).json();
    expect(day).toMatchObject({ day: '2026-11-01', upload_bytes: 1010, download_bytes: 5020 });
    expect(day.keys.map((k: { username: string }) => k.username)).toEqual(['alice', 'bob']);
    expect((await get('/traffic/daily/yesterday')).statusCode).toBe(400);
    const month = (await get('/traffic/monthly')).json();
    expect(month).toMatchObject({ year_month: '2026-11', upload_bytes: 1011, download_bytes: 5022 });
  });

  it('pages and filters the event log', async () => {
    const all = (await get('/events?per_page=1')).json();
    expect(all.items).toHaveLength(1);
    expect(all.total).toBeGreaterThanOrEqual(2);
    const created = (await get('/events?type=key.created')).json();
    expect(created.total).toBe(2);
    expect(created.items[0]).toMatchObject({ type: 'key.created', severity: 'info', subject: 'bob' });
    expect(created.items[0].at).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect((await get('/events?severity=error')).json().total).toBe(0);
    expect((await get('/events?severity=loud')).statusCode).toBe(400);
  });
});

describe('system/core', () => {
  it('reads the status with stats:read, syncs and restarts with system:write', async () => {
    const f = httpFixture();
    const key = f.apiKey(['stats:read', 'system:write']);
    const call = (method: 'GET' | 'POST', url: string) =>
      f.app.inject({ method, url: `/api/v1/system/core${url}`, headers: withKey(key) });
    expect((await call('GET', '')).json()).toMatchObject({ flavor: 'xray', running: true });
    expect((await call('POST', '/sync')).json()).toMatchObject({ status: 'applied', missing: [] });
    expect((await call('POST', '/restart')).json()).toMatchObject({ running: true, restarts: 1 });
    expect(f.stub.calls).toEqual(['sync', 'restart']);
    await f.app.close();
  });

  it('answers 503 when no core adapter is attached', async () => {
    const f = httpFixture({}, { withSystem: false });
    const res = await f.app.inject({
      method: 'GET',
      url: '/api/v1/system/core',
      headers: withKey(f.apiKey(['stats:read'])),
    });
    expect(res.statusCode).toBe(503);
    expect(res.json().error.code).toBe('CORE_UNAVAILABLE');
    await f.app.close();
  });
});
