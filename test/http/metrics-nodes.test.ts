/**
 * Per-node figures over real HTTP: `/metrics` (up, users, last collection, bytes, label
 * `node`), `GET /api/v1/stats` and a key's traffic, after a real collection from the local
 * core and two direct nodes (fake Xray APIs reached over gRPC by the real workers).
 */
import { afterAll, expect, it } from 'vitest';
import { wireNodes } from '../../src/core-wiring.ts';
import { startFakeXray, type FakeXray } from '../core/fake-xray.ts';
import { silentLogger, testServices } from '../helpers/db.ts';
import { testHttpServer } from '../helpers/http-server.ts';
import { createMemoryCore } from '../helpers/memory-core.ts';

function count(fake: FakeXray, name: string, up: number, down: number): void {
  fake.counters.set(`user>>>${name}>>>traffic>>>uplink`, up);
  fake.counters.set(`user>>>${name}>>>traffic>>>downlink`, down);
}

/** The value of one sample of the Prometheus text, or undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

it('serves up, users, collection duration and bytes per node, and per-node traffic in the API', async () => {
  const { services, config } = testServices();
  const memory = createMemoryCore();
  services.attachCore(memory.core);
  const app = testHttpServer({
    config,
    services,
    checkResponses: true,
    health: { isReady: () => true, coreStatus: async () => ({ running: true, users_in_core: 2 }) },
  });
  const de = await startFakeXray();
  const fi = await startFakeXray();
  const workers = wireNodes(services, silentLogger, {
    intervalMs: 60_000,
    maxBackoffMs: 300,
    timeoutMs: 300,
  });
  afterAll(async () => {
    await workers.stop();
    de.close();
    fi.close();
    await app.close();
  });
  await services.keys.create({ name: 'alice' }, 'test');
  await services.keys.create({ name: 'bob' }, 'test');
  services.nodes.create({ name: 'de', transport: 'direct', direct: `127.0.0.1:${de.port}` }, 'test');
  services.nodes.create(
    { name: 'fi', transport: 'direct', direct: `127.0.0.1:${fi.port}`, trafficMultiplier: 2 },
    'test',
  );
  expect((await workers.syncNow('de')).ok).toBe(true);
  expect((await workers.syncNow('fi')).ok).toBe(true);

  memory.traffic('alice', 100, 1000);
  count(de, 'alice', 10, 20);
  count(de, 'bob', 1, 2);
  count(fi, 'alice', 300, 4000);
  expect(await services.traffic.collect()).toMatchObject({ bytes: 1100 + 33 + 2 * 4300 });
  // fi stops answering: down after three failed passes, its last figures stay.
  fi.close();
  for (let i = 0; i < 3; i++) expect((await workers.syncNow('fi')).ok).toBe(false);
  await services.traffic.collect();

  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  const metrics = await (await fetch(`${base}/metrics`)).text();
  expect(sample(metrics, 'xkeeper_node_up{node="local"}')).toBe(1);
  expect(sample(metrics, 'xkeeper_node_up{node="de"}')).toBe(1);
  expect(sample(metrics, 'xkeeper_node_up{node="fi"}')).toBe(0);
  expect(sample(metrics, 'xkeeper_node_users{node="local"}')).toBe(2);
  expect(sample(metrics, 'xkeeper_node_users{node="de"}')).toBe(2);
  for (const node of ['local', 'de', 'fi']) {
    const seconds = sample(metrics, `xkeeper_node_collect_duration_seconds{node="${node}"}`);
    expect(seconds, node).toBeGreaterThan(0);
    expect(seconds, node).toBeLessThan(5);
  }
  // Raw bytes through each node, before fi's multiplier.
  const bytes = (node: string, period: string, direction: string) =>
    sample(metrics, `xkeeper_node_traffic_bytes{node="${node}",period="${period}",direction="${direction}"}`);
  expect(bytes('local', 'today', 'upload')).toBe(100);
  expect(bytes('de', 'today', 'upload')).toBe(11);
  expect(bytes('de', 'month', 'download')).toBe(22);
  expect(bytes('fi', 'month', 'download')).toBe(4000);

  const key = services.apiKeys.create({ name: 'stats', scopes: ['stats:read'] }, 'test').key;
  const get = async (url: string) => {
    const res = await fetch(`${base}/api/v1${url}`, { headers: { 'x-api-key': key } });
    expect(res.status, url).toBe(200);
    return res.json();
  };
  const stats = (await get('/stats')) as { nodes: unknown[] };
  expect(stats.nodes).toEqual([
    {
      node: 'local',
      traffic_today: { upload_bytes: 100, download_bytes: 1000 },
      traffic_month: { upload_bytes: 100, download_bytes: 1000 },
    },
    {
      node: 'de',
      traffic_today: { upload_bytes: 11, download_bytes: 22 },
      traffic_month: { upload_bytes: 11, download_bytes: 22 },
    },
    {
      node: 'fi',
      traffic_today: { upload_bytes: 300, download_bytes: 4000 },
      traffic_month: { upload_bytes: 300, download_bytes: 4000 },
    },
  ]);
  // A key's traffic: its totals (fi counts twice) and what it was charged on each node.
  expect(await get('/users/alice/traffic')).toMatchObject({
    username: 'alice',
    upload_bytes: 100 + 10 + 600,
    download_bytes: 1000 + 20 + 8000,
    nodes: [
      { node: 'local', upload_bytes: 100, download_bytes: 1000 },
      { node: 'de', upload_bytes: 10, download_bytes: 20 },
      { node: 'fi', upload_bytes: 600, download_bytes: 8000 },
    ],
  });
  expect(((await get('/users/bob/traffic')) as { nodes: unknown[] }).nodes).toEqual([
    { node: 'local', upload_bytes: 0, download_bytes: 0 },
    { node: 'de', upload_bytes: 1, download_bytes: 2 },
    { node: 'fi', upload_bytes: 0, download_bytes: 0 },
  ]);
});
