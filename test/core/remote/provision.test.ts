/**
 * Provisioning real nodes: two sshd hosts in network namespaces, a real v2ray started over SSH
 * in the no-systemd mode in each node's own directory, its API reached only through the SSH
 * forward, a real VLESS client through the node to a server on the node's network.
 */
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CoreApi } from '../../../src/core/api.ts';
import type { CoreUser } from '../../../src/core/config.ts';
import { RemoteError } from '../../../src/core/remote/errors.ts';
import {
  type NodeCoreSettings,
  type ProvisionProgress,
  provisionNode,
  writeNodeConfig,
} from '../../../src/core/remote/provision.ts';
import { ensureRunning, remotePaths, renderSystemdUnit } from '../../../src/core/remote/remote-core.ts';
import { SshLink } from '../../../src/core/remote/ssh-link.ts';
import { loadOrCreateSshKey, type SshKey } from '../../../src/core/remote/ssh-key.ts';
import { connectSsh, type SshSession } from '../../../src/core/remote/ssh.ts';
import { waitForPort } from '../../helpers/netns.ts';
import { startSshdHost, type SshdHost } from '../../helpers/sshd-host.ts';
import {
  makeTempDir,
  processesWith,
  removeDir,
  socksDownload,
  startVlessClient,
  uuid,
  waitFor,
} from '../fixtures.ts';

const API_PORT = 10085;
const VLESS_PORT = 8443;
const ORIGIN_PORT = 8000;
const USERS: CoreUser[] = [
  { name: 'ann', uuid: uuid(1) },
  { name: 'bob', uuid: uuid(2) },
];

let dataDir: string;
let key: SshKey;
let nodeA: SshdHost;
let nodeB: SshdHost;

function settings(overrides: Partial<NodeCoreSettings> = {}): NodeCoreSettings {
  return {
    apiPort: API_PORT,
    vlessPort: VLESS_PORT,
    reality: {
      privateKey: 'eCmYp1UhKNPuHOvIzdh7kyRO0BzpTgi4l8Pe8B6Z1U8',
      shortIds: ['01'],
      sni: 'a.example',
      target: 'a.example:443',
    },
    // The test origin sits on the node's private network.
    blockPrivateNetworks: false,
    logLevel: 'warning',
    ...overrides,
  };
}

function open(node: SshdHost, hostKey = node.hostKey): Promise<SshSession> {
  return connectSsh({
    target: { username: 'root', host: node.address, port: 22 },
    auth: { privateKey: key.privateKey },
    hostKey,
  });
}

/** Names and contents under `dir` (what "nothing changed on the node" compares). */
function listing(dir: string): Record<string, string> {
  if (!existsSync(dir)) return {};
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    const file = path.join(dir, name);
    try {
      out[name] = readFileSync(file, 'utf8');
    } catch {
      out[name] = '<dir>';
    }
  }
  return out;
}

async function failure(promise: Promise<unknown>): Promise<RemoteError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RemoteError);
  return error as RemoteError;
}

beforeAll(async () => {
  dataDir = makeTempDir('xk-prov-');
  key = await loadOrCreateSshKey(dataDir);
  [nodeA, nodeB] = await Promise.all([startSshdHost(), startSshdHost()]);
  nodeA.authorize(key.publicLine());
  nodeB.authorize(key.publicLine());
});

afterAll(async () => {
  await Promise.all([nodeA?.close(), nodeB?.close()]);
  removeDir(dataDir);
});

// Each test provisions a real core over SSH: seconds alone, much more on a loaded CI machine.
describe('provisioning a node over SSH (no systemd)', { timeout: 120_000 }, () => {
  it('runs v2ray on the node; the API answers only through SSH; a VLESS client works through it; kill -9 → ensureRunning restarts it', async () => {
    const remoteDir = path.join(nodeA.dir, 'xkeeper');
    const progress: ProvisionProgress[] = [];
    const session = await open(nodeA);
    let result;
    try {
      result = await provisionNode({
        session,
        settings: settings(),
        users: USERS,
        remoteDir,
        serviceMode: 'auto',
        onProgress: (p) => progress.push(p),
      });
    } finally {
      session.close();
    }
    expect(result.core).toEqual({
      bin: '/usr/bin/v2ray',
      flavor: 'v2fly',
      version: '4.34.0',
      mode: 'detached',
      remoteDir,
    });
    expect(result.uploadedCore).toBe(false);
    expect(progress.filter((p) => p.status !== 'running').map((p) => `${p.step}:${p.status}`)).toEqual([
      'check:done',
      'upload-core:skipped',
      'config:done',
      'validate:done',
      'start:done',
      'api:done',
    ]);
    expect(progress[1]?.detail).toContain('Linux');
    // The config on the node lists the users, is owner-only, refuses loopback; nothing staged is left.
    const paths = remotePaths(remoteDir);
    const config = JSON.parse(readFileSync(paths.config, 'utf8')) as {
      inbounds: { settings?: { clients?: unknown[] } }[];
      routing: { rules: { ip?: string[] }[] };
    };
    expect(config.inbounds[1]?.settings?.clients).toHaveLength(2);
    expect(config.routing.rules[1]?.ip).toContain('127.0.0.0/8');
    expect(readdirSync(remoteDir).sort()).toEqual(['config.json', 'core.log', 'core.pid']);
    // The API listens on the node's loopback only: not on its address.
    expect(nodeA.run(`cat /proc/net/tcp | awk '$4=="0A"{print $2}'`)).toContain(
      `0100007F:${API_PORT.toString(16).toUpperCase()}`,
    );

    const link = new SshLink({
      target: { username: 'root', host: nodeA.address, port: 22 },
      auth: { privateKey: key.privateKey },
      hostKey: nodeA.hostKey,
      backoffInitialMs: 100,
    });
    const forward = await link.forward(API_PORT);
    const api = new CoreApi({ flavor: 'v2fly', socketPath: forward.path });
    const origin = nodeA.host.spawn(process.execPath, [
      '-e',
      `require('node:http').createServer((q, s) => s.end(Buffer.alloc(300000, 97))).listen(${ORIGIN_PORT}, '${nodeA.address}')`,
    ]);
    // The same server on the node's loopback, where its unauthenticated API listens too.
    const loopbackOrigin = nodeA.host.spawn(process.execPath, [
      '-e',
      `require('node:http').createServer((q, s) => s.end(Buffer.alloc(1000, 97))).listen(${ORIGIN_PORT}, '127.0.0.1')`,
    ]);
    const clientDir = makeTempDir('xk-prov-client-');
    try {
      await waitForPort(nodeA.address, ORIGIN_PORT);
      expect(await api.addUser('carl', uuid(3))).toEqual({ ok: true });
      expect(await api.addUser('ann', uuid(1))).toMatchObject({ ok: false, reason: 'exists' });
      const client = await startVlessClient(
        `vless://${uuid(3)}@${nodeA.address}:${VLESS_PORT}?type=tcp&security=none#carl`,
        clientDir,
      );
      try {
        expect(
          await socksDownload(client.socksPort, { host: nodeA.address, port: ORIGIN_PORT }),
        ).toBeGreaterThanOrEqual(300_000);
        // A VPN user reaches nothing on the node's loopback: not that server, not the API.
        const onNode = `require('http').get('http://127.0.0.1:${ORIGIN_PORT}/', (r) => { let n = 0; r.on('data', (c) => (n += c.length)).on('end', () => console.log(n)); })`;
        expect(nodeA.run(`${process.execPath} -e "${onNode}"`).trim()).toBe('1000');
        for (const port of [ORIGIN_PORT, API_PORT]) {
          const got = await socksDownload(client.socksPort, { host: '127.0.0.1', port }, 3_000).catch(
            () => 0,
          );
          expect(got, `127.0.0.1:${port} through the VPN`).toBe(0);
        }
      } finally {
        await client.stop();
      }
      const stats = new Map((await api.queryStats('user>>>carl>>>')).map((s) => [s.name, s.value]));
      expect(stats.get('user>>>carl>>>traffic>>>downlink')).toBeGreaterThanOrEqual(300_000);

      // kill -9 the core: ensureRunning sees it gone and starts it again from the config file.
      const pid = Number(readFileSync(paths.pid, 'utf8'));
      process.kill(pid, 'SIGKILL');
      const session2 = await open(nodeA);
      try {
        await waitFor(async () => (await session2.exec(`kill -0 ${pid}`)).code !== 0);
        expect(await ensureRunning(session2, result.core)).toBe('restarted');
        expect(Number(readFileSync(paths.pid, 'utf8'))).not.toBe(pid);
        expect(await ensureRunning(session2, result.core)).toBe('running');
      } finally {
        session2.close();
      }
      // Through the same forward: the restarted core answers, with the config's users (not carl, added over the API only).
      const uptime = await waitFor(async () => (await api.getSysStats()).uptimeSeconds + 1, 10_000);
      expect(uptime).toBeLessThan(30);
      expect(await api.addUser('ann', uuid(1))).toMatchObject({ ok: false, reason: 'exists' });
      expect(await api.removeUser('carl')).toMatchObject({ ok: false, reason: 'not_found' });
    } finally {
      origin.kill('SIGKILL');
      loopbackOrigin.kill('SIGKILL');
      api.close();
      await link.close();
      removeDir(clientDir);
    }
  });

  it('a config the core refuses fails at "validate" and leaves the running node exactly as it was', async () => {
    const remoteDir = path.join(nodeB.dir, 'xk-validate');
    const session = await open(nodeB);
    try {
      await provisionNode({ session, settings: settings(), users: USERS, remoteDir });
      const before = listing(remoteDir);
      const pid = readFileSync(remotePaths(remoteDir).pid, 'utf8');
      const progress: ProvisionProgress[] = [];
      const error = await failure(
        provisionNode({
          session,
          settings: settings(),
          users: [...USERS, { name: 'bad', uuid: 'not-a-uuid' }],
          remoteDir,
          onProgress: (p) => progress.push(p),
        }),
      );
      expect(error.code).toBe('NODE_PROVISION_FAILED');
      expect(error.details.step).toBe('validate');
      expect(error.message).toMatch(/^validate: the core refused the config: /);
      expect(progress.at(-1)).toMatchObject({ step: 'validate', status: 'failed' });
      expect(listing(remoteDir)).toEqual(before);
      expect(readFileSync(remotePaths(remoteDir).pid, 'utf8')).toBe(pid);
      expect((await session.exec(`kill -0 ${pid}`)).code).toBe(0);
    } finally {
      await session.exec(`kill -9 $(cat ${remotePaths(remoteDir).pid})`);
      session.close();
    }
  });

  it("writeNodeConfig rewrites the node's users without restarting its core; a refused config keeps the old file", async () => {
    const remoteDir = path.join(nodeB.dir, 'xk-users');
    const paths = remotePaths(remoteDir);
    const session = await open(nodeB);
    try {
      const { core } = await provisionNode({ session, settings: settings(), users: USERS, remoteDir });
      const pid = readFileSync(paths.pid, 'utf8');
      const three = [...USERS, { name: 'carl', uuid: uuid(3) }];
      // Every command the write runs on the node, seen on the way.
      const commands: string[] = [];
      const watched = new Proxy(session, {
        get(target, name, receiver) {
          if (name === 'exec') {
            return (command: string, options?: object) => {
              commands.push(command);
              return target.exec(command, options);
            };
          }
          const value: unknown = Reflect.get(target, name, receiver);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
      expect(await writeNodeConfig(watched, core, settings(), three)).toEqual({ ok: true });
      // Flushed to the node's disk, the file and its directory (the rename), before ok.
      expect(
        commands.some((c) => c.startsWith('sync ') && c.includes(paths.config) && c.includes(remoteDir)),
      ).toBe(true);
      const written = readFileSync(paths.config, 'utf8');
      expect(written).toContain(uuid(3));
      expect(statSync(paths.config).mode & 0o777).toBe(0o600);
      const refused = await writeNodeConfig(session, core, settings(), [{ name: 'bad', uuid: 'not-a-uuid' }]);
      expect(refused.ok).toBe(false);
      expect(readFileSync(paths.config, 'utf8')).toBe(written);
      expect(readdirSync(remoteDir).sort()).toEqual(
        ['config.json', 'config.json.prev', 'core.log', 'core.pid'].filter((f) =>
          existsSync(path.join(remoteDir, f)),
        ),
      );
      expect(readdirSync(remoteDir).some((f) => f.startsWith('.'))).toBe(false);
      expect(readFileSync(paths.pid, 'utf8')).toBe(pid);
      expect((await session.exec(`kill -0 ${pid}`)).code).toBe(0);
    } finally {
      await session.exec(`kill -9 $(cat ${paths.pid})`);
      session.close();
    }
  });

  it('a changed host key is refused before anything happens on the node', async () => {
    const remoteDir = path.join(nodeB.dir, 'xk-hostkey');
    const error = await failure(open(nodeB, nodeA.hostKey));
    expect(error.code).toBe('NODE_HOST_KEY_MISMATCH');
    expect(error.message).toContain(nodeA.hostKey);
    expect(existsSync(remoteDir)).toBe(false);
  });

  it('a --core-bin that is missing or not a core fails at "check", changing nothing', async () => {
    const remoteDir = path.join(nodeB.dir, 'xk-nocore');
    const bogus = path.join(nodeB.dir, 'not-a-core');
    writeFileSync(bogus, '#!/bin/sh\necho "hello world"\n');
    chmodSync(bogus, 0o755);
    const session = await open(nodeB);
    try {
      const missing = await failure(
        provisionNode({ session, settings: settings(), users: USERS, remoteDir, coreBin: '/opt/none/xray' }),
      );
      expect(missing.details.step).toBe('check');
      expect(missing.message).toBe(
        'check: --core-bin /opt/none/xray: no core binary at /opt/none/xray on the node',
      );
      const notCore = await failure(
        provisionNode({ session, settings: settings(), users: USERS, remoteDir, coreBin: bogus }),
      );
      expect(notCore.details.step).toBe('check');
      expect(notCore.message).toContain('not an Xray or V2Ray version');
      expect(existsSync(remoteDir)).toBe(false);
    } finally {
      session.close();
    }
  });

  it('a busy VLESS port fails at "check"', async () => {
    const remoteDir = path.join(nodeB.dir, 'xk-busy');
    const squatter = nodeB.host.spawn(process.execPath, [
      '-e',
      `require('node:net').createServer().listen(9443)`,
    ]);
    const session = await open(nodeB);
    try {
      await waitFor(
        async () => (await session.exec(`grep -qi ':24E3 .* 0A ' /proc/net/tcp /proc/net/tcp6`)).code === 0,
      );
      const error = await failure(
        provisionNode({ session, settings: settings({ vlessPort: 9443 }), users: USERS, remoteDir }),
      );
      expect(error.message).toBe('check: the VLESS port 9443 is already in use on the node');
      expect(existsSync(remoteDir)).toBe(false);
    } finally {
      squatter.kill('SIGKILL');
      session.close();
    }
  });
});

// Each test provisions a real core over SSH: seconds alone, much more on a loaded CI machine.
describe('a node without a core', { timeout: 120_000 }, () => {
  /** A stand-in for DATA_DIR/bin/xray: answers as Xray, runs v2ray with the Xray-only parts taken out. */
  function fakeXray(dir: string): string {
    const bin = path.join(dir, 'bin', 'xray');
    mkdirSync(path.dirname(bin), { recursive: true });
    const strip = `const fs=require('fs');const f=process.argv[1];const c=JSON.parse(fs.readFileSync(f));const v=c.inbounds[1];v.streamSettings={network:'tcp',security:'none'};v.settings.clients.forEach((x)=>delete x.flow);delete c.policy.levels['0'].statsUserOnline;fs.writeFileSync(f+'.v2.json',JSON.stringify(c))`;
    writeFileSync(
      bin,
      [
        '#!/bin/sh',
        'case "$1" in',
        '  -version) echo "Xray 26.9.9 (fake for tests)";;',
        `  run) if [ "$2" = "-test" ]; then ${process.execPath} -e "${strip.replace(/"/g, '\\"')}" "$4" && exec /usr/bin/v2ray -test -config "$4.v2.json"; fi;`,
        `       ${process.execPath} -e "${strip.replace(/"/g, '\\"')}" "$3" && exec /usr/bin/v2ray -config "$3.v2.json";;`,
        '  *) exit 2;;',
        'esac',
        '',
      ].join('\n'),
    );
    chmodSync(bin, 0o755);
    return bin;
  }

  /** A node whose PATH has every command of /usr/bin but the cores, plus `extra` scripts. */
  async function nodeWithout(extra: Record<string, string> = {}) {
    const tools = makeTempDir('xk-prov-path-');
    for (const name of readdirSync('/usr/bin')) {
      if (name !== 'v2ray' && name !== 'xray')
        symlinkSync(path.join('/usr/bin', name), path.join(tools, name));
    }
    for (const [name, script] of Object.entries(extra)) {
      writeFileSync(path.join(tools, name), script);
      chmodSync(path.join(tools, name), 0o755);
    }
    const host = await startSshdHost({ path: `${tools}:/usr/sbin` });
    host.authorize(key.publicLine());
    return {
      host,
      close: async () => {
        await host.close();
        removeDir(tools);
      },
    };
  }

  /** Provisions with DATA_DIR/bin at `localBinDir` (the stand-in cores' API never answers: a short wait). */
  function provisionWithBin(
    session: SshSession,
    remoteDir: string,
    localBinDir: string,
    onProgress: (p: ProvisionProgress) => void,
  ) {
    return provisionNode({
      session,
      settings: settings(),
      users: USERS,
      remoteDir,
      localBinDir,
      apiTimeoutMs: 3_000,
      onProgress,
    });
  }

  it('fails at "check" when xkeeper has no Xray to upload; uploads DATA_DIR/bin/xray when it has one; a failed start is undone', async () => {
    const bare = await nodeWithout();
    const remoteDir = path.join(bare.host.dir, 'xkeeper');
    const localData = makeTempDir('xk-prov-bin-');
    const session = await open(bare.host);
    try {
      expect((await session.exec('command -v v2ray xray')).stdout).toBe('');
      const error = await failure(
        provisionNode({
          session,
          settings: settings(),
          users: USERS,
          remoteDir,
          localBinDir: path.join(localData, 'bin'),
        }),
      );
      expect(error.details.step).toBe('check');
      expect(error.message).toContain('no usable core on the node');
      expect(existsSync(remoteDir)).toBe(false);

      // With DATA_DIR/bin/xray, xkeeper uploads it and runs it. (No real Xray here: the stand-in
      // runs v2ray, whose API answers under V2Ray's names, so the "api" step fails, which shows
      // the undo of a started node: it stops the core and removes what it put there.)
      const local = fakeXray(localData);
      const progress: ProvisionProgress[] = [];
      let uploaded: Buffer | null = null;
      const failed = await failure(
        provisionWithBin(session, remoteDir, path.dirname(local), (p) => {
          progress.push(p);
          if (p.step === 'start' && p.status === 'done') uploaded = readFileSync(`${remoteDir}/bin/xray`);
        }),
      );
      expect(progress.filter((p) => p.status !== 'running').map((p) => `${p.step}:${p.status}`)).toEqual([
        'check:done',
        'upload-core:done',
        'config:done',
        'validate:done',
        'start:done',
        'api:failed',
      ]);
      expect(progress.find((p) => p.step === 'upload-core' && p.status === 'done')?.detail).toBe(
        `Xray 26.9.9 → ${remoteDir}/bin/xray`,
      );
      expect(uploaded!.equals(readFileSync(local))).toBe(true);
      expect(failed.message).toContain("api: the core's API did not answer");
      expect(existsSync(remoteDir)).toBe(false);
      expect(processesWith(`${remoteDir}/config.json.v2.json`)).toEqual([]);
    } finally {
      session.close();
      await bare.close();
      removeDir(localData);
    }
  });

  it("replaces a node's older Xray with DATA_DIR/bin's newer one, and keeps one as new", async () => {
    const version = (v: string) =>
      `#!/bin/sh\n[ "$1" = -version ] && echo "Xray ${v} (old)" && exit 0\nexit 2\n`;
    const localData = makeTempDir('xk-prov-bin-');
    const local = fakeXray(localData); // Xray 26.9.9
    for (const [nodeVersion, expected] of [
      ['1.8.24', 'upload-core:done'],
      ['26.9.9', 'upload-core:skipped'],
    ] as const) {
      const node = await nodeWithout({ xray: version(nodeVersion) });
      const remoteDir = path.join(node.host.dir, 'xkeeper');
      const session = await open(node.host);
      try {
        const progress: ProvisionProgress[] = [];
        // The stand-ins cannot serve a real API: each run fails later and is undone.
        await failure(provisionWithBin(session, remoteDir, path.dirname(local), (p) => progress.push(p)));
        const upload = progress.find((p) => p.step === 'upload-core' && p.status !== 'running');
        expect(`${upload?.step}:${upload?.status}`, nodeVersion).toBe(expected);
        expect(existsSync(remoteDir)).toBe(false);
      } finally {
        session.close();
        await node.close();
      }
    }
    removeDir(localData);
  });
});

// Each test provisions a real core over SSH: seconds alone, much more on a loaded CI machine.
describe('a node with systemd', { timeout: 120_000 }, () => {
  /** A stand-in systemctl recording its calls and running the unit's ExecStart (no systemd in tests). */
  function fakeSystemctl(dir: string): string {
    const bin = path.join(dir, 'systemctl');
    const unit = remotePaths('/x').unit;
    writeFileSync(
      bin,
      [
        '#!/bin/sh',
        `echo "$*" >> ${dir}/calls`,
        `pidf=${dir}/pid`,
        '[ "$2" = --quiet ] && q=1',
        'case "$1" in',
        '  daemon-reload|enable) exit 0;;',
        `  restart) [ -f $pidf ] && kill $(cat $pidf) 2>/dev/null; cmd=$(sed -n 's/^ExecStart=//p' ${unit}); setsid $cmd >/dev/null 2>&1 </dev/null & echo $! > $pidf;;`,
        '  stop) [ -f $pidf ] && kill $(cat $pidf) 2>/dev/null; rm -f $pidf;;',
        '  is-active) [ -f $pidf ] && kill -0 $(cat $pidf) 2>/dev/null;;',
        '  *) exit 1;;',
        'esac',
        '',
      ].join('\n'),
    );
    chmodSync(bin, 0o755);
    return bin;
  }

  it('installs the unit, enables and starts it through systemctl, and waits for the API', async () => {
    const tools = makeTempDir('xk-prov-systemd-');
    fakeSystemctl(tools);
    const host = await startSshdHost({ path: `${tools}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin` });
    host.authorize(key.publicLine());
    const remoteDir = path.join(host.dir, 'xkeeper');
    const unitFile = remotePaths(remoteDir).unit;
    const session = await open(host);
    try {
      const result = await provisionNode({
        session,
        settings: settings(),
        users: USERS,
        remoteDir,
        serviceMode: 'systemd',
      });
      expect(result.core.mode).toBe('systemd');
      expect(readFileSync(unitFile, 'utf8')).toBe(renderSystemdUnit(result.core));
      expect(statSync(unitFile).mode & 0o777).toBe(0o644);
      expect(existsSync(`${unitFile}.new`)).toBe(false);
      expect(readFileSync(path.join(tools, 'calls'), 'utf8').trim().split('\n')).toEqual([
        'is-active --quiet xkeeper-core',
        'daemon-reload',
        'enable --quiet xkeeper-core',
        'restart xkeeper-core',
      ]);
      expect(await ensureRunning(session, result.core)).toBe('running');
    } finally {
      await session.exec('systemctl stop xkeeper-core');
      session.close();
      await host.close();
      rmSync(unitFile, { force: true });
      rmSync(`${unitFile}.prev`, { force: true });
      removeDir(tools);
    }
  });
});

describe('systemd unit', () => {
  it('renders the unit that runs the core on a node with systemd', () => {
    expect(
      renderSystemdUnit({
        bin: '/usr/local/etc/xkeeper/bin/xray',
        flavor: 'xray',
        remoteDir: '/usr/local/etc/xkeeper',
      }),
    ).toMatchSnapshot();
    expect(renderSystemdUnit({ bin: '/usr/bin/v2ray', flavor: 'v2fly', remoteDir: '/srv/xk' })).toContain(
      'ExecStart=/usr/bin/v2ray -config /srv/xk/config.json',
    );
  });
});
