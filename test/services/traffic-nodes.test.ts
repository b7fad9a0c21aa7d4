/**
 * Collection over several nodes as it writes the database: nodes read together are charged in
 * one transaction (each key's row written once, its traffic summed over the nodes), and each
 * node's baselines are one row. Fake Xray APIs (real gRPC on loopback) as the nodes, the real
 * services and SQLite.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { wireNodes } from '../../src/core-wiring.ts';
import { startFakeXray } from '../core/fake-xray.ts';
import { readBaselines } from '../helpers/baselines.ts';
import { silentLogger, testServices } from '../helpers/db.ts';

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

describe('collection over several nodes', () => {
  /** A `direct` node named `name` on a fresh fake Xray, closed after the test. */
  async function addNode(services: ReturnType<typeof testServices>['services'], name: string) {
    const node = await startFakeXray({});
    cleanup.push(() => node.close());
    services.nodes.create({ name, transport: 'direct', direct: `127.0.0.1:${node.port}` }, 'test');
    return node;
  }

  /** The node workers (collection reads their drivers), stopped after the test. */
  function startWorkers(services: ReturnType<typeof testServices>['services']) {
    const workers = wireNodes(services, silentLogger, { intervalMs: 60_000, timeoutMs: 2_000 });
    cleanup.push(() => workers.stop());
    return workers;
  }

  it('writes each key once per cycle with its traffic on every node, and one baseline row per node', async () => {
    const { services, db } = testServices();
    services.nodes.ensureLocal();
    const nodes = [
      await addNode(services, 'n0'),
      await addNode(services, 'n1'),
      await addNode(services, 'n2'),
    ];
    startWorkers(services);
    const names = ['alice', 'bob', 'carol'];
    for (const name of names) await services.keys.create({ name }, 'test');
    // Counts every write of a key's usage.
    db.$client.exec(`CREATE TABLE usage_writes (n INTEGER NOT NULL); INSERT INTO usage_writes VALUES (0);
      CREATE TRIGGER count_usage_writes AFTER UPDATE OF upload_bytes ON keys
      BEGIN UPDATE usage_writes SET n = n + 1; END;`);
    const writes = () => db.$client.prepare('SELECT n FROM usage_writes').pluck().get() as number;

    const move = (cycle: number) => {
      for (const [i, node] of nodes.entries()) {
        for (const name of names) {
          node.counters.set(`user>>>${name}>>>traffic>>>uplink`, cycle * (i + 1));
          node.counters.set(`user>>>${name}>>>traffic>>>downlink`, cycle * 100 * (i + 1));
        }
      }
    };
    move(1);
    await services.traffic.collect();
    move(3);
    const result = await services.traffic.collect();

    // Three keys moved on three nodes: three key writes a cycle, not nine.
    expect(writes()).toBe(2 * names.length);
    expect(result).toMatchObject({ keys: names.length, bytes: 3 * 6 * 202 });
    for (const name of names) {
      // 3 × (1 + 2 + 3) up, 300 × (1 + 2 + 3) down over both cycles.
      expect(services.keys.get(name)).toMatchObject({ uploadBytes: 18, downloadBytes: 1_800 });
      const perNode = services.nodes.trafficOfKey(services.keys.get(name).id);
      expect(perNode.filter((n) => n.node !== 'local')).toEqual([
        { node: 'n0', upload: 3, download: 300 },
        { node: 'n1', upload: 6, download: 600 },
        { node: 'n2', upload: 9, download: 900 },
      ]);
    }
    expect(readBaselines(db.$client, 'n2')).toMatchObject({
      'user>>>alice>>>traffic>>>uplink': 9,
      'user>>>alice>>>traffic>>>downlink': 900,
    });
    // Baselines: one row per core read, none per counter.
    expect(db.$client.prepare('SELECT count(*) FROM core_counters').pluck().get()).toBe(0);
    const sets = db.$client.prepare('SELECT core_id FROM core_counter_sets ORDER BY core_id').pluck().all();
    expect(sets.filter((id) => id !== 'local')).toEqual(['n0', 'n1', 'n2']);
  });

  it('keeps what each key was charged on a node in one row per node: key_nodes rows are not written per cycle, what they held still counts, a new process reads the same', async () => {
    const { services, db } = testServices();
    services.nodes.ensureLocal();
    const node = await addNode(services, 'n0');
    startWorkers(services);
    const names = ['alice', 'bob', 'carol', 'dave'];
    for (const name of names) await services.keys.create({ name }, 'test');
    // Charged on n0 before per-node charges had a row of their own (migration 0012).
    const n0 = services.nodes.get('n0').id;
    db.$client
      .prepare('UPDATE key_nodes SET upload_bytes = 1000, download_bytes = 2000 WHERE node_id = ?')
      .run(n0);
    db.$client
      .exec(`CREATE TABLE key_node_writes (n INTEGER NOT NULL); INSERT INTO key_node_writes VALUES (0);
      CREATE TRIGGER count_key_node_writes AFTER UPDATE ON key_nodes
      BEGIN UPDATE key_node_writes SET n = n + 1; END;`);

    for (const cycle of [1, 2, 3]) {
      for (const name of names) {
        node.counters.set(`user>>>${name}>>>traffic>>>uplink`, cycle * 10);
        node.counters.set(`user>>>${name}>>>traffic>>>downlink`, cycle * 100);
      }
      await services.traffic.collect();
    }
    const onN0 = (keyId: number, from = services) =>
      from.nodes.trafficOfKey(keyId).find((n) => n.node === 'n0');
    for (const name of names) {
      expect(onN0(services.keys.get(name).id)).toEqual({ node: 'n0', upload: 1_030, download: 2_300 });
    }
    expect(db.$client.prepare('SELECT n FROM key_node_writes').pluck().get()).toBe(0);
    expect(
      db.$client.prepare('SELECT count(*) FROM node_key_charges WHERE node_id = ?').pluck().get(n0),
    ).toBe(1);

    // A deleted key's charges leave the row; the others' stay, and a new process reads them.
    await services.keys.delete('dave', 'test');
    for (const name of names) node.counters.set(`user>>>${name}>>>traffic>>>uplink`, 40);
    await services.traffic.collect();
    const again = testServices({}, { db }).services;
    expect(onN0(again.keys.get('alice').id, again)).toEqual({ node: 'n0', upload: 1_040, download: 2_300 });
    const blob = db.$client
      .prepare('SELECT charged FROM node_key_charges WHERE node_id = ?')
      .pluck()
      .get(n0) as Buffer;
    expect(blob.byteLength).toBe(3 * 24);
  });

  it('forgets a removed node: a node made again under its name starts without its baselines', async () => {
    const { services } = testServices();
    services.nodes.ensureLocal();
    const first = await addNode(services, 'n0');
    const workers = startWorkers(services);
    await services.keys.create({ name: 'alice' }, 'test');
    first.counters.set('user>>>alice>>>traffic>>>downlink', 100);
    await services.traffic.collect();
    expect(services.keys.get('alice').downloadBytes).toBe(100);

    services.nodes.remove('n0', 'test');
    // Another server under the same name: its counter starts over and has moved 130 bytes.
    const second = await addNode(services, 'n0');
    second.counters.set('user>>>alice>>>traffic>>>downlink', 130);
    workers.refresh();
    await services.traffic.collect();
    expect(services.keys.get('alice').downloadBytes).toBe(230);
    const onN0 = services.nodes.trafficOfKey(services.keys.get('alice').id).find((n) => n.node === 'n0');
    expect(onN0).toMatchObject({ download: 130 });
  });
});
