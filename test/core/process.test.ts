import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { renderCoreConfig, serializeCoreConfig } from '../../src/core/config.ts';
import type { CoreEvent } from '../../src/core/events.ts';
import type { Flavor } from '../../src/core/flavor.ts';
import { readPidFile, writePidFile } from '../../src/core/pid-file.ts';
import { CoreProcess, type CoreProcessOptions } from '../../src/core/process.ts';
import {
  canConnect,
  freePort,
  killAllWith,
  makeTempDir,
  processesWith,
  removeDir,
  silent,
  V2RAY,
  waitFor,
} from './fixtures.ts';

const flavor: Flavor = { available: true, name: 'v2fly', version: '4.34.0', bin: V2RAY };

describe('CoreProcess (real v2ray)', () => {
  let dir: string;
  let configPath: string;
  let apiPort: number;
  let events: CoreEvent[];
  const supervisors: CoreProcess[] = [];

  const supervisor = (overrides: Partial<CoreProcessOptions> = {}) => {
    const proc = new CoreProcess({
      flavor,
      configPath,
      pidPath: path.join(dir, 'core.pid'),
      logPath: path.join(dir, 'core.log'),
      logger: silent,
      onEvent: (event) => events.push(event),
      onStarted: () => undefined,
      backoffInitialMs: 100,
      stopGraceMs: 2_000,
      ...overrides,
    });
    supervisors.push(proc);
    return proc;
  };

  beforeEach(async () => {
    dir = makeTempDir();
    configPath = path.join(dir, 'core.json');
    apiPort = await freePort();
    events = [];
    const settings = {
      flavor: 'v2fly' as const,
      apiPort,
      vlessPort: await freePort(),
      reality: { privateKey: '', shortIds: [], sni: '', target: '' },
      blockPrivateNetworks: false,
      logLevel: 'warning' as const,
    };
    writeFileSync(configPath, serializeCoreConfig(renderCoreConfig({ settings, users: [] })));
  });

  afterEach(async () => {
    for (const proc of supervisors.splice(0)) await proc.stop();
    killAllWith(configPath);
    removeDir(dir);
  });

  it('starts with a pid file, stops with SIGTERM and removes it', async () => {
    const proc = supervisor();
    await proc.start('hash-1');
    expect(proc.state).toBe('running');
    const pid = proc.pid;
    expect(await readPidFile(path.join(dir, 'core.pid'))).toMatchObject({
      pid,
      configHash: 'hash-1',
      configPath,
    });
    await waitFor(() => canConnect(apiPort));
    await proc.stop();
    expect(proc.state).toBe('stopped');
    expect(processesWith(configPath)).toEqual([]);
    expect(existsSync(path.join(dir, 'core.pid'))).toBe(false);
  });

  it('restarts after an unexpected exit, with backoff', async () => {
    const started: number[] = [];
    const proc = supervisor({ onStarted: (pid) => started.push(pid) });
    await proc.start('h');
    const first = proc.pid ?? 0;
    process.kill(first, 'SIGKILL');
    // onStarted follows the pid by a tick or two: wait for both, not only the new pid.
    await waitFor(() => proc.running && proc.pid !== first && started.length === 2, 3_000);
    expect(proc.restarts).toBe(1);
    expect(started).toHaveLength(2);
    expect(events.map((e) => e.type)).toEqual(['core.exited', 'core.restarted']);
    expect(events[0]?.data).toMatchObject({ signal: 'SIGKILL', restart_in_ms: 100 });
    // The second failure in a row waits twice as long.
    process.kill(proc.pid ?? 0, 'SIGKILL');
    await waitFor(() => events.length === 3);
    expect(events[2]?.data).toMatchObject({ restart_in_ms: 200 });
    await waitFor(() => proc.running, 3_000);
    expect(processesWith(configPath)).toHaveLength(1);
  });

  it('still watches a core whose pid file cannot be written', async () => {
    const proc = supervisor({ pidPath: path.join(dir, 'missing', 'core.pid') });
    await expect(proc.start('h')).rejects.toThrow(/ENOENT/);
    const pid = proc.pid!;
    process.kill(pid, 'SIGKILL');
    await waitFor(() => events.some((e) => e.type === 'core.exited'), 5_000);
    expect(events.find((e) => e.type === 'core.exited')).toMatchObject({ data: { signal: 'SIGKILL' } });
  });

  it('does not loop on a config the core refuses (exit 23)', async () => {
    writeFileSync(configPath, JSON.stringify({ inbounds: [{ port: 1, protocol: 'no-such-protocol' }] }));
    const proc = supervisor();
    await proc.start('h');
    await waitFor(() => proc.state === 'failed', 5_000);
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(proc.restarts).toBe(0);
    expect(events.map((e) => e.type)).toEqual(['core.config_refused']);
    expect(events[0]).toMatchObject({ severity: 'critical', data: { exit_code: 23 } });
    expect(proc.lastError).toMatch(/no-such-protocol/);
    expect(existsSync(path.join(dir, 'core.pid'))).toBe(false);
  });

  it('stops a recorded stray core before starting, so only one holds the ports', async () => {
    // A core left by a crashed xkeeper: running, recorded in the pid file, nobody's child here.
    const stray = spawn(V2RAY, ['-config', configPath], { stdio: 'ignore', detached: true });
    stray.unref();
    const strayPid = stray.pid ?? 0;
    await writePidFile(path.join(dir, 'core.pid'), {
      pid: strayPid,
      configHash: 'old',
      bin: V2RAY,
      configPath,
      startedAt: new Date().toISOString(),
    });
    await waitFor(() => canConnect(apiPort));
    const proc = supervisor();
    expect(await proc.findOrphan()).toMatchObject({ pid: strayPid, configHash: 'old' });
    await proc.start('new');
    expect(proc.pid).not.toBe(strayPid);
    expect(processesWith(configPath)).toEqual([proc.pid]);
    expect(events.map((e) => e.type)).toEqual(['core.orphan_replaced']);
    await waitFor(() => canConnect(apiPort));
  });

  it('ignores a pid file whose process is gone or is another program', async () => {
    await writePidFile(path.join(dir, 'core.pid'), {
      pid: process.pid, // alive, but not a core with this config
      configHash: 'x',
      bin: V2RAY,
      configPath,
      startedAt: '',
    });
    expect(await supervisor().findOrphan()).toBeNull();
  });
});
