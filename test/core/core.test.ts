import { spawn } from 'node:child_process';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { chmodSync, existsSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { CoreApi } from '../../src/core/api.ts';
import {
  type Core,
  type CoreAdapterConfig,
  type CoreEvent,
  type CoreUser,
  createCore,
} from '../../src/core/index.ts';
import {
  coreConfig,
  HTTP2_PREFACE,
  counterMap,
  desiredState,
  killAllWith,
  makeTempDir,
  MiB,
  processesWith,
  removeDir,
  silent,
  socksDownload,
  socksExchange,
  startOrigin,
  startVlessClient,
  uuid,
  waitFor,
} from './fixtures.ts';

const SIZE = 8 * MiB;

/** A core adapter with a mutable desired state and a log of its events. */
function harness(config: CoreAdapterConfig, users: CoreUser[] = []) {
  const state = desiredState(users);
  const events: CoreEvent[] = [];
  const core = createCore({
    config,
    logger: silent,
    getDesiredState: () => state,
    onEvent: (event) => events.push(event),
    process: { backoffInitialMs: 200, stopGraceMs: 2_000 },
  });
  return { core, state, events };
}

describe('core adapter on a real v2ray', () => {
  let dir: string;
  let origin: Awaited<ReturnType<typeof startOrigin>>;
  const cleanups: Array<() => Promise<void> | void> = [];

  beforeAll(async () => {
    origin = await startOrigin(SIZE);
  });
  afterAll(() => origin.close());

  beforeEach(() => {
    dir = makeTempDir();
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    killAllWith(path.join(dir, 'core.json'));
    removeDir(dir);
  });

  async function started(users: CoreUser[] = [], overrides: Partial<CoreAdapterConfig> = {}) {
    const h = harness(await coreConfig(dir, overrides), users);
    cleanups.push(() => h.core.stop());
    await h.core.start();
    return h;
  }

  async function client(core: Core, user: CoreUser) {
    const link = core.shareLink(user);
    expect(link).toMatch(/^vless:\/\/.*security=none/);
    const vpn = await startVlessClient(link ?? '', dir);
    cleanups.push(() => vpn.stop());
    return vpn;
  }

  it('adds a key over the API, carries traffic, counts it, and refuses it once removed', async () => {
    const { core, state } = await started();
    const alice = { name: 'alice', uuid: uuid(1) };
    state.users.push(alice);
    expect(await core.apply({ add: [alice] })).toEqual({ status: 'applied', failed: [] });

    const vpn = await client(core, alice);
    expect(await socksDownload(vpn.socksPort, origin)).toBe(SIZE);
    const counters = await counterMap(core);
    expect(counters?.counters.get('user>>>alice>>>traffic>>>downlink')).toBeGreaterThanOrEqual(SIZE);
    expect(counters?.counters.get('user>>>alice>>>traffic>>>uplink')).toBeGreaterThan(0);
    expect(counters?.online).toBeNull();

    state.users.length = 0;
    expect(await core.apply({ remove: ['alice'] })).toEqual({ status: 'applied', failed: [] });
    expect(await socksDownload(vpn.socksPort, origin)).toBe(0);

    const status = await core.status();
    expect(status).toMatchObject({
      flavor: 'v2fly',
      version: '4.34.0',
      running: true,
      available: true,
      users_in_core: 0,
    });
    expect(await core.check()).toMatchObject({ in_sync: true, missing: [], extra: [], changed: [] });
  });

  it('never carries VPN traffic to loopback: not the HTTP API, not the core API (private ranges allowed)', async () => {
    const loopback = http.createServer((_req, res) => res.end('loopback answered'));
    await new Promise<void>((resolve) => loopback.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => loopback.close(() => resolve())));
    const httpPort = (loopback.address() as AddressInfo).port;
    const config = await coreConfig(dir, { BLOCK_PRIVATE_NETWORKS: false });
    const h = harness(config);
    cleanups.push(() => h.core.stop());
    await h.core.start();
    const alice = { name: 'alice', uuid: uuid(1) };
    h.state.users.push(alice);
    await h.core.apply({ add: [alice] });
    const vpn = await client(h.core, alice);

    // The tunnel works (a private test host is allowed with BLOCK_PRIVATE_NETWORKS=false)…
    expect(await socksDownload(vpn.socksPort, origin)).toBe(SIZE);
    // …and both loopback servers answer when asked directly…
    const get = Buffer.from('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    // …but nothing comes back through the tunnel, to 127.0.0.1 or to 0.0.0.0.
    for (const host of ['127.0.0.1', '127.1.2.3', '0.0.0.0']) {
      expect((await socksExchange(vpn.socksPort, { host, port: httpPort }, get)).length).toBe(0);
      expect(
        (await socksExchange(vpn.socksPort, { host, port: config.CORE_API_PORT }, HTTP2_PREFACE)).length,
      ).toBe(0);
    }
    const direct = await new Promise<Buffer>((resolve) => {
      const socket = net.connect(config.CORE_API_PORT, '127.0.0.1', () => socket.write(HTTP2_PREFACE));
      socket.once('data', (chunk: Buffer) => {
        socket.destroy();
        resolve(chunk);
      });
    });
    expect(direct.length).toBeGreaterThan(0);
  });

  it('kicks a key by replacing its UUID: the old link stops, the new one works', async () => {
    const oldKey = { name: 'bob', uuid: uuid(2) };
    const { core, state } = await started([oldKey]);
    const oldVpn = await client(core, oldKey);
    expect(await socksDownload(oldVpn.socksPort, origin)).toBe(SIZE);
    const newKey = { name: 'bob', uuid: uuid(3) };
    state.users.splice(0, 1, newKey);
    expect((await core.apply({ remove: ['bob'], add: [newKey] })).status).toBe('applied');
    expect(await socksDownload(oldVpn.socksPort, origin)).toBe(0);
    const newVpn = await client(core, newKey);
    expect(await socksDownload(newVpn.socksPort, origin)).toBe(SIZE);
  });

  it('comes back within 5 s after kill -9, with the active key working', async () => {
    const carol = { name: 'carol', uuid: uuid(4) };
    const { core, events } = await started([carol]);
    const vpn = await client(core, carol);
    const before = await core.status();
    process.kill(before.pid ?? 0, 'SIGKILL');
    const killedAt = Date.now();
    await waitFor(async () => (await socksDownload(vpn.socksPort, origin, 2_000)) === SIZE, 5_000, 100);
    expect(Date.now() - killedAt).toBeLessThan(5_000);
    const after = await core.status();
    expect(after).toMatchObject({ running: true, restarts: 1 });
    expect(after.pid).not.toBe(before.pid);
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['core.exited', 'core.restarted']));
    expect(processesWith(path.join(dir, 'core.json'))).toHaveLength(1);
  });

  it('re-renders the config on every change so a restart keeps the users', async () => {
    const { core, state } = await started();
    const dave = { name: 'dave', uuid: uuid(5) };
    state.users.push(dave);
    await core.apply({ add: [dave] });
    await core.restart();
    const vpn = await client(core, dave);
    expect(await socksDownload(vpn.socksPort, origin)).toBe(SIZE);
    expect(await core.check()).toMatchObject({ in_sync: true });
  });

  it('reconciles drift: missing keys added, extra ones removed', async () => {
    const { core, state, events } = await started([{ name: 'erin', uuid: uuid(6) }]);
    // The DB changed behind the adapter's back (e.g. the CLI while xkeeper was down).
    state.users.splice(0, 1, { name: 'frank', uuid: uuid(7) });
    expect(await core.check()).toMatchObject({ in_sync: false, missing: ['frank'], extra: ['erin'] });
    expect(await core.sync()).toMatchObject({ status: 'applied', missing: ['frank'], extra: ['erin'] });
    expect(await core.check()).toMatchObject({ in_sync: true });
    expect(events.map((e) => e.type)).toContain('core.drift_fixed');
    const vpn = await client(core, { name: 'frank', uuid: uuid(7) });
    expect(await socksDownload(vpn.socksPort, origin)).toBe(SIZE);
  });

  it('refuses a config the core rejects before installing it, and does not start', async () => {
    const fakeBin = path.join(dir, 'v2ray-refuses');
    writeFileSync(
      fakeBin,
      '#!/bin/sh\nfor a in "$@"; do [ "$a" = "-test" ] && { echo "main: failed to read config files: fake refusal"; exit 23; }; done\nexec /usr/bin/v2ray "$@"\n',
    );
    chmodSync(fakeBin, 0o755);
    const { core, events } = await started([], { CORE_BIN: fakeBin });
    expect(events.map((e) => e.type)).toEqual(['core.config_refused']);
    expect(existsSync(path.join(dir, 'core.json'))).toBe(false);
    const status = await core.status();
    expect(status).toMatchObject({ available: true, running: false, pid: null });
    expect(status.last_error).toMatch(/fake refusal/);
  });

  it('without a binary: starts in "not available" mode, keeps changes pending, applies once a core exists', async () => {
    const bin = path.join(dir, 'bin-later');
    const grace = { name: 'grace', uuid: uuid(8) };
    const { core, state, events } = await started([], { CORE_BIN: bin });
    const status = await core.status();
    expect(status).toMatchObject({ available: false, running: false, flavor: null });
    expect(status.reason).toMatch(/not found/);
    expect(events.map((e) => e.type)).toEqual(['core.not_available']);
    state.users.push(grace);
    expect(await core.apply({ add: [grace] })).toEqual({ status: 'pending', failed: [] });
    expect(await counterMap(core)).toBeNull();
    expect(core.shareLink(grace)).toBeNull();
    expect(await core.sync()).toMatchObject({ status: 'pending', missing: ['grace'] });

    symlinkSync('/usr/bin/v2ray', bin); // the admin installs the core
    expect(await core.sync()).toMatchObject({ status: 'applied' });
    expect(await core.status()).toMatchObject({ available: true, running: true, users_in_core: 1 });
    const vpn = await client(core, grace);
    expect(await socksDownload(vpn.socksPort, origin)).toBe(SIZE);
  });

  it('applies changes that arrive while the core is busy as one batch, later changes winning', async () => {
    const config = await coreConfig(dir);
    const { core } = harness(config);
    cleanups.push(() => core.stop());
    await core.start();
    const calls = vi.spyOn(CoreApi.prototype, 'addUsers');
    cleanups.push(() => calls.mockRestore());
    const users = Array.from({ length: 20 }, (_, i) => ({ name: `burst${i}`, uuid: uuid(100 + i) }));
    // Twenty single creates at once (as concurrent POST /users make them), then a delete of
    // the first while its create still waits: it must end outside the core.
    const results = await Promise.all([
      ...users.map((user) => core.apply({ add: [user] })),
      core.apply({ remove: ['burst0'] }),
    ]);
    expect(results.every((r) => r.status === 'applied' && r.failed.length === 0)).toBe(true);
    expect(calls.mock.calls.length).toBeLessThanOrEqual(2);

    const api = new CoreApi({ flavor: 'v2fly', port: config.CORE_API_PORT });
    cleanups.push(() => api.close());
    const again = await api.addUsers(users.map((user) => ({ name: user.name, uuid: uuid(200) })));
    expect(again.map((r) => r.ok)).toEqual(users.map((user) => user.name === 'burst0'));
  });

  it('rejects invalid users without touching the core', async () => {
    const { core } = await started();
    const result = await core.apply({
      add: [
        { name: 'bad>>>name', uuid: uuid(9) },
        { name: 'x', uuid: 'nope' },
      ],
    });
    expect(result.status).toBe('applied');
    expect(result.failed.map((f) => f.name)).toEqual(['bad>>>name', 'x']);
  });
});

describe('core adapter after an xkeeper crash', () => {
  let dir: string;
  afterEach(() => {
    killAllWith(path.join(dir, 'core.json'));
    removeDir(dir);
  });

  /** Runs an adapter in another process, then kills that process with -9: its core stays. */
  async function crashedXkeeper(config: CoreAdapterConfig, users: CoreUser[]): Promise<number> {
    const runner = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        path.join(import.meta.dirname, 'orphan-runner.ts'),
        JSON.stringify({ config, state: desiredState(users) }),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let output = '';
    runner.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const pid = await waitFor(() => Number(/READY (\d+)/.exec(output)?.[1] ?? 0), 15_000);
    const exited = new Promise((resolve) => runner.once('exit', resolve));
    runner.kill('SIGKILL');
    await exited;
    return pid;
  }

  it('adopts an orphan running the current settings, after its counters were read', async () => {
    dir = makeTempDir();
    const config = await coreConfig(dir);
    const users = [{ name: 'heidi', uuid: uuid(10) }];
    const orphanPid = await crashedXkeeper(config, users);
    expect(processesWith(path.join(dir, 'core.json'))).toEqual([orphanPid]);

    const { core, events } = harness(config, users);
    try {
      expect(await core.findOrphan()).toMatchObject({ pid: orphanPid, current: true });
      const counters = await counterMap(core);
      expect(counters?.uptimeSeconds).toBeGreaterThanOrEqual(0);
      await core.start();
      expect(await core.status()).toMatchObject({ pid: orphanPid, running: true, restarts: 0 });
      expect(events.map((e) => e.type)).toEqual(['core.adopted']);
      expect(await core.check()).toMatchObject({ in_sync: true });
      expect(processesWith(path.join(dir, 'core.json'))).toEqual([orphanPid]);
      // The adopted core dies: the supervisor starts its own, as for a child.
      process.kill(orphanPid, 'SIGKILL');
      const restarted = await waitFor(async () => {
        const status = await core.status();
        return status.running && status.pid !== orphanPid ? status : null;
      }, 5_000);
      expect(restarted.restarts).toBe(1);
      expect(await core.check()).toMatchObject({ in_sync: true });
      expect(processesWith(path.join(dir, 'core.json'))).toEqual([restarted.pid]);
    } finally {
      await core.stop();
    }
    expect(processesWith(path.join(dir, 'core.json'))).toEqual([]);
  });

  it('replaces an orphan running other settings, never two cores at once', async () => {
    dir = makeTempDir();
    const config = await coreConfig(dir);
    const orphanPid = await crashedXkeeper({ ...config, BLOCK_PRIVATE_NETWORKS: true }, []);
    const { core, events } = harness(config, [{ name: 'ivan', uuid: uuid(11) }]);
    try {
      expect(await core.findOrphan()).toMatchObject({ pid: orphanPid, current: false });
      await core.start();
      const status = await core.status();
      expect(status.pid).not.toBe(orphanPid);
      expect(status).toMatchObject({ running: true, users_in_core: 1 });
      expect(processesWith(path.join(dir, 'core.json'))).toEqual([status.pid]);
      expect(events.map((e) => e.type)).toEqual(['core.orphan_replaced']);
    } finally {
      await core.stop();
    }
  });
});
