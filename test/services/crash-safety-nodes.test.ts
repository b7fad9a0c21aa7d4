/**
 * Crash safety of traffic accounting over three nodes: a real client streams through the real
 * local core while two direct nodes (fake Xray APIs over real gRPC) count hundreds of keys
 * whose counters grow all the time, one of them with a traffic multiplier. xkeeper's collector
 * (the compiled build, wired as main.ts wires it) is killed with -9 at random moments, again
 * and again. In the end every key's totals and every per-node total equal what the nodes
 * counted: nothing lost, nothing twice, on any node.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wireNodes } from '../../src/core-wiring.ts';
import {
  MiB,
  makeTempDir,
  removeDir,
  socksDownload,
  startOrigin,
  startVlessClient,
  counterMap,
} from '../core/fixtures.ts';
import { startFakeXray, type FakeXray } from '../core/fake-xray.ts';
import { silentLogger } from '../helpers/db.ts';
import { startRealApp } from '../helpers/real-app.ts';
import { killCollectorRepeatedly } from './kill-collector.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const KILLS = 24;
/** Keys counted on the direct nodes besides the streamer: enough rows to make a node's write take a while. */
const KEYS = 1000;
const FI_MULTIPLIER = 2;

const UP = (name: string) => `user>>>${name}>>>traffic>>>uplink`;
const DOWN = (name: string) => `user>>>${name}>>>traffic>>>downlink`;

/** Every user counter of a fake node grows by a few random bytes. */
function grow(fake: FakeXray): void {
  for (const [name, value] of fake.counters)
    fake.counters.set(name, value + 1 + Math.floor(Math.random() * 5000));
}

describe('crash-safe accounting over three nodes', () => {
  let app: Awaited<ReturnType<typeof startRealApp>>;
  let origin: Awaited<ReturnType<typeof startOrigin>>;
  let de: FakeXray;
  let fi: FakeXray;
  const clientDir = makeTempDir();

  beforeAll(async () => {
    // The collector that gets killed runs from the compiled build, as users run it.
    execFileSync(process.execPath, ['bin/build.js', '--if-current'], { cwd: ROOT, stdio: 'ignore' });
    app = await startRealApp();
    origin = await startOrigin(256 * 1024);
    de = await startFakeXray();
    fi = await startFakeXray();
  });
  afterAll(async () => {
    de?.close();
    fi?.close();
    await origin.close();
    await app.stop();
    removeDir(clientDir);
  });

  it(
    `survives ${KILLS} kill -9 during collection with exact totals per key and per node`,
    { timeout: 180_000 },
    async () => {
      const { services, config } = app;
      const names = Array.from({ length: KEYS }, (_, i) => `k${i}`);
      const streamer = await services.keys.create({ name: 'streamer' }, 'test');
      await services.keys.createMany(
        names.map((name) => ({ name })),
        'test',
      );
      services.nodes.create({ name: 'de', transport: 'direct', direct: `127.0.0.1:${de.port}` }, 'test');
      services.nodes.create(
        {
          name: 'fi',
          transport: 'direct',
          direct: `127.0.0.1:${fi.port}`,
          trafficMultiplier: FI_MULTIPLIER,
        },
        'test',
      );
      for (const fake of [de, fi]) {
        for (const name of ['streamer', ...names]) {
          fake.counters.set(UP(name), 0);
          fake.counters.set(DOWN(name), 0);
        }
      }

      const vpn = await startVlessClient(services.view(streamer).links[0]!, clientDir);
      let streaming = true;
      const stream = (async () => {
        while (streaming) await socksDownload(vpn.socksPort, origin);
      })();
      const growing = setInterval(() => {
        grow(de);
        grow(fi);
      }, 2);

      let kills = 0;
      try {
        kills = await killCollectorRepeatedly(config, KILLS);
      } finally {
        clearInterval(growing);
        streaming = false;
        await stream;
        await vpn.stop();
      }
      expect(kills).toBe(KILLS);

      // One last, clean collection over the three nodes, then compare with what each counted.
      const workers = wireNodes(services, silentLogger, { intervalMs: 60_000 });
      try {
        await services.traffic.collect();
      } finally {
        await workers.stop();
      }
      const local = (await counterMap(app.core))!.counters;
      const sql = services.db.$client;
      const nodeId = (name: string) => services.nodes.get(name).id;
      // What the product says each key was charged on each node (as GET /users/{name}/traffic does).
      const perNode = (keyId: number) =>
        new Map(services.nodes.trafficOfKey(keyId).map((t) => [t.node, { up: t.upload, down: t.download }]));
      const perDay = sql.prepare(
        'SELECT sum(upload_bytes + download_bytes) AS n FROM key_usage_daily WHERE key_id = ?',
      );
      const raw = { local: { up: 0, down: 0 }, de: { up: 0, down: 0 }, fi: { up: 0, down: 0 } };
      let wrong = 0;
      for (const name of ['streamer', ...names]) {
        const counted = {
          local: { up: local.get(UP(name)) ?? 0, down: local.get(DOWN(name)) ?? 0 },
          de: { up: de.counters.get(UP(name))!, down: de.counters.get(DOWN(name))! },
          fi: { up: fi.counters.get(UP(name))!, down: fi.counters.get(DOWN(name))! },
        };
        const key = services.keys.get(name);
        const up = counted.local.up + counted.de.up + FI_MULTIPLIER * counted.fi.up;
        const down = counted.local.down + counted.de.down + FI_MULTIPLIER * counted.fi.down;
        const onNodes = perNode(key.id);
        const charged = { local: onNodes.get('local'), de: onNodes.get('de'), fi: onNodes.get('fi') };
        const expected = {
          local: counted.local,
          de: counted.de,
          fi: { up: FI_MULTIPLIER * counted.fi.up, down: FI_MULTIPLIER * counted.fi.down },
        };
        const days = (perDay.get(key.id) as { n: number }).n;
        const exact =
          key.uploadBytes === up &&
          key.downloadBytes === down &&
          key.lifetimeUsedBytes === up + down &&
          days === up + down &&
          JSON.stringify(charged) === JSON.stringify(expected);
        if (!exact && wrong++ === 0) {
          // The first key off, in full (one assertion says what differs).
          expect({ key: [key.uploadBytes, key.downloadBytes, days], charged }).toEqual({
            key: [up, down, up + down],
            charged: expected,
          });
        }
        for (const node of ['local', 'de', 'fi'] as const) {
          raw[node].up += counted[node].up;
          raw[node].down += counted[node].down;
        }
      }
      expect(wrong).toBe(0);
      expect(local.get(DOWN('streamer'))).toBeGreaterThan(5 * MiB);
      expect(raw.de.down).toBeGreaterThan(KEYS * 10_000);
      // Each node's daily rows hold exactly the bytes it counted (raw, before the multiplier).
      const nodeDays = sql.prepare(
        'SELECT sum(upload_bytes) AS up, sum(download_bytes) AS down FROM node_usage_daily WHERE node_id = ?',
      );
      for (const node of ['local', 'de', 'fi'] as const) {
        expect(nodeDays.get(nodeId(node)), node).toEqual(raw[node]);
      }
    },
  );
});
