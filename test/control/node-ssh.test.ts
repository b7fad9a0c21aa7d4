/**
 * SSH nodes end to end (issue 17): `xkeeper node add --ssh` as an operator runs it (the real
 * CLI as a child process, on the files and against a running instance), two real sshd hosts
 * in network namespaces each running a real v2ray started over SSH (no systemd), and a real
 * VLESS client through each node's link taken from `/sub/{token}`.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControlServer } from '../../src/control/socket.ts';
import { wireNodes } from '../../src/core-wiring.ts';
import { apiThreadCount } from '../../src/core/api-thread.ts';
import { loadOrCreateSshKey } from '../../src/core/remote/ssh-key.ts';
import type { Services } from '../../src/services/index.ts';
import { parseVlessLink } from '../../src/services/links/vless.ts';
import { waitForPort } from '../helpers/netns.ts';
import { type CliResult, runCli } from '../helpers/cli.ts';
import { dataDirDb, silentLogger, tempDir } from '../helpers/db.ts';
import { startRealApp } from '../helpers/real-app.ts';
import { testHttpServer } from '../helpers/http-server.ts';
import { startSshdHost, type SshdHost } from '../helpers/sshd-host.ts';
import { makeTempDir, removeDir, socksDownload, startVlessClient, waitFor } from '../core/fixtures.ts';

const BIN = fileURLToPath(new URL('../../bin/xkeeper.js', import.meta.url));
const ORIGIN_PORT = 8000;
const BODY = 200_000;
const PASSWORD = 'once-only-Pa55';

/** `xkeeper …` with `input` on its stdin (the one-time password). */
function runCliWithInput(args: string[], env: Record<string, string>, input: string): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [BIN, ...args],
      { env: { PATH: process.env.PATH ?? '', HOME: '/tmp', LOG_LEVEL: 'silent', ...env }, timeout: 90_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr, json: () => JSON.parse(stdout) });
      },
    );
    child.stdin?.end(input);
  });
}

/** The node rows in DATA_DIR's database. */
function nodeRows(dataDir: string) {
  const db = dataDirDb(dataDir);
  try {
    return db.$client
      .prepare('SELECT name, transport, ssh_host_key, core_flavor, core_mode FROM nodes ORDER BY id')
      .all() as { name: string; transport: string; ssh_host_key: string | null; core_mode: string }[];
  } finally {
    db.$client.close();
  }
}

/** The UUIDs the node's config file on disk lists. */
function configUuids(remoteDir: string): string[] {
  const config = JSON.parse(readFileSync(path.join(remoteDir, 'config.json'), 'utf8')) as {
    inbounds: { settings?: { clients?: { id: string }[] } }[];
  };
  return (config.inbounds.flatMap((i) => i.settings?.clients ?? []) ?? []).map((c) => c.id).sort();
}

function corePid(remoteDir: string): number {
  return Number(readFileSync(path.join(remoteDir, 'core.pid'), 'utf8'));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** An HTTP origin on the node's own network: reached only through the node's VPN. */
async function startNodeOrigin(node: SshdHost) {
  const origin = node.host.spawn(process.execPath, [
    '-e',
    `require('node:http').createServer((q, s) => s.end(Buffer.alloc(${BODY}, 97))).listen(${ORIGIN_PORT}, '${node.address}')`,
  ]);
  await waitForPort(node.address, ORIGIN_PORT);
  return origin;
}

let nodeA: SshdHost;
let nodeB: SshdHost;

beforeAll(async () => {
  [nodeA, nodeB] = await Promise.all([startSshdHost(), startSshdHost({ password: PASSWORD })]);
});

afterAll(async () => {
  await Promise.all([nodeA?.close(), nodeB?.close()]);
});

describe('xkeeper node add --ssh, on the files', { timeout: 600_000 }, () => {
  const tmp = tempDir('xk-nodessh-');
  const env = { DATA_DIR: tmp.dir };
  const cli = (...args: string[]) => runCli(args, env);
  let dirA: string;
  let dirB: string;
  afterAll(() => {
    for (const dir of [dirA, dirB]) {
      if (dir && existsSync(path.join(dir, 'core.pid'))) {
        try {
          process.kill(corePid(dir), 'SIGKILL');
        } catch {
          // gone
        }
      }
    }
    tmp.cleanup();
  });

  it('prints the key; a wrong host key, a key not installed and a node without a usable core each fail clearly and add nothing; then the node is ready', async () => {
    dirA = path.join(nodeA.dir, 'xk-files');
    const key = await cli('node', 'key', '--json');
    expect(key.code, key.stderr).toBe(0);
    const publicLine = key.json<{ public_key: string }>().public_key;
    expect(publicLine).toMatch(/^ssh-ed25519 [A-Za-z0-9+/=]+ xkeeper$/);
    expect((await cli('node', 'key')).stdout.trim()).toBe(publicLine);
    expect(await cli('key', 'create', 'alice', '--json')).toMatchObject({ code: 0 });
    const add = (...extra: string[]) =>
      cli(
        'node',
        'add',
        'fra',
        '--ssh',
        `root@${nodeA.address}`,
        '--remote-dir',
        dirA,
        '--port',
        '8443',
        ...extra,
      );

    // Another host key than the node's: refused before any credential is sent.
    const impostor = await add('--host-key', nodeB.hostKey);
    expect(impostor.code).toBe(1);
    expect(impostor.stderr).toMatch(
      /the host key of root@.* changed: pinned .*refused.*\(NODE_HOST_KEY_MISMATCH\)/s,
    );

    // xkeeper's key not in authorized_keys yet: the line to add is printed.
    const unknown = await add();
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain(
      `✓ host-key: root@${nodeA.address}:22 ${nodeA.hostKey} (seen now, pinned)`,
    );
    expect(unknown.stderr).toContain("refused xkeeper's key. Add this line to root's ~/.ssh/authorized_keys");
    expect(unknown.stderr).toContain(publicLine);
    expect(unknown.stderr).toMatch(/NODE_AUTH_FAILED/);

    nodeA.authorize(publicLine);
    const noCore = await add('--core-bin', '/opt/none/xray');
    expect(noCore.code).toBe(1);
    expect(noCore.stderr).toMatch(
      /check: --core-bin \/opt\/none\/xray: no core binary at \/opt\/none\/xray on the node \(NODE_PROVISION_FAILED\)/,
    );
    expect(nodeRows(tmp.dir).map((n) => n.name)).toEqual(['local']);
    expect(existsSync(dirA)).toBe(false);

    const ready = await add('--host-key', nodeA.hostKey, '--display-name', 'Frankfurt', '--json');
    expect(ready.code, ready.stderr).toBe(0);
    expect(ready.json()).toMatchObject({
      name: 'fra',
      display_name: 'Frankfurt',
      transport: 'ssh',
      address: nodeA.address,
      port: 8443,
      version: 'V2Ray 4.34.0',
      remote_dir: dirA,
      core_bin: '/usr/bin/v2ray',
      ssh: { user: 'root', host: nodeA.address, port: 22, host_key: nodeA.hostKey },
    });
    // Progress on stderr, step by step; the JSON alone on stdout.
    const steps = ready.stderr
      .split('\n')
      .filter((l) => /^[✓-] /.test(l))
      .map((l) => l.split(':')[0]);
    expect(steps).toEqual([
      '✓ host-key',
      '✓ login',
      '✓ check',
      '- upload-core',
      '✓ config',
      '✓ validate',
      '✓ start',
      '✓ api',
      '✓ users',
      '✓ ready',
    ]);
    expect(nodeRows(tmp.dir)).toEqual([
      expect.objectContaining({ name: 'local' }),
      expect.objectContaining({ name: 'fra', ssh_host_key: nodeA.hostKey, core_mode: 'detached' }),
    ]);
    // The node runs its core with every key in its config file.
    const alice = (await cli('key', 'show', 'alice', '--json')).json<{ uuid: string }>();
    expect(configUuids(dirA)).toEqual([alice.uuid]);
    expect(alive(corePid(dirA))).toBe(true);
    // A second add of the same name changes nothing on the node.
    const again = await add('--host-key', nodeA.hostKey);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/NODE_NAME_TAKEN/);
  });

  it('--password-once installs the key with a password read from stdin; a wrong one fails and adds nothing', async () => {
    const account = nodeB.account!;
    dirB = path.join(account.home, 'xk');
    const args = ['node', 'add', 'hel', '--ssh', `${account.username}@${nodeB.address}`, '--password-once'];
    const opts = ['--remote-dir', dirB, '--port', '8443', '--host-key', nodeB.hostKey];

    const wrong = await runCliWithInput([...args, ...opts], env, 'not-the-password\n');
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/refused the password .*\(NODE_AUTH_FAILED\)/);
    expect(nodeRows(tmp.dir).map((n) => n.name)).toEqual(['local', 'fra']);

    const added = await runCliWithInput([...args, ...opts, '--json'], env, `${PASSWORD}\n`);
    expect(added.code, added.stderr).toBe(0);
    expect(added.json()).toMatchObject({
      name: 'hel',
      ssh: { user: account.username, host_key: nodeB.hostKey },
    });
    expect(added.stderr).toContain(`✓ key: xkeeper's key added to ${account.username}'s authorized_keys`);
    const publicLine = (await loadOrCreateSshKey(tmp.dir)).publicLine();
    expect(readFileSync(path.join(account.home, '.ssh/authorized_keys'), 'utf8')).toContain(publicLine);
    // The password is nowhere: not in the output, not in the database.
    for (const text of [wrong.stdout, wrong.stderr, added.stdout, added.stderr]) {
      expect(text).not.toContain(PASSWORD);
    }
    expect(readFileSync(path.join(tmp.dir, 'xkeeper.db')).includes(PASSWORD)).toBe(false);
    expect(alive(corePid(dirB))).toBe(true);
  });
});

describe('SSH nodes in a running xkeeper', { timeout: 600_000 }, () => {
  const clientDir = makeTempDir('xk-nodessh-client-');
  let dataDir: string;
  let dirA: string;
  let dirB: string;
  const cli = (...args: string[]) => runCli(args, { DATA_DIR: dataDir });
  const origins: ReturnType<SshdHost['host']['spawn']>[] = [];
  let app: {
    services: Services;
    core: Awaited<ReturnType<typeof startRealApp>>['core'];
    workers: ReturnType<typeof wireNodes>;
    http: ReturnType<typeof testHttpServer>;
    stop(): Promise<void>;
  };

  beforeAll(async () => {
    // The local core (a real v2ray) and the services, as main.ts wires them.
    const real = await startRealApp();
    const { services, config } = real;
    dataDir = real.dataDir;
    dirA = path.join(dataDir, 'node-fra');
    dirB = path.join(dataDir, 'node-hel');
    const key = await loadOrCreateSshKey(dataDir);
    nodeA.authorize(key.publicLine());
    nodeB.authorize(key.publicLine());
    // Short cycles: a pass a second, at most 2 s after failures, a config write at most every 3 s.
    const workers = wireNodes(services, silentLogger, {
      local: real.core,
      intervalMs: 1_000,
      maxBackoffMs: 2_000,
      configWriteMs: 3_000,
      sshBackoffMs: 200,
    });
    workers.start();
    const control = await startControlServer({ dataDir, services, logger: silentLogger });
    const http = testHttpServer({ config, services });
    origins.push(await startNodeOrigin(nodeA), await startNodeOrigin(nodeB));
    app = {
      services,
      core: real.core,
      workers,
      http,
      stop: async () => {
        await control.close();
        await http.close();
        await workers.stop();
        for (const dir of [dirA, dirB]) {
          try {
            process.kill(corePid(dir), 'SIGKILL');
          } catch {
            // gone
          }
        }
        await real.stop();
      },
    };
  });

  afterAll(async () => {
    for (const origin of origins) origin.kill('SIGKILL');
    await app?.stop();
    removeDir(clientDir);
  });

  const nodeOf = (name: string) => app.services.nodes.get(name);
  /** Whether the node holds exactly its desired users (as applied and recorded). */
  const inLine = (name: string) => {
    const node = nodeOf(name);
    const names = (users: { name: string; uuid: string }[]) => users.map((u) => `${u.name}:${u.uuid}`).sort();
    return (
      JSON.stringify(names(app.services.nodes.appliedUsers(node.id))) ===
      JSON.stringify(names(app.services.nodes.desiredUsers(node.id)))
    );
  };
  /** The key's link for the node at `address`, from its subscription as a client fetches it. */
  async function linkVia(keyName: string, address: string): Promise<string> {
    const key = app.services.keys.get(keyName);
    const res = await app.http.inject({
      method: 'GET',
      url: `/sub/${key.subToken}`,
      headers: { 'user-agent': 'v2rayNG/1.8.5' },
    });
    expect(res.statusCode).toBe(200);
    const links = Buffer.from(res.body, 'base64').toString('utf8').split('\n').filter(Boolean);
    const server = links.map((l) => parseVlessLink(l)!).find((s) => s.server === address);
    if (!server) throw new Error(`no link for ${address} in ${links.join(' ')}`);
    // The test client speaks plain VLESS (v2ray has no REALITY), as the v2fly node does.
    return `vless://${server.uuid}@${server.server}:${server.port}?type=tcp&security=none#${keyName}`;
  }
  /** Bytes of one download through the key's link on the node (0: refused). */
  async function download(keyName: string, node: SshdHost, link?: string): Promise<number> {
    const client = await startVlessClient(link ?? (await linkVia(keyName, node.address)), clientDir);
    try {
      return await socksDownload(client.socksPort, { host: node.address, port: ORIGIN_PORT });
    } finally {
      await client.stop();
    }
  }
  /** The key's totals equal the sum of its per-node totals; returns the per-node ones. */
  async function totals(keyName: string) {
    await app.services.traffic.collect();
    const key = app.services.keys.get(keyName);
    const perNode = app.services.nodes.trafficOfKey(key.id);
    const sum = perNode.reduce((s, n) => s + n.upload + n.download, 0);
    expect(key.uploadBytes + key.downloadBytes).toBe(sum);
    return Object.fromEntries(perNode.map((n) => [n.node, n]));
  }

  it("adds two SSH nodes through the control socket with progress; a client connects through each node's link and the bytes add up", async () => {
    await app.services.keys.create({ name: 'alice' }, 'test');
    for (const [name, node, dir] of [
      ['fra', nodeA, dirA],
      ['hel', nodeB, dirB],
    ] as const) {
      const added = await cli(
        'node',
        'add',
        name,
        '--ssh',
        `root@${node.address}`,
        '--remote-dir',
        dir,
        '--port',
        '8443',
        '--json',
      );
      expect(added.code, added.stderr).toBe(0);
      // Streamed from the running instance over the control socket.
      expect(added.stderr).toMatch(/✓ validate: Configuration OK\n/);
      expect(added.stderr).toContain(`✓ ready: node ${name} ready`);
      expect(added.json()).toMatchObject({ name, status: 'up', transport: 'ssh', users: 1 });
    }
    const fra = await download('alice', nodeA);
    const hel = await download('alice', nodeB);
    expect(fra).toBe(BODY);
    expect(hel).toBe(BODY);
    const perNode = await totals('alice');
    expect(perNode.fra!.download).toBeGreaterThanOrEqual(BODY);
    expect(perNode.hel!.download).toBeGreaterThanOrEqual(BODY);
    // Each download counted once, on its own node.
    expect(perNode.fra!.download).toBeLessThan(BODY + 5_000);
    expect(perNode.hel!.download).toBeLessThan(BODY + 5_000);
    expect(perNode.local!.download).toBe(0);
  });

  it('a burst of key changes is one or two writes of the config file on the node, not one per change', async () => {
    const file = path.join(dirA, 'config.json');
    // Past the spacing of any earlier write (3 s here).
    await new Promise((resolve) => setTimeout(resolve, 3_500));
    // Each write renames a new file over the old one: a new file (inode and time).
    const version = () => {
      const stat = statSync(file);
      return `${stat.ino}:${stat.mtimeMs}`;
    };
    const inodes = new Set<string>([version()]);
    const poll = setInterval(() => inodes.add(version()), 20);
    try {
      const burst: string[] = [];
      for (let i = 0; i < 10; i++) {
        burst.push((await app.services.keys.create({ name: `burst${i}` }, 'test')).uuid);
      }
      await waitFor(() => burst.every((uuid) => configUuids(dirA).includes(uuid)), 10_000);
    } finally {
      clearInterval(poll);
    }
    // The write the wait saw may have landed after the poll's last look.
    inodes.add(version());
    // The first change is written at once, the rest together once the spacing is over.
    expect(inodes.size - 1).toBeGreaterThanOrEqual(1);
    expect(inodes.size - 1).toBeLessThanOrEqual(2);
  });

  it("forty keys created at once reach both nodes' cores from a pool thread, and each works through its link", async () => {
    const created = (
      await app.services.keys.createMany(
        Array.from({ length: 40 }, (_, i) => ({ name: `many${i}` })),
        'test',
      )
    ).map((key) => {
      if (key instanceof Error) throw key;
      return key;
    });
    // The pass sends 40 users to each node: enough for the pool.
    await waitFor(() => apiThreadCount() > 0, 15_000);
    for (const [node, dir] of [
      [nodeA, dirA],
      [nodeB, dirB],
    ] as const) {
      await waitFor(() => created.every((key) => configUuids(dir).includes(key.uuid)), 15_000);
      // The core holds the first and the last of them, not only the file.
      expect(await download('many0', node)).toBe(BODY);
      expect(await download('many39', node)).toBe(BODY);
    }
  });

  it("kill -9 of a node's core: restarted by the health cycle, its users re-applied, the client works again", async () => {
    // A key change reaches the node's config file, coalesced (not per change).
    const carl = await app.services.keys.create({ name: 'carl' }, 'test');
    await waitFor(() => configUuids(dirA).includes(carl.uuid), 10_000);
    // Right after a write: the next key is in the core (over the API) but not yet in the file.
    const dora = await app.services.keys.create({ name: 'dora' }, 'test');
    await waitFor(() => inLine('fra'), 5_000);
    expect(configUuids(dirA)).not.toContain(dora.uuid);
    const pid = corePid(dirA);
    process.kill(pid, 'SIGKILL');
    await waitFor(() => !alive(pid), 5_000);
    // The restarted core has only its file's users: dora works only if the pass re-applied her.
    await waitFor(() => corePid(dirA) !== pid && alive(corePid(dirA)), 15_000);
    await waitFor(async () => (await download('dora', nodeA)) === BODY, 15_000);
    expect(await download('alice', nodeA)).toBe(BODY);
    expect(nodeOf('fra').lastError).toBeNull();
  });

  it('a node whose sshd stops misses kicks, deletes and creates; back, it has exactly the desired users within one cycle, and the bytes moved through it meanwhile are counted once; the other node never waits', async () => {
    const oldAlice = await linkVia('alice', nodeB.address);
    const doraBefore = (await totals('dora')).hel!.download;
    await nodeB.stop();
    // hel's core keeps serving its users while xkeeper cannot reach it: bytes moved now are
    // read when it is back, once.
    expect(await download('dora', nodeB)).toBe(BODY);
    await app.services.traffic.collect(); // hel is left out of this cycle
    const kicked = await app.services.keys.kick('alice', 'test');
    await app.services.keys.delete('carl', 'test');
    await app.services.keys.create({ name: 'erin' }, 'test');
    // fra follows at once while hel is out of reach.
    await waitFor(() => inLine('fra'), 5_000);
    expect(await download('erin', nodeA)).toBe(BODY);
    await waitFor(() => nodeOf('hel').health === 'down', 15_000);
    expect(inLine('hel')).toBe(false);

    await nodeB.start();
    const back = Date.now();
    await waitFor(() => inLine('hel') && nodeOf('hel').health === 'up', 15_000);
    // One pass interval (1 s) after the longest backoff (2 s), with room for a busy machine.
    expect(Date.now() - back).toBeLessThan(8_000);
    expect(await download('alice', nodeB, oldAlice)).toBe(0);
    expect(kicked.uuid).not.toBe(parseVlessLink(oldAlice)?.uuid);
    expect(await download('alice', nodeB)).toBe(BODY);
    expect(await download('erin', nodeB)).toBe(BODY);
    const erin = await totals('erin');
    expect(erin.hel!.download).toBeGreaterThanOrEqual(BODY);
    expect(erin.hel!.download).toBeLessThan(BODY + 5_000);
    expect(erin.fra!.download).toBeGreaterThanOrEqual(BODY);
    expect(erin.fra!.download).toBeLessThan(BODY + 5_000);
    const dora = (await totals('dora')).hel!.download - doraBefore;
    expect(dora).toBeGreaterThanOrEqual(BODY);
    expect(dora).toBeLessThan(BODY + 5_000);
  });

  it('a changed host key: refused, the node down at once with a clear error, one alert; node restart and a drained node remove', async () => {
    app.services.nodes.update('hel', { sshHostKey: nodeA.hostKey }, 'test');
    const check = await cli('node', 'check', 'hel', '--json');
    expect(check.code, check.stderr).toBe(0);
    expect(check.json()).toMatchObject({
      status: 'down',
      last_error: expect.stringMatching(/host key of root@.* changed/),
    });
    await cli('node', 'check', 'hel', '--json');
    const alerts = app.services.db.$client
      .prepare(
        `SELECT payload FROM outbox WHERE kind = 'admin.alert' AND payload LIKE '%node.host_key_changed%'`,
      )
      .all();
    expect(alerts).toHaveLength(1);
    app.services.nodes.update('hel', { sshHostKey: nodeB.hostKey }, 'test');
    await waitFor(async () => (await cli('node', 'check', 'hel', '--json')).json().status === 'up', 20_000);

    const pid = corePid(dirA);
    const restarted = await cli('node', 'restart', 'fra', '--json');
    expect(restarted.code, restarted.stderr).toBe(0);
    expect(restarted.json()).toMatchObject({ status: 'up', result: { ok: true } });
    expect(corePid(dirA)).not.toBe(pid);
    expect(await download('erin', nodeA)).toBe(BODY);

    const erinLink = await linkVia('erin', nodeB.address);
    const removed = await cli('node', 'remove', 'hel', '--json');
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.json()).toMatchObject({ name: 'hel', removed: true, drained: true });
    expect(app.services.nodes.find('hel')).toBeNull();
    // Drained: its core no longer accepts the keys, and its config file lists none.
    expect(await download('erin', nodeB, erinLink)).toBe(0);
    expect(configUuids(dirB)).toEqual([]);
  });

  it('POST /api/v1/nodes with ssh provisions the node the same way; a wrong host key adds nothing', async () => {
    const key = app.services.apiKeys.create({ name: 'ops', scopes: ['nodes:write'] }, 'test').key;
    const post = (body: object) =>
      app.http.inject({ method: 'POST', url: '/api/v1/nodes', headers: { 'x-api-key': key }, payload: body });
    const ssh = { user: 'root', host: nodeB.address };
    const body = { name: 'hel', ssh, remote_dir: dirB, port: 8443 };
    const refused = await post({ ...body, ssh: { ...ssh, host_key: nodeA.hostKey } });
    expect(refused.statusCode).toBe(502);
    expect(refused.json().error).toMatchObject({
      code: 'NODE_HOST_KEY_MISMATCH',
      details: { pinned: nodeA.hostKey, seen: nodeB.hostKey },
    });
    expect(app.services.nodes.find('hel')).toBeNull();

    const added = await post({ ...body, ssh: { ...ssh, host_key: nodeB.hostKey } });
    expect(added.statusCode, added.body).toBe(201);
    expect(added.json()).toMatchObject({ name: 'hel', status: 'up', version: 'V2Ray 4.34.0' });
    expect(await download('erin', nodeB)).toBe(BODY);
  });
  it("node list shows local like any node (version, users, core memory, this machine's CPU), ssh nodes' CPU too; local goes down and up with one alert each, and a crash the core survives alerts no node", async () => {
    const alertsOf = (type: string) =>
      app.services.db.$client
        .prepare(`SELECT payload FROM outbox WHERE kind = 'admin.alert' AND payload LIKE ?`)
        .all(`%"${type}"%`)
        .filter((row) => (row as { payload: string }).payload.includes('"local"'));
    const listed = async () => {
      const list = await cli('node', 'list', '--json');
      expect(list.code, list.stderr).toBe(0);
      return Object.fromEntries(
        (list.json() as { name: string }[]).map((n) => [n.name, n as Record<string, unknown>]),
      );
    };
    // Two cycles at least: CPU is the use between two readings of /proc/stat.
    const nodes = await waitFor(async () => {
      const all = await listed();
      return typeof all.local?.cpu_percent === 'number' && typeof all.fra?.cpu_percent === 'number' && all;
    }, 10_000);
    expect(nodes.local).toMatchObject({
      status: 'up',
      version: 'V2Ray 4.34.0',
      users: app.services.nodes.desiredUsers(nodeOf('local').id).length,
      memory_bytes: expect.any(Number),
      uptime_seconds: expect.any(Number),
      rtt_ms: expect.any(Number),
      last_seen_at: expect.any(String),
      last_error: null,
    });
    expect(nodes.local!.memory_bytes).toBeGreaterThan(0);
    expect(nodes.local!.cpu_percent).toBeGreaterThanOrEqual(0);
    expect(nodes.local!.cpu_percent).toBeLessThanOrEqual(100);
    expect(nodes.fra).toMatchObject({
      status: 'up',
      version: 'V2Ray 4.34.0',
      cpu_percent: expect.any(Number),
    });

    // kill -9: the supervisor restarts the core within a cycle; the core alerts, the node stays up.
    const before = (await app.core.status()).pid;
    process.kill(before!, 'SIGKILL');
    await waitFor(async () => {
      const status = await app.core.status();
      return status.running && status.pid !== before;
    }, 15_000);
    await new Promise((resolve) => setTimeout(resolve, 3_500));
    expect(nodeOf('local').health).toBe('up');
    expect(alertsOf('node.down')).toHaveLength(0);

    // Stopped: down after a few failed cycles, one alert and one event; started: up, one alert
    // (and no alert of the core's own about the same outage).
    const coreAlerts = () =>
      app.services.db.$client
        .prepare(`SELECT count(*) AS n FROM outbox WHERE kind = 'admin.alert' AND payload LIKE '%"core.%'`)
        .get() as { n: number };
    const coreAlertsBefore = coreAlerts().n;
    await app.core.stop();
    await waitFor(() => nodeOf('local').health === 'down', 10_000);
    expect((await listed()).local).toMatchObject({ status: 'down', last_error: expect.any(String) });
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(alertsOf('node.down')).toHaveLength(1);
    await app.core.start();
    await waitFor(() => nodeOf('local').health === 'up', 10_000);
    expect(alertsOf('node.up')).toHaveLength(1);
    expect(coreAlerts().n).toBe(coreAlertsBefore);
    const events = app.services.db.$client
      .prepare(`SELECT type FROM events WHERE subject = 'local' AND type LIKE 'node.%' ORDER BY id`)
      .all();
    expect(events).toEqual([{ type: 'node.down' }, { type: 'node.up' }]);
  });
});
