/** POST /api/v1/nodes/{name}/check|sync over real HTTP, driven by the real workers against a fake Xray API. */
import { afterAll, expect, it } from 'vitest';
import { wireNodes } from '../../src/core-wiring.ts';
import { startFakeXray } from '../core/fake-xray.ts';
import { httpFixture } from './fixture.ts';

it('check and sync a direct node through its worker', async () => {
  const f = httpFixture();
  const fake = await startFakeXray({});
  const workers = wireNodes(f.services, (await import('../helpers/db.ts')).silentLogger, {
    intervalMs: 60_000,
    maxBackoffMs: 300,
    timeoutMs: 300,
  });
  workers.start();
  afterAll(async () => {
    await workers.stop();
    await fake.close();
    await f.app.close();
  });
  await f.services.keys.create({ name: 'alice' }, 'test');
  const key = f.apiKey(['nodes:write', 'nodes:read']);
  const base = `${await f.app.listen({ host: '127.0.0.1', port: 0 })}/api/v1`;
  const post = (url: string, body?: unknown) =>
    fetch(`${base}${url}`, {
      method: 'POST',
      headers: { 'x-api-key': key, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
  const created = await post('/nodes', { name: 'de', direct: `127.0.0.1:${fake.port}` });
  expect(created.status).toBe(201);
  expect(await created.json()).toMatchObject({ status: 'up', users: 1 });
  const sync = await post('/nodes/de/sync');
  const body = await sync.json();
  expect(sync.status, JSON.stringify(body)).toBe(200);
  expect(body).toMatchObject({ name: 'de', status: 'up', result: { ok: true } });
  expect([...fake.users.values()].map((u) => u.email)).toEqual(['alice']);
  const check = await (await post('/nodes/de/check')).json();
  expect(check).toMatchObject({ status: 'up', users: 1, result: { ok: true, added: 0 } });
  await fake.close();
  const down = await post('/nodes/de/sync');
  expect(down.status).toBe(503);
  expect((await post('/nodes/de/restart')).status).toBe(400);
});
