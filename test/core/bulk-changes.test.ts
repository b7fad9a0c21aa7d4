/**
 * Bulk key changes on the product as shipped (a child process, the real managed core): a
 * batch reaches the core as one change and the config file is written once after a burst,
 * without the core's `-test` when only users changed. The database stays the truth: killed
 * with -9 in the middle of batches, the product comes back with every committed key in the
 * core and in the config file, and no deleted or uncommitted one left in the core.
 */
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { CoreApi } from '../../src/core/api.ts';
import { usersOfConfig } from '../../src/core/config.ts';
import { openDatabase } from '../../src/db/client.ts';
import { productEnv, seedApiKey, startProduct, type RunningProduct } from '../helpers/product.ts';
import { tempDir } from '../helpers/db.ts';
import { waitFor } from './fixtures.ts';

interface BatchAnswer {
  results: Array<{ ok: boolean; username: string | null; user?: { uuid: string } }>;
}

describe('bulk key changes on the real core', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  afterAll(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function setup(env: Record<string, string> = {}) {
    const tmp = tempDir('xk-bulk-');
    cleanups.push(() => tmp.cleanup());
    const apiKey = seedApiKey(tmp.dir);
    const product = await productEnv(tmp.dir, env);
    cleanups.push(() => product.close());
    const api = new CoreApi({ flavor: 'v2fly', port: Number(product.vars.CORE_API_PORT) });
    cleanups.push(() => api.close());
    const call = (method: string, route: string, body?: unknown) =>
      fetch(`${product.url}/api/v1${route}`, {
        method,
        headers: { 'x-api-key': apiKey, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
    const start = async () => {
      const running = await startProduct(product.vars, product.url);
      cleanups.push(() => running.stop());
      return running;
    };
    return { dir: tmp.dir, product, api, call, start };
  }

  const configUsers = (dir: string) =>
    usersOfConfig(JSON.parse(readFileSync(path.join(dir, 'core.json'), 'utf8')) as Record<string, unknown>);

  it(
    'applies a batch of 100 keys as one change: no `-test` per key, one config write',
    { timeout: 60_000 },
    async () => {
      const log = path.join(tempDir('xk-bin-').dir, 'calls.log');
      const bin = path.join(path.dirname(log), 'v2ray');
      writeFileSync(bin, `#!/bin/sh\necho "$*" >> ${log}\nexec /usr/bin/v2ray "$@"\n`);
      chmodSync(bin, 0o755);
      const { dir, api, call, start } = await setup({ CORE_BIN: bin });
      await start();
      const tests = () =>
        readFileSync(log, 'utf8')
          .split('\n')
          .filter((line) => line.includes('-test')).length;
      const testsAtStart = tests();

      const items = Array.from({ length: 100 }, (_, i) => ({ username: `bulk${i}` }));
      const res = await call('POST', '/users/batch', { items });
      expect(res.status).toBe(200);
      const answer = (await res.json()) as BatchAnswer;
      expect(answer.results.every((r) => r.ok)).toBe(true);

      // Every key is in the core at once: adding it again is refused as existing.
      const again = await api.addUsers(
        items.map((item) => ({ name: item.username, uuid: crypto.randomUUID() })),
      );
      expect(again.filter((r) => r.ok)).toEqual([]);
      // The config file follows within the write delay, with the keys' UUIDs.
      const expected = answer.results.map((r) => ({ name: r.username, uuid: r.user?.uuid }));
      await waitFor(() => configUsers(dir).length === 100, 5_000);
      expect(configUsers(dir)).toEqual(expect.arrayContaining(expected));
      // Only users changed: the core's config test never ran for them.
      expect(tests()).toBe(testsAtStart);
    },
  );

  it(
    'after kill -9 in the middle of batches, every committed key is in the core and the file, no other',
    { timeout: 120_000 },
    async () => {
      const { dir, api, call, start } = await setup();
      let running: RunningProduct = await start();
      const attempted = new Set<string>();
      for (let round = 0; round < 3; round++) {
        let stop = false;
        const worker = async (w: number) => {
          for (let n = 0; !stop; n++) {
            const names = Array.from({ length: 50 }, (_, i) => `r${round}w${w}n${n}i${i}`);
            names.forEach((name) => attempted.add(name));
            const created = await call('POST', '/users/batch', {
              items: names.map((username) => ({ username })),
            })
              .then((res) => res.ok)
              .catch(() => false);
            if (!created) return;
            // Half of them go again at once: deletes in flight when the process dies.
            for (const name of names.slice(0, 25)) {
              if (!(await call('DELETE', `/users/${name}`).catch(() => null))) return;
            }
          }
        };
        const workers = [0, 1, 2].map(worker);
        await new Promise((resolve) => setTimeout(resolve, 800 + Math.random() * 700));
        await running.kill9();
        stop = true;
        await Promise.all(workers);
        running = await start();
      }

      const db = openDatabase(path.join(dir, 'xkeeper.db'));
      const active = db.$client
        .prepare("SELECT name, uuid FROM keys WHERE status IN ('active', 'on_hold')")
        .all() as Array<{ name: string; uuid: string }>;
      db.$client.close();
      expect(active.length).toBeGreaterThan(50);
      // In the core: adding a committed key again is refused; removing any other finds nothing.
      const again = await api.addUsers(active.map((key) => ({ name: key.name, uuid: crypto.randomUUID() })));
      expect(active.filter((_, i) => again[i]?.ok).map((key) => key.name)).toEqual([]);
      const activeNames = new Set(active.map((key) => key.name));
      const others = [...attempted].filter((name) => !activeNames.has(name));
      expect(others.length).toBeGreaterThan(0);
      const removed = await api.removeUsers(others);
      expect(others.filter((_, i) => removed[i]?.ok)).toEqual([]);
      // In the config file: exactly the committed keys.
      const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
      expect(configUsers(dir).sort(byName)).toEqual([...active].sort(byName));
    },
  );
});
