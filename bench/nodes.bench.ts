/**
 * Several nodes (issue #17), the product's own code on a database on disk:
 * - one traffic collection cycle over 3 nodes × 10,000 keys (the local core plus two `ssh` nodes,
 *   each a real sshd in a network namespace forwarding to a synthetic StatsService on its
 *   loopback; and the same with two `direct` nodes) against the single-node cycle over the same
 *   keys, measured in the same rounds. Needs root (network namespaces, sshd);
 * - applying 1,000 new keys to 3 nodes (three real V2Fly cores on loopback, driven by the node
 *   workers' own pass), per node, against bare AlterInbound calls with as many in flight.
 *
 * `npm run bench` runs it in a process of its own with `npm start`'s node flags (a smaller young
 * generation than V8's default: more scavenges of the readings' buffers), as the product runs.
 * Run alone: `npx tsx bench/nodes.bench.ts` (`--json`: the rows as JSON).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadConfig } from '../src/config.ts';
import { wireNodes } from '../src/core-wiring.ts';
import { CoreApi, mapLimit } from '../src/core/api.ts';
import { runArgs } from '../src/core/flavor.ts';
import { createCore } from '../src/core/index.ts';
import { loadOrCreateSshKey } from '../src/core/remote/ssh-key.ts';
import { renderNodeConfig } from '../src/core/node-config.ts';
import { generateRealityKeyPair, generateShortIds } from '../src/core/reality.ts';
import { startCheckpointer } from '../src/db/checkpointer.ts';
import { openDatabase } from '../src/db/client.ts';
import { runMigrations } from '../src/db/migrate.ts';
import { createLogger } from '../src/logger.ts';
import { createServices } from '../src/services/index.ts';
import { freePort } from '../test/helpers/ports.ts';
import { startFlags } from '../test/helpers/product.ts';
import { startSshdHost, type SshdHost } from '../test/helpers/sshd-host.ts';
import { startSyntheticCore } from './collect.bench.ts';
import { formatTable, median, timeMs, type Row } from './table.ts';

const logger = createLogger({ level: 'silent', pretty: false });
const V2RAY = process.env.CORE_BIN ?? '/usr/bin/v2ray';
/** Calls in flight per node, as the direct driver sends them. */
const IN_FLIGHT = 64;
const ROUNDS = 5;

/**
 * Services on a fresh database on disk, the local core's API at `apiPort`, with WAL checkpoints
 * in their worker thread as main.ts runs them (else a commit now and then copies and fsyncs the
 * WAL inline).
 */
function benchServices(dir: string, apiPort: number) {
  const db = openDatabase(path.join(dir, 'xkeeper.db'));
  runMigrations(db);
  const checkpoints = startCheckpointer(db.$client, (error) => {
    throw new Error(`WAL checkpoint failed: ${error}`);
  });
  const config = loadConfig(
    {
      BOT_TOKEN: '1:bench-token-bench-token-bench',
      CORE_BIN: 'v2ray',
      CORE_MANAGED: 'false',
      CORE_API_PORT: String(apiPort),
      DATA_DIR: dir,
      LOG_LEVEL: 'silent',
    },
    { dotenv: false },
  );
  const close = async () => {
    await checkpoints.stop();
    db.$client.close();
  };
  return { db, config, close, services: createServices({ db, config, logger }) };
}

/** One collection cycle: its wall time and the CPU time xkeeper's process spent in it. */
async function cycle(collect: () => Promise<unknown>): Promise<{ ms: number; cpuMs: number }> {
  const cpu = process.cpuUsage();
  const ms = await timeMs(collect);
  const used = process.cpuUsage(cpu);
  return { ms, cpuMs: (used.user + used.system) / 1000 };
}

/**
 * Collection rounds: each round times one cycle of every set-up in turn, so load from other
 * work on this shared machine falls on all of them alike; the best round of each is kept.
 */
const COLLECT_ROUNDS = 25;
/** Answers encoded ahead per remote synthetic core: a warm-up and a cycle per round, with room. */
const PRE_ENCODED = COLLECT_ROUNDS + 4;

/**
 * Two `ssh` nodes as the product reaches them: a real sshd in a network namespace each (a host
 * of its own, with a private address), the node's "core" a synthetic StatsService on that
 * host's loopback, the host key pinned and xkeeper's key in authorized_keys. No provisioning:
 * the node row has no core of xkeeper's to run, so the driver reads the API and nothing else.
 */
async function startSshNodes(keys: number, dataDir: string) {
  const hosts: SshdHost[] = [];
  const cores: Array<{ port: number; close(): void }> = [];
  const close = async () => {
    for (const core of cores) core.close();
    await Promise.all(hosts.map((host) => host.close()));
  };
  try {
    const publicLine = (await loadOrCreateSshKey(dataDir)).publicLine();
    for (let i = 0; i < 2; i++) {
      const host = await startSshdHost();
      hosts.push(host);
      host.authorize(publicLine);
      cores.push(await startSyntheticCore(keys, PRE_ENCODED, host.host.name));
    }
  } catch (error) {
    await close();
    throw error;
  }
  return {
    nodes: hosts.map((host, i) => ({ host, apiPort: cores[i]!.port })),
    close,
  };
}

export async function collectionRows(keys: number): Promise<Row[]> {
  // Answers encoded ahead: the stand-in nodes share this machine's cores with xkeeper. The local
  // one answers in every cycle of the three set-ups.
  const cores = await Promise.all(
    [3 * PRE_ENCODED, PRE_ENCODED, PRE_ENCODED].map((n) => startSyntheticCore(keys, n)),
  );
  const dir = mkdtempSync(path.join(tmpdir(), 'xk-bench-nodes-'));
  const { db, config, close, services } = benchServices(dir, cores[0]!.port);
  const ssh = await startSshNodes(keys, dir);
  try {
    // Keys straight into the table, each a member of the local node, as keys.create makes them.
    const insert = db.$client.prepare('INSERT INTO keys (name, uuid, sub_token) VALUES (?, ?, ?)');
    db.$client.transaction(() => {
      for (const name of cores[0]!.names) insert.run(name, randomUUID(), randomUUID());
      db.$client
        .prepare(
          'INSERT INTO key_nodes (key_id, node_id) SELECT id, (SELECT id FROM nodes WHERE name = ?) FROM keys',
        )
        .run('local');
    })();
    const core = createCore({
      config,
      logger,
      getDesiredState: () => ({ reality: { privateKey: '', shortIds: [] }, users: [] }),
    });
    services.attachCore(core);
    const workers = wireNodes(services, logger); // not started: collection reads their drivers

    // Two more nodes of each kind, every key on them (nodes.create makes the membership).
    for (const i of [1, 2]) {
      services.nodes.create(
        { name: `direct${i}`, transport: 'direct', direct: `127.0.0.1:${cores[i]!.port}` },
        'bench',
      );
    }
    for (const [i, node] of ssh.nodes.entries()) {
      services.nodes.create(
        {
          name: `ssh${i + 1}`,
          transport: 'ssh',
          ssh: { user: 'root', host: node.host.address, port: node.host.port, hostKey: node.host.hostKey },
          apiPort: node.apiPort,
        },
        'bench',
      );
    }
    // Collection reads enabled nodes only: each set-up enables its own.
    const setups = { single: [] as string[], ssh: ['ssh1', 'ssh2'], direct: ['direct1', 'direct2'] };
    const remote = [...setups.ssh, ...setups.direct];
    const enableOnly = (names: readonly string[]) => {
      for (const name of remote) {
        if (names.includes(name)) services.nodes.enable(name, 'bench');
        else services.nodes.disable(name, 'bench');
      }
    };
    const best = {
      single: { ms: Infinity, cpuMs: 0 },
      ssh: { ms: Infinity, cpuMs: 0 },
      direct: { ms: Infinity, cpuMs: 0 },
    };
    const charges = { single: 0, ssh: 0, direct: 0 };
    const rounds = { single: [] as number[], ssh: [] as number[], direct: [] as number[] };
    // Warm-up of each (baselines exist from there on), then the rounds.
    for (let round = -1; round < COLLECT_ROUNDS; round++) {
      for (const setup of ['single', 'ssh', 'direct'] as const) {
        enableOnly(setups[setup]);
        const started = new Date();
        const measured = await cycle(() => services.traffic.collect());
        // A node that fails is left out of a cycle, not an error: make sure each was read.
        for (const name of setups[setup]) {
          const read = services.traffic.lastCollectByNode().get(name);
          if (!read || read.at < started) throw new Error(`node ${name} was not read`);
        }
        charges[setup] = services.traffic.lastCollect()?.keys ?? 0;
        if (round >= 0) rounds[setup].push(measured.ms);
        if (round >= 0 && measured.ms < best[setup].ms) best[setup] = measured;
      }
    }
    const { single, ssh: overSsh, direct } = best;
    await workers.stop();
    await core.stop();
    const label = keys.toLocaleString('en-US');
    const cpu = (cycle: { cpuMs: number }) => `xkeeper's CPU in it: ${cycle.cpuMs.toFixed(0)} ms`;
    // The best round is the figure; the medians show how steady it is on this shared machine.
    const typical = (setup: keyof typeof rounds) => {
      const ms = median(rounds[setup]);
      const ratio = median(rounds.single) / ms;
      return `median round ${ms.toFixed(1)} ms${setup === 'single' ? '' : `, ${ratio.toFixed(2)}× the single node's median`}`;
    };
    return [
      {
        name: `collection cycle, 1 node × ${label} keys (all moving)`,
        value: single.ms,
        unit: 'ms',
        note: `${cpu(single)}; best of ${COLLECT_ROUNDS} rounds, each timing the three set-ups in turn; ${typical('single')}`,
      },
      {
        name: `collection cycle, 3 nodes × ${label} keys over SSH (all moving)`,
        value: overSsh.ms,
        unit: 'ms',
        baseline: single.ms,
        ratio: single.ms / overSsh.ms,
        target: '≤ 1.5× the single-node cycle (ratio ≥ 0.67)',
        note: `local + 2 ssh nodes: the product's SSH driver (ssh2 in xkeeper's process) through a real sshd in a network namespace each, forwarding to a synthetic StatsService on that host's loopback; ${charges.ssh.toLocaleString('en-US')} key charges a cycle; ${cpu(overSsh)}; ${typical('ssh')}`,
      },
      {
        name: `collection cycle, 3 nodes × ${label} keys direct (all moving)`,
        value: direct.ms,
        unit: 'ms',
        baseline: single.ms,
        ratio: single.ms / direct.ms,
        note: `local + 2 direct nodes (plain gRPC to a synthetic StatsService in a process of its own); ${charges.direct.toLocaleString('en-US')} key charges a cycle; ${cpu(direct)}; ${typical('direct')}`,
      },
    ];
  } finally {
    await close();
    for (const core of cores) core.close();
    await ssh.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A real V2Fly core with a node's config (no users), its API on loopback. */
export async function startNodeCore(dir: string, index: number) {
  const apiPort = await freePort();
  const file = path.join(dir, `node${index}.json`);
  const reality = generateRealityKeyPair();
  const config = renderNodeConfig({
    flavor: 'v2fly',
    apiPort,
    endpoint: {
      address: '127.0.0.1',
      port: await freePort(),
      sni: 'www.example.com',
      target: 'www.example.com:443',
      reality: { ...reality, shortIds: generateShortIds() },
    },
    users: [],
    blockPrivateNetworks: true,
    logLevel: 'none',
  });
  writeFileSync(file, JSON.stringify(config));
  const child: ChildProcess = spawn(V2RAY, runArgs('v2fly', file), { stdio: 'ignore' });
  const api = new CoreApi({ flavor: 'v2fly', port: apiPort });
  for (let i = 0; ; i++) {
    try {
      await api.getSysStats();
      break;
    } catch (error) {
      if (i > 100) throw error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return { apiPort, api, stop: () => child.kill('SIGKILL') };
}

async function applyRows(count: number): Promise<Row[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'xk-bench-apply-'));
  const cores = await Promise.all([1, 2, 3].map((i) => startNodeCore(dir, i)));
  const { close, services } = benchServices(dir, await freePort());
  try {
    for (const [i, core] of cores.entries()) {
      services.nodes.create(
        { name: `node${i + 1}`, transport: 'direct', direct: `127.0.0.1:${core.apiPort}` },
        'bench',
      );
    }
    const names = cores.map((_, i) => `node${i + 1}`);
    const workers = wireNodes(services, logger, { intervalMs: 3_600_000 });
    // A first pass each (empty), so the one measured finds a core it knows, as in service.
    for (const name of names) await workers.syncNow(name);
    // New keys join every node; the workers apply them, timed per node, all three at once.
    // Then as many bare adds to the same cores. Best round of each (the machine is shared).
    let slowest = Infinity;
    let bareSlowest = Infinity;
    let perNode: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      await services.keys.createMany(
        Array.from({ length: count }, (_, i) => ({ name: `new${round}-${i}` })),
        'bench',
      );
      const times = await Promise.all(
        names.map(async (name) => {
          let added = 0;
          const ms = await timeMs(async () => {
            const result = await workers.syncNow(name);
            if (!result.ok || result.failed.length > 0) throw new Error(`${name}: ${JSON.stringify(result)}`);
            added = result.added;
          });
          if (added !== count) throw new Error(`${name}: added ${added} of ${count}`);
          return ms;
        }),
      );
      if (Math.max(...times) < slowest) {
        slowest = Math.max(...times);
        perNode = times;
      }
      const bare = await Promise.all(
        cores.map((core, c) =>
          timeMs(() =>
            mapLimit(
              Array.from({ length: count }, (_, i) => i),
              IN_FLIGHT,
              (i) => core.api.addUser(`bare${round}-${c}-${i}`, randomUUID()),
            ),
          ),
        ),
      );
      bareSlowest = Math.min(bareSlowest, Math.max(...bare));
    }
    await workers.stop();
    const rate = (ms: number) => (count * 1000) / ms;
    const label = count.toLocaleString('en-US');
    return [
      {
        name: `apply ${label} new keys to 3 nodes: slowest node`,
        value: rate(slowest),
        unit: 'keys/s',
        baseline: rate(bareSlowest),
        ratio: bareSlowest / slowest,
        target: '≥ 1,000 keys/s per node',
        note: `the node workers' passes (real V2Fly 4.34 over gRPC, ${IN_FLIGHT} in flight); nodes ${perNode.map((ms) => Math.round(rate(ms)).toLocaleString('en-US')).join(', ')} keys/s; baseline: bare AlterInbound, as many in flight; best of ${ROUNDS}`,
      },
    ];
  } finally {
    await close();
    for (const core of cores) {
      core.api.close();
      core.stop();
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function runNodesBench(): Promise<Row[]> {
  return [...(await collectionRows(10_000)), ...(await applyRows(1000))];
}

/** {@link runNodesBench} in a child process started with `npm start`'s node flags. */
export async function runNodesBenchAsShipped(): Promise<Row[]> {
  const self = fileURLToPath(import.meta.url);
  const child = spawn(process.execPath, [...startFlags(), '--import', 'tsx', self, '--json'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`the nodes bench exited with ${code}`);
  return JSON.parse(out) as Row[];
}

if (import.meta.url === pathToFileURL(process.argv[1]!).href) {
  const rows = await runNodesBench();
  process.stdout.write(
    process.argv.includes('--json') ? JSON.stringify(rows) : formatTable('Several nodes', rows),
  );
  process.exit(0);
}
