/**
 * Remote nodes through the `direct` transport: fake Xray APIs (real gRPC on loopback) as the
 * nodes, the real services and SQLite, the workers as `npm start` runs them.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { wireNodes } from '../../src/core-wiring.ts';
import type { CoreUser } from '../../src/core/config.ts';
import { createDirectNode } from '../../src/core/direct-node.ts';
import { createNodeWorkers, type NodeWorkers } from '../../src/services/node-workers.ts';
import { startFakeXray, type FakeXray } from '../core/fake-xray.ts';
import { waitFor } from '../core/fixtures.ts';
import { silentLogger, testServices } from '../helpers/db.ts';
import { readBaselines } from '../helpers/baselines.ts';

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function fake(port?: number): Promise<FakeXray> {
  const node = await startFakeXray({ port });
  cleanup.push(() => node.close());
  return node;
}

/** A TCP port that accepts connections and never answers: a node whose API hangs. */
async function hangingPort(): Promise<number> {
  const sockets: Socket[] = [];
  const server: Server = createServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.push(() => {
    for (const socket of sockets) socket.destroy();
    return new Promise((resolve) => server.close(resolve));
  });
  return (server.address() as { port: number }).port;
}

function setup(options: { intervalMs?: number; maxBackoffMs?: number | null } = {}) {
  const t = testServices();
  t.services.nodes.ensureLocal();
  let workers: NodeWorkers | undefined;
  const add = (name: string, port: number, extra: { trafficMultiplier?: number } = {}) =>
    t.services.nodes.create(
      { name, address: `${name}.example.com`, transport: 'direct', direct: `127.0.0.1:${port}`, ...extra },
      'test',
    );
  const start = () => {
    workers = wireNodes(t.services, silentLogger, {
      intervalMs: options.intervalMs ?? 60_000,
      // null: the product's default.
      ...(options.maxBackoffMs !== null && { maxBackoffMs: options.maxBackoffMs ?? 300 }),
      timeoutMs: 300,
    });
    workers.start();
    cleanup.push(() => workers?.stop());
    return workers;
  };
  return { ...t, add, start };
}

/** The users a fake node holds: name → UUID. */
function held(node: FakeXray): Record<string, string> {
  return Object.fromEntries([...node.users.values()].map((u) => [u.email, u.id]));
}

describe('node workers', () => {
  it('apply every key to every node, and each key change reaches them by a wake-up', async () => {
    const { services, add, start } = setup();
    const a = await fake();
    const b = await fake();
    add('a', a.port);
    add('b', b.port);
    const alice = await services.keys.create({ name: 'alice' }, 'test');
    const bob = await services.keys.create({ name: 'bob' }, 'test');
    start();
    const want1 = { alice: alice.uuid, bob: bob.uuid };
    await waitFor(() => JSON.stringify(held(a)) === JSON.stringify(want1) && held(b).bob === bob.uuid);
    expect(held(b)).toEqual(want1);

    // The timer is a minute away: only the wake-ups of the changes can bring these.
    const kicked = await services.keys.kick('alice', 'test');
    await services.keys.delete('bob', 'test');
    const carol = await services.keys.create({ name: 'carol' }, 'test');
    const want2 = { alice: kicked.uuid, carol: carol.uuid };
    for (const node of [a, b]) {
      await waitFor(() => JSON.stringify(held(node)) === JSON.stringify(want2), 5_000);
    }
    const de = services.nodes.get('a');
    const applied = () => services.nodes.appliedUsers(de.id).sort((x, y) => x.name.localeCompare(y.name));
    await waitFor(() => applied().length === 2 && applied()[0]!.uuid === kicked.uuid);
    expect(applied()).toEqual([
      { name: 'alice', uuid: kicked.uuid },
      { name: 'carol', uuid: carol.uuid },
    ]);
    await waitFor(() => services.nodes.get('a').usersInCore === 2);
    expect(services.nodes.view(services.nodes.get('a'))).toMatchObject({ status: 'up', users: 2 });
  });

  it('a node down while keys change gets exactly the desired users back; the other is never held up', async () => {
    const { services, add, start, db } = setup({ intervalMs: 100 });
    const a = await fake();
    let b = await fake();
    const bPort = b.port;
    add('a', a.port);
    add('b', bPort);
    const alice = await services.keys.create({ name: 'alice' }, 'test');
    const bob = await services.keys.create({ name: 'bob' }, 'test');
    start();
    await waitFor(() => Object.keys(held(b)).length === 2 && Object.keys(held(a)).length === 2);

    // b goes away, still holding what it had (its core keeps running; only xkeeper cannot reach it).
    const stale = new Map(b.users);
    b.close();
    const kicked = await services.keys.kick('alice', 'test');
    await services.keys.delete('bob', 'test');
    const carol = await services.keys.create({ name: 'carol' }, 'test');
    const want = { alice: kicked.uuid, carol: carol.uuid };
    await waitFor(() => JSON.stringify(held(a)) === JSON.stringify(want), 3_000);
    await waitFor(() => services.nodes.get('b').health === 'down', 10_000);
    expect(services.nodes.view(services.nodes.get('b')).last_error).toBeTruthy();

    b = await fake(bPort);
    for (const [k, v] of stale) b.users.set(k, v);
    expect(held(b)).toEqual({ alice: alice.uuid, bob: bob.uuid });
    await waitFor(() => JSON.stringify(held(b)) === JSON.stringify(want), 10_000);
    await waitFor(() => services.nodes.get('b').health === 'up');
    // The kicked UUID went before the new one came; bob went; nothing else was touched.
    expect(held(b)).toEqual(want);

    // One event and one admin alert for the way down, one each for the way back.
    const types = services.events.list({ perPage: 100 }).items.map((e) => e.type);
    expect(types.filter((t) => t === 'node.down')).toHaveLength(1);
    expect(types.filter((t) => t === 'node.up')).toHaveLength(1);
    const alerts = db.$client
      .prepare("SELECT json_extract(payload, '$.type') FROM outbox WHERE kind = 'admin.alert'")
      .pluck()
      .all();
    expect(alerts).toEqual(['node.down', 'node.up']);
  });

  it('a core that cannot list its users: a restart (uptime drop) re-applies every key, stale ones go', async () => {
    const { services, add, start } = setup({ intervalMs: 100 });
    const a = await fake();
    a.canList = false;
    a.uptime = 1_000;
    add('a', a.port);
    const alice = await services.keys.create({ name: 'alice' }, 'test');
    const bob = await services.keys.create({ name: 'bob' }, 'test');
    start();
    await waitFor(() => Object.keys(held(a)).length === 2);
    await waitFor(() => services.nodes.appliedUsers(services.nodes.get('a').id).length === 2);
    const operations = a.operations.length;

    // Passes that find nothing to do send nothing.
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect(a.operations.length).toBe(operations);

    // The core restarts from a config file that still lists bob, deleted while it restarted.
    await services.keys.delete('bob', 'test');
    a.users.clear();
    a.users.set('bob', { email: 'bob', id: bob.uuid, flow: '' });
    a.uptime = 5;
    await waitFor(() => JSON.stringify(held(a)) === JSON.stringify({ alice: alice.uuid }), 5_000);
  });

  it('a core restarted from the config file the worker wrote gets only what the file lacks: no user it holds is removed or replaced', async () => {
    const t = testServices();
    t.services.nodes.ensureLocal();
    const a = await fake();
    a.canList = false;
    a.uptime = 1_000;
    t.services.nodes.create(
      { name: 'a', address: 'a.example.com', transport: 'direct', direct: `127.0.0.1:${a.port}` },
      'test',
    );
    // The node's core process as an ssh node's driver has it: its file, and a crash to report.
    let file: CoreUser[] = [];
    let crashed = false;
    const direct = createDirectNode({ port: a.port, timeoutMs: 300 });
    cleanup.push(() => direct.close());
    const workers = createNodeWorkers({
      nodes: t.services.nodes,
      logger: silentLogger,
      intervalMs: 60_000,
      maxBackoffMs: 300,
      // The first write goes out at once, later ones only after a minute.
      configWriteMs: 60_000,
      driverFor: () => ({
        ...direct,
        process: {
          ensureRunning: async () => {
            if (!crashed) return 'running';
            crashed = false;
            return 'restarted';
          },
          restart: async () => undefined,
          writeConfig: async (users) => {
            file = [...users];
            return { ok: true };
          },
        },
      }),
    });
    t.services.attachNodeWorkers(workers);
    workers.start();
    cleanup.push(() => workers.stop());
    const alice = await t.services.keys.create({ name: 'alice' }, 'test');
    const bob = await t.services.keys.create({ name: 'bob' }, 'test');
    await waitFor(() => file.length === 2 && Object.keys(held(a)).length === 2);
    // carol reaches the core, not the file (its next write is a minute away).
    const carol = await t.services.keys.create({ name: 'carol' }, 'test');
    await waitFor(() => held(a).carol === carol.uuid);
    expect(file.map((u) => u.name).sort()).toEqual(['alice', 'bob']);

    /** The core dies and starts again from its file. */
    const restartFromFile = () => {
      a.users.clear();
      for (const u of file) a.users.set(u.name, { email: u.name, id: u.uuid, flow: '' });
      a.uptime = 0;
    };
    const want = { alice: alice.uuid, bob: bob.uuid, carol: carol.uuid };

    // Started again by the worker's own health check.
    crashed = true;
    restartFromFile();
    let before = a.operations.length;
    await workers.syncNow('a');
    expect(held(a)).toEqual(want);
    expect(a.operations.slice(before)).toEqual(['xray.app.proxyman.command.AddUserOperation']);

    // Restarted on its own (seen by its uptime), 2 s after the file was written.
    a.uptime = 5_000;
    await workers.syncNow('a');
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    restartFromFile();
    before = a.operations.length;
    await workers.syncNow('a');
    expect(held(a)).toEqual(want);
    expect(a.operations.slice(before)).toEqual(['xray.app.proxyman.command.AddUserOperation']);
  });

  it('a node whose API hangs holds up no other node, no key change and no collection', async () => {
    const { services, add, start } = setup();
    const a = await fake();
    add('hung', await hangingPort());
    add('a', a.port);
    start();
    a.counters.set('user>>>alice>>>traffic>>>downlink', 1000);
    a.counters.set('user>>>alice>>>traffic>>>uplink', 10);

    const began = performance.now();
    const alice = await services.keys.create({ name: 'alice' }, 'test');
    expect(performance.now() - began).toBeLessThan(250);
    await waitFor(() => held(a).alice === alice.uuid, 2_000);
    expect(performance.now() - began).toBeLessThan(1_500);

    const collected = performance.now();
    const result = await services.traffic.collect();
    // The hung node's reading gave up at its deadline (300 ms); a's was charged.
    expect(performance.now() - collected).toBeLessThan(2_000);
    expect(result).toMatchObject({ bytes: 1010 });
    expect(services.keys.getById(alice.id)).toMatchObject({ downloadBytes: 1000, uploadBytes: 10 });
  });

  it('a key over its quota with its traffic split over two nodes is limited and leaves both', async () => {
    const { services, add, start } = setup();
    const a = await fake();
    const b = await fake();
    add('a', a.port);
    add('b', b.port);
    const alice = await services.keys.create({ name: 'alice', trafficLimitBytes: 1_000 }, 'test');
    start();
    await waitFor(() => held(a).alice === alice.uuid && held(b).alice === alice.uuid);
    // 600 bytes on each node: under the limit on either, over it together.
    for (const node of [a, b]) {
      node.counters.set('user>>>alice>>>traffic>>>downlink', 550);
      node.counters.set('user>>>alice>>>traffic>>>uplink', 50);
    }
    await services.traffic.collect();
    expect(services.keys.getById(alice.id)).toMatchObject({ downloadBytes: 1_100, uploadBytes: 100 });
    await services.limits.enforce();
    expect(services.keys.getById(alice.id)?.status).toBe('limited');
    await waitFor(() => !held(a).alice && !held(b).alice, 3_000);
  });

  it('enabling or disabling a node through the service (CLI, API) reaches it at once, not at its next timer', async () => {
    const { services, add, start } = setup();
    const a = await fake();
    add('a', a.port);
    const alice = await services.keys.create({ name: 'alice' }, 'test');
    start();
    await waitFor(() => held(a).alice === alice.uuid);
    // The timer is a minute away: only the change itself can wake the worker.
    services.nodes.disable('a', 'test');
    await waitFor(() => Object.keys(held(a)).length === 0, 3_000);
    services.nodes.enable('a', 'test');
    await waitFor(() => held(a).alice === alice.uuid, 3_000);
  });

  it('a node back from a long outage is reconciled, and reported up, within one interval', async () => {
    const { services, add, start } = setup({ intervalMs: 200, maxBackoffMs: null });
    let a = await fake();
    const port = a.port;
    add('a', port);
    const alice = await services.keys.create({ name: 'alice' }, 'test');
    start();
    await waitFor(() => held(a).alice === alice.uuid);
    a.close();
    const bob = await services.keys.create({ name: 'bob' }, 'test');
    // Five failed passes: a pause doubling from the interval would now be 3.2 s.
    await waitFor(() => services.nodes.get('a').failures >= 5, 10_000);
    expect(services.nodes.get('a').health).toBe('down');
    a = await fake(port);
    const back = performance.now();
    await waitFor(() => held(a).bob === bob.uuid && services.nodes.get('a').health === 'up', 5_000);
    expect(performance.now() - back).toBeLessThan(2_000);
  });

  it('traffic through two nodes adds up exactly, with each node multiplier and per-node totals', async () => {
    const { services, add, start, db } = setup();
    const a = await fake();
    const b = await fake();
    const na = add('a', a.port);
    const nb = add('b', b.port, { trafficMultiplier: 2 });
    const alice = await services.keys.create({ name: 'alice' }, 'test');
    start();
    const set = (node: FakeXray, down: number, up: number) => {
      node.counters.set('user>>>alice>>>traffic>>>downlink', down);
      node.counters.set('user>>>alice>>>traffic>>>uplink', up);
    };
    set(a, 1_000, 10);
    set(b, 500, 5);
    await services.traffic.collect();
    expect(services.keys.getById(alice.id)).toMatchObject({ downloadBytes: 2_000, uploadBytes: 20 });

    set(a, 1_300, 10);
    set(b, 700, 6);
    await services.traffic.collect();
    // a: +300/+0; b: +200/+1, counted twice.
    expect(services.keys.getById(alice.id)).toMatchObject({ downloadBytes: 2_700, uploadBytes: 22 });
    expect(services.nodes.trafficOfKey(alice.id)).toEqual([
      { node: 'local', upload: 0, download: 0 },
      { node: 'a', upload: 10, download: 1_300 },
      { node: 'b', upload: 12, download: 1_400 },
    ]);
    const daily = db.$client
      .prepare('SELECT node_id, upload_bytes, download_bytes FROM node_usage_daily ORDER BY node_id')
      .all();
    // Raw bytes per node, before the multiplier.
    expect(daily).toEqual([
      { node_id: na.id, upload_bytes: 10, download_bytes: 1_300 },
      { node_id: nb.id, upload_bytes: 6, download_bytes: 700 },
    ]);
    // Baselines per node, under the node's name.
    const downlink = 'user>>>alice>>>traffic>>>downlink';
    expect(readBaselines(db.$client, 'a')[downlink]).toBe(1_300);
    expect(readBaselines(db.$client, 'b')[downlink]).toBe(700);
  });
});
