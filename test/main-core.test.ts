/** The whole app with the real core: the CLI hands commands to it and the core follows at once. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { startApp } from '../src/main.ts';
import { runCli } from './helpers/cli.ts';
import { createFakeTelegram, type FakeTelegram } from './helpers/fake-telegram.ts';
import { silentLogger, tempDir, TEST_TOKEN } from './helpers/db.ts';
import { freePort } from './helpers/ports.ts';

describe('xkeeper running with the real core', () => {
  let fake: FakeTelegram;
  let stop: () => Promise<void>;
  let port: number;
  const tmp = tempDir();
  let env: Record<string, string>;

  beforeAll(async () => {
    fake = await createFakeTelegram();
    port = await freePort();
    env = {
      BOT_TOKEN: TEST_TOKEN,
      TELEGRAM_API_ROOT: fake.apiRoot,
      DATA_DIR: tmp.dir,
      HTTP_PORT: String(port),
      CORE_BIN: 'v2ray',
      CORE_API_PORT: String(await freePort()),
      VLESS_PORT: String(await freePort()),
      BLOCK_PRIVATE_NETWORKS: 'false',
      LOG_LEVEL: 'silent',
    };
    stop = await startApp(loadConfig(env, { dotenv: false }), silentLogger);
  });
  afterAll(async () => {
    await stop();
    await fake.close();
    tmp.cleanup();
  });

  it('reports the running core in health and `core status`', async () => {
    const health = (await (await fetch(`http://127.0.0.1:${port}/api/v1/health`)).json()) as {
      core: { running: boolean; flavor: string };
    };
    expect(health.core).toMatchObject({ running: true, flavor: 'v2fly' });
    const status = await runCli(['core', 'status', '--json'], env);
    expect(status.code).toBe(0);
    expect(status.json()).toMatchObject({
      flavor: 'v2fly',
      running: true,
      users_in_core: 0,
      xkeeper_running: true,
    });
    const human = await runCli(['core', 'status'], env);
    expect(human.stdout).toMatch(/^core {2}running\n/);
    expect(human.stdout).toMatch(/\n {2}xkeeper +running/);
    expect(human.stdout).toMatch(/\n {2}core +v2fly /);
  });

  it('applies `key create` / `key kick` / `key delete` from the CLI to the live core', async () => {
    const created = await runCli(
      ['key', 'create', 'cli-user', '--traffic-gb', '0.5', '--days', '30', '--json'],
      env,
    );
    expect(created.code).toBe(0);
    const user = created.json();
    expect(user).toMatchObject({ username: 'cli-user', status: 'active', traffic_limit_bytes: 2 ** 29 });
    expect(user.links[0]).toContain(user.uuid);
    expect((await runCli(['core', 'check', '--json'], env)).json()).toMatchObject({ in_sync: true });
    expect((await runCli(['core', 'status', '--json'], env)).json()).toMatchObject({ users_in_core: 1 });

    const kicked = (await runCli(['key', 'kick', 'cli-user', '--json'], env)).json();
    expect(kicked.uuid).not.toBe(user.uuid);
    expect((await runCli(['core', 'check', '--json'], env)).json()).toMatchObject({ in_sync: true });

    expect((await runCli(['key', 'delete', 'cli-user', '--json'], env)).code).toBe(0);
    expect((await runCli(['core', 'status', '--json'], env)).json()).toMatchObject({ users_in_core: 0 });
    expect((await runCli(['key', 'show', 'cli-user', '--json'], env)).code).toBe(1);
  });

  it('takes a backup and restores it through the running instance', async () => {
    await runCli(['key', 'create', 'keeper', '--json'], env);
    const backup = await runCli(['backup', '--json'], env);
    expect(backup.code).toBe(0);
    const { file } = backup.json();
    await runCli(['key', 'delete', 'keeper', '--json'], env);
    const preview = await runCli(['restore', file, '--json'], env);
    expect(preview.code).toBe(2); // no --yes: nothing changes
    expect((await runCli(['key', 'show', 'keeper', '--json'], env)).code).toBe(1);
    const restored = await runCli(['restore', file, '--yes', '--json'], env);
    expect(restored.code).toBe(0);
    expect((await runCli(['key', 'show', 'keeper', '--json'], env)).json()).toMatchObject({
      username: 'keeper',
    });
    expect((await runCli(['core', 'check', '--json'], env)).json()).toMatchObject({ in_sync: true });
  });
});
