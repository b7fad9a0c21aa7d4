import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CoreApi, CoreApiError, mapLimit } from '../../src/core/api.ts';
import { renderCoreConfig } from '../../src/core/config.ts';
import { freePort, makeTempDir, removeDir, uuid, V2RAY, waitFor } from './fixtures.ts';

describe('CoreApi against v2ray 4.34', () => {
  let dir: string;
  let file: string;
  let apiPort: number;
  let core: ChildProcess;
  let api: CoreApi;

  const startCore = async () => {
    core = spawn(V2RAY, ['-config', file], { stdio: 'ignore' });
    await waitFor(() => api.getSysStats(), 5_000);
  };
  const killCore = async () => {
    const exited = new Promise((resolve) => core.once('exit', resolve));
    core.kill('SIGKILL');
    await exited;
  };

  beforeAll(async () => {
    dir = makeTempDir();
    file = path.join(dir, 'core.json');
    apiPort = await freePort();
    const settings = {
      flavor: 'v2fly' as const,
      apiPort,
      vlessPort: await freePort(),
      reality: { privateKey: '', shortIds: [], sni: '', target: '' },
      blockPrivateNetworks: false,
      logLevel: 'warning' as const,
    };
    writeFileSync(
      file,
      JSON.stringify(renderCoreConfig({ settings, users: [{ name: 'seed', uuid: uuid(0) }] })),
    );
    api = new CoreApi({ flavor: 'v2fly', port: apiPort, timeoutMs: 2_000 });
    await startCore();
  });

  afterAll(async () => {
    api.close();
    await killCore();
    removeDir(dir);
  });

  it('adds and removes users with typed refusals', async () => {
    expect(await api.addUser('alice', uuid(1))).toEqual({ ok: true });
    const again = await api.addUser('ALICE', uuid(1));
    expect(again).toMatchObject({ ok: false, reason: 'exists' });
    expect(await api.removeUser('Alice')).toEqual({ ok: true });
    const gone = await api.removeUser('alice');
    expect(gone).toMatchObject({ ok: false, reason: 'not_found' });
    expect(await api.removeUser('seed')).toEqual({ ok: true });
  });

  it('adds and removes in bulk with bounded concurrency', async () => {
    const users = Array.from({ length: 300 }, (_, i) => ({ name: `bulk-${i}`, uuid: uuid(1000 + i) }));
    const added = await api.addUsers(users, 16);
    expect(added.every((r) => r.ok)).toBe(true);
    const dupes = await api.addUsers(users.slice(0, 3), 2);
    expect(dupes.map((r) => !r.ok && r.reason)).toEqual(['exists', 'exists', 'exists']);
    const removed = await api.removeUsers(
      users.map((u) => u.name),
      16,
    );
    expect(removed.every((r) => r.ok)).toBe(true);
  });

  it('reads stats and system stats', async () => {
    const stats = await api.queryStats('inbound>>>');
    expect(stats.map((s) => s.name)).toContain('inbound>>>api>>>traffic>>>uplink');
    for (const stat of stats) expect(typeof stat.value).toBe('number');
    expect(await api.queryStats('user>>>nobody')).toEqual([]);
    const sys = await api.getSysStats();
    expect(sys.memoryBytes).toBeGreaterThan(1_000_000);
    expect(sys.uptimeSeconds).toBeGreaterThanOrEqual(0);
  });

  it('reports Xray-only features as not available', async () => {
    expect(await api.listUsers()).toMatchObject({ available: false });
    expect(await api.countUsers()).toMatchObject({ available: false });
    expect(await api.onlineUsers()).toMatchObject({ available: false });
  });

  it('fails fast while the core is down and reconnects after a restart', async () => {
    await killCore();
    const error = await api.getSysStats().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CoreApiError);
    expect((error as CoreApiError).unavailable).toBe(true);
    core = spawn(V2RAY, ['-config', file], { stdio: 'ignore' });
    api.reconnect();
    const sys = await waitFor(() => api.getSysStats(), 5_000);
    expect(sys.uptimeSeconds).toBeLessThan(5);
  });
});

describe('mapLimit', () => {
  it('keeps order and never exceeds the limit', async () => {
    let inFlight = 0;
    let peak = 0;
    const out = await mapLimit([5, 1, 4, 2, 3, 0, 6], 3, async (n) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((resolve) => setTimeout(resolve, n * 3));
      inFlight--;
      return n * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30, 0, 60]);
    expect(peak).toBe(3);
    expect(await mapLimit([], 4, async () => 1)).toEqual([]);
  });
});
