/**
 * Bulk changes to a core go out from a thread of the pool (src/core/api-thread.ts), so applying
 * thousands of keys does not hold the main thread. A real v2ray is the core, reached as a
 * `direct` node's API is, and through the local core's own adapter.
 */
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CoreApi, CoreApiError } from '../../src/core/api.ts';
import { apiThreadCount, stopApiThreads } from '../../src/core/api-thread.ts';
import type { CoreUser } from '../../src/core/config.ts';
import { createDirectNode } from '../../src/core/direct-node.ts';
import { createCore, type Core } from '../../src/core/index.ts';
import {
  coreConfig,
  desiredState,
  freePort,
  killAllWith,
  makeTempDir,
  removeDir,
  silent,
  uuid,
} from './fixtures.ts';
import path from 'node:path';

/** Users u<from> … u<to - 1>; `shift` gives them other UUIDs. */
function users(from: number, to: number, shift = 0): CoreUser[] {
  return Array.from({ length: to - from }, (_, i) => ({
    name: `u${from + i}`,
    uuid: uuid(from + i + shift),
  }));
}

describe('bulk changes from the API thread pool', () => {
  let dir: string;
  let core: Core;
  let port: number;
  let probe: CoreApi;

  beforeAll(async () => {
    dir = makeTempDir();
    const config = await coreConfig(dir);
    port = config.CORE_API_PORT;
    core = createCore({ config, logger: silent, getDesiredState: () => desiredState() });
    await core.start();
    probe = new CoreApi({ flavor: 'v2fly', port });
  });
  afterAll(async () => {
    probe.close();
    await core.stop();
    killAllWith(path.join(dir, 'core.json'));
    removeDir(dir);
  });

  /** True when the core holds the user: adding it again is refused. */
  async function held(name: string): Promise<boolean> {
    const added = await probe.addUser(name, uuid(999_999));
    if (added.ok) await probe.removeUser(name);
    return !added.ok && added.reason === 'exists';
  }

  it('adds a few users from the main thread, many from a pool thread, leaving the main thread free', async () => {
    const node = createDirectNode({ port, flavor: 'v2fly' });
    try {
      expect((await node.addUsers(users(0, 10))).failed).toEqual([]);
      expect((await node.addUsers(users(10, 20))).failed).toEqual([]);
      expect(apiThreadCount()).toBe(0);
      // A client without bulkInThread makes even a large change itself.
      expect((await probe.addUsers(users(3000, 3200))).every((r) => r.ok)).toBe(true);
      expect(apiThreadCount()).toBe(0);
      await probe.removeUsers(users(3000, 3200).map((u) => u.name));

      expect((await node.addUsers(users(20, 300))).failed).toEqual([]);
      expect(apiThreadCount()).toBe(1);

      const before = performance.eventLoopUtilization();
      const added = await node.addUsers(users(300, 2300));
      const busy = performance.eventLoopUtilization(before).utilization;
      expect(added.failed).toEqual([]);
      // On the main thread the calls kept its loop ~90% busy.
      expect(busy).toBeLessThan(0.5);
      for (const i of [0, 9, 19, 20, 299, 300, 1300, 2299]) expect(await held(`u${i}`)).toBe(true);

      // Users already there are replaced (new UUIDs), removals go out the same way.
      expect((await node.addUsers(users(0, 200, 50_000))).failed).toEqual([]);
      await node.removeUsers(users(0, 2300).map((u) => u.name));
      for (const i of [0, 150, 1300, 2299]) expect(await held(`u${i}`)).toBe(false);
    } finally {
      node.close();
    }
  });

  it('applies a large change to the local core from a pool thread, leaving the main thread free', async () => {
    const many = users(10_000, 12_000);
    const before = performance.eventLoopUtilization();
    const result = await core.apply({ add: many });
    const busy = performance.eventLoopUtilization(before).utilization;
    expect(result.failed).toEqual([]);
    // Made on the main thread, the 2,000 calls kept its loop ~90% busy.
    expect(busy).toBeLessThan(0.5);
    expect(apiThreadCount()).toBeGreaterThan(0);
    for (const i of [10_000, 11_000, 11_999]) expect(await held(`u${i}`)).toBe(true);
    await core.apply({ remove: many.map((u) => u.name) });
    for (const i of [10_000, 11_999]) expect(await held(`u${i}`)).toBe(false);
  });

  it('makes a change whose thread stopped on the main thread, then starts a new one; a core that is down fails as it would on the main thread', async () => {
    const node = createDirectNode({ port, flavor: 'v2fly' });
    const down = createDirectNode({ port: await freePort(), flavor: 'v2fly', timeoutMs: 500 });
    try {
      // Users 5000-5999 first, so the stopped change finds some already there.
      expect((await node.addUsers(users(5000, 6000))).failed).toEqual([]);
      const pending = node.addUsers(users(5000, 8000, 70_000));
      await new Promise((resolve) => setTimeout(resolve, 50));
      stopApiThreads();
      expect(apiThreadCount()).toBe(0);
      expect((await pending).failed).toEqual([]);
      for (const i of [5000, 5999, 6000, 7999]) expect(await held(`u${i}`)).toBe(true);

      expect((await node.addUsers(users(8000, 8200))).failed).toEqual([]);
      expect(apiThreadCount()).toBe(1);
      expect(await held('u8199')).toBe(true);

      const refused = await down.addUsers(users(0, 150)).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(CoreApiError);
      expect((refused as CoreApiError).unavailable).toBe(true);
    } finally {
      node.close();
      down.close();
    }
  });
});
