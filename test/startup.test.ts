/**
 * Start-up and shutdown of the built product (`npm start`) with the real core, as an operator
 * on a host that cannot reach Telegram meets them: the VPN, its accounting and limits, health,
 * metrics and the API serve while the Bot API is unreachable; the bot comes up once it is
 * reachable; a second start on the same DATA_DIR leaves the first alone; SIGTERM stops all.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  makeTempDir,
  MiB,
  removeDir,
  socksDownload,
  startOrigin,
  startVlessClient,
} from './core/fixtures.ts';
import { runCli } from './helpers/cli.ts';
import { createFakeTelegram, type FakeTelegram } from './helpers/fake-telegram.ts';
import { tempDir, TEST_TOKEN } from './helpers/db.ts';
import { freePort } from './helpers/ports.ts';
import { groupAlive, processAlive as coreAlive } from './helpers/process.ts';

const ROOT = new URL('..', import.meta.url).pathname;
const INTERVAL_S = 3;
/** The pid of the node process behind `npm start`, from its log lines. */
function mainPid(stdout: string): number {
  return logLines(stdout)[0]!.pid as number;
}

/** `npm start` in its own process group, output collected. */
function npmStart(env: Record<string, string>) {
  const child = spawn('npm', ['start'], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TELEGRAM_PROXY: '', HTTPS_PROXY: '', ...env },
  });
  const out = { stdout: '', stderr: '' };
  child.stdout!.on('data', (chunk: Buffer) => (out.stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (out.stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, out, exited };
}

/** The JSON log lines of `text`. */
function logLines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(100);
  }
}

describe('npm start while Telegram is unreachable', () => {
  const tmp = tempDir();
  const clientDir = makeTempDir();
  let telegramPort: number;
  let port: number;
  let env: Record<string, string>;
  let app: ReturnType<typeof npmStart>;
  let fake: FakeTelegram | undefined;
  let apiKey: string;
  const base = () => `http://127.0.0.1:${port}`;
  const health = async () =>
    (await (await fetch(`${base()}/api/v1/health`)).json()) as {
      status: string;
      telegram: string;
      core: { running: boolean; pid: number };
    };
  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${base()}/api/v1${path}`, {
      ...init,
      headers: { 'x-api-key': apiKey, 'content-type': 'application/json' },
    });

  beforeAll(async () => {
    telegramPort = await freePort(); // nothing listens there: connections are refused
    port = await freePort();
    env = {
      BOT_TOKEN: TEST_TOKEN,
      TELEGRAM_API_ROOT: `http://127.0.0.1:${telegramPort}`,
      DATA_DIR: tmp.dir,
      HTTP_PORT: String(port),
      CORE_BIN: 'v2ray',
      CORE_API_PORT: String(await freePort()),
      VLESS_PORT: String(await freePort()),
      BLOCK_PRIVATE_NETWORKS: 'false',
      STATS_INTERVAL_SECONDS: String(INTERVAL_S),
      LOG_LEVEL: 'info',
    };
    app = npmStart(env);
  }, 60_000);

  afterAll(async () => {
    if (groupAlive(app.child.pid!)) process.kill(-app.child.pid!, 'SIGKILL');
    await fake?.close();
    removeDir(clientDir);
    tmp.cleanup();
  });

  it('serves health, metrics and the API with the core while the bot waits, saying what is down', async () => {
    const body = await until(
      'health with telegram unreachable',
      async () => {
        if (app.child.exitCode !== null) throw new Error(`exited: ${app.out.stderr}`);
        const h = await health();
        return h.telegram === 'unreachable' ? h : undefined;
      },
      90_000,
    );
    expect(body).toMatchObject({ status: 'degraded', telegram: 'unreachable', core: { running: true } });
    expect((await fetch(`${base()}/api/v1/health`)).status).toBe(200);
    const metrics = await (await fetch(`${base()}/metrics`)).text();
    expect(metrics).toMatch(/^xkeeper_telegram_up 0$/m);
    expect(metrics).toMatch(/^xkeeper_core_up 1$/m);

    const created = await runCli(['apikey', 'create', '--name', 'ops', '--scopes', 'users:*', '--json'], env);
    expect(created.code).toBe(0);
    apiKey = created.json<{ key: string }>().key;
  }, 120_000);

  it('logs one line per failed attempt with the reason and the next try, and the hint once', async () => {
    await until(
      'two failed attempts',
      async () => {
        const attempts = logLines(app.out.stdout).filter((l) =>
          String(l.msg).startsWith('cannot reach Telegram'),
        );
        return attempts.length >= 2 ? attempts : undefined;
      },
      10_000,
    );
    const lines = logLines(app.out.stdout);
    const attempts = lines.filter((l) => String(l.msg).startsWith('cannot reach Telegram'));
    for (const line of attempts) {
      expect(line).toMatchObject({ level: 40, reason: `connect ECONNREFUSED 127.0.0.1:${telegramPort}` });
      expect(line.retry_in_s).toBeLessThanOrEqual(60);
      expect(String(line.msg)).toMatch(/next try in [\d.]+ s/);
      expect(JSON.stringify(line)).not.toContain(TEST_TOKEN);
    }
    expect(lines.filter((l) => String(l.msg).includes('TELEGRAM_PROXY'))).toHaveLength(1);
    expect(lines.map((l) => l.msg)).toContain('xkeeper started');
  });

  it('writes logs an operator can read', () => {
    const raw = app.out.stdout.split('\n').filter((line) => line.startsWith('{'));
    for (const line of raw) {
      expect(line.match(/"pid":/g)?.length ?? 0).toBeLessThanOrEqual(1);
      expect(line.match(/"component":/g)?.length ?? 0).toBeLessThanOrEqual(1);
    }
    const lines = logLines(app.out.stdout);
    const started = lines.find((l) => l.msg === 'core started');
    expect(started).toMatchObject({ level: 30, core_pid: expect.any(Number) });
    // The core's banner is debug; its "[Warning] … started" notice is info.
    expect(lines.some((l) => String(l.msg).includes('A unified platform'))).toBe(false);
    expect(lines.find((l) => /V2Ray \S+ started$/.test(String(l.msg)))).toMatchObject({ level: 30 });
    expect(lines.some((l) => String(l.msg).includes('core restarted since the last collection'))).toBe(false);
    // The traps of this set-up, each said once.
    for (const trap of [
      'KEY_REQUEST_POLICY=approval',
      'PUBLIC_URL is not set',
      'VLESS_HOST not set',
      'V2Fly core instead of Xray',
    ]) {
      expect(lines.filter((l) => l.level === 40 && String(l.msg).includes(trap))).toHaveLength(1);
    }
  });

  it('limits a key over its quota within two collection intervals, Telegram still down', async () => {
    const res = await api('/users', {
      method: 'POST',
      body: JSON.stringify({ username: 'capped', traffic_limit_gb: 1 / 1024 }), // 1 MiB
    });
    expect(res.status).toBe(201);
    const user = (await res.json()) as { links: string[] };
    const origin = await startOrigin(3 * MiB);
    const vpn = await startVlessClient(user.links[0]!, clientDir);
    try {
      expect(await socksDownload(vpn.socksPort, origin)).toBeGreaterThanOrEqual(3 * MiB);
      const moved = Date.now();
      await until(
        'the key limited',
        async () =>
          ((await (await api('/users/capped')).json()) as { status: string }).status === 'limited' ||
          undefined,
        4 * INTERVAL_S * 1000,
      );
      const seconds = (Date.now() - moved) / 1000;
      console.log(`time to limited with Telegram down: ${seconds.toFixed(1)} s (interval ${INTERVAL_S} s)`);
      expect(seconds).toBeLessThanOrEqual(2 * INTERVAL_S);
      expect((await health()).telegram).toBe('unreachable');
    } finally {
      await vpn.stop();
      await origin.close();
    }
  }, 60_000);

  it('refuses a second start on the same DATA_DIR without touching the first', async () => {
    const res = await api('/users', { method: 'POST', body: JSON.stringify({ username: 'streamer' }) });
    const user = (await res.json()) as { links: string[] };
    const corePid = (await health()).core.pid;
    const origin = await startOrigin(8 * MiB, { seconds: 15 });
    const vpn = await startVlessClient(user.links[0]!, clientDir);
    try {
      const stream = socksDownload(vpn.socksPort, origin, 10_000);
      await delay(1_000);
      const second = npmStart({ ...env, HTTP_PORT: String(await freePort()) });
      expect(await second.exited).toBe(1);
      const lines = second.out.stderr.split('\n').filter((l) => l.startsWith('xkeeper:'));
      expect(lines).toEqual([
        `xkeeper: xkeeper is already running on DATA_DIR (pid ${mainPid(app.out.stdout)})`,
      ]);
      expect(second.out.stdout).not.toMatch(/"msg"/); // nothing of the app started
      // The whole body arrived (the count includes the response head): the stream went on to its end.
      expect(await stream).toBeGreaterThanOrEqual(8 * MiB);
      const after = await health();
      expect(after.core.pid).toBe(corePid);
      expect(after.core.running).toBe(true);
    } finally {
      await vpn.stop();
      await origin.close();
    }
  }, 90_000);

  it('brings the bot up as soon as the Bot API answers on that address', async () => {
    fake = await createFakeTelegram({ port: telegramPort });
    const body = await until(
      'telegram ok',
      async () => ((await health()).telegram === 'ok' ? await health() : undefined),
      70_000,
    );
    expect(body).toMatchObject({ status: 'ok', core: { running: true } });
    expect(await (await fetch(`${base()}/metrics`)).text()).toMatch(/^xkeeper_telegram_up 1$/m);
    fake.sendCommand({ id: 8, first_name: 'Ivan' }, '/start');
    expect((await fake.waitForReply(8, { timeoutMs: 15_000 })).params.text).toMatch(/Ivan/);
  }, 90_000);

  it('says when the bot loses Telegram after connecting, and when Telegram is back', async () => {
    const created = await runCli(
      ['apikey', 'create', '--name', 'stats', '--scopes', 'stats:read', '--json'],
      env,
    );
    const statsKey = created.json<{ key: string }>().key;
    const events = async (type: string) =>
      (
        (await (
          await fetch(`${base()}/api/v1/events?type=${type}`, { headers: { 'x-api-key': statsKey } })
        ).json()) as { items: { severity: string; data: Record<string, unknown> }[] }
      ).items;
    const metrics = async () => await (await fetch(`${base()}/metrics`)).text();
    expect((await health()).telegram).toBe('ok');

    /** The health body once `telegram` says `value`, and how long that took. */
    const healthWhen = async (value: string) => {
      const since = Date.now();
      const body = await until(
        `telegram ${value}`,
        async () => {
          const h = await health();
          return h.telegram === value ? h : undefined;
        },
        30_000,
      );
      return { body, seconds: (Date.now() - since) / 1000 };
    };

    await fake!.close();
    const { body: down, seconds: toLost } = await healthWhen('unreachable');
    console.log(`Telegram loss noticed in ${toLost.toFixed(1)} s`);
    expect(toLost).toBeLessThan(20);
    expect(down).toMatchObject({ status: 'degraded', telegram: 'unreachable', core: { running: true } });
    expect((await fetch(`${base()}/api/v1/health`)).status).toBe(200);
    expect(await metrics()).toMatch(/^xkeeper_telegram_up 0$/m);
    expect(await metrics()).toMatch(/^xkeeper_core_up 1$/m);
    await delay(7_000); // more retries fail meanwhile: still one line and one event
    expect((await health()).telegram).toBe('unreachable');

    fake = await createFakeTelegram({ port: telegramPort });
    const { body: up, seconds: toBack } = await healthWhen('ok');
    console.log(`Telegram return noticed in ${toBack.toFixed(1)} s`);
    expect(toBack).toBeLessThan(10);
    expect(up).toMatchObject({ status: 'ok', core: { running: true } });
    expect(await metrics()).toMatch(/^xkeeper_telegram_up 1$/m);
    fake.sendCommand({ id: 9, first_name: 'Olga' }, '/start');
    expect((await fake.waitForReply(9, { timeoutMs: 15_000 })).params.text).toMatch(/Olga/);

    // One log line per change, not one per retry.
    const lines = logLines(app.out.stdout);
    const lost = lines.filter((l) => String(l.msg).startsWith('lost Telegram'));
    expect(lost).toEqual([
      expect.objectContaining({ level: 40, reason: `connect ECONNREFUSED 127.0.0.1:${telegramPort}` }),
    ]);
    expect(lines.filter((l) => String(l.msg).startsWith('Telegram answers again'))).toEqual([
      expect.objectContaining({ level: 30, down_s: expect.any(Number) }),
    ]);
    expect(app.out.stderr).not.toContain('grammY runner');
    expect(await events('telegram.lost')).toEqual([
      expect.objectContaining({
        severity: 'warning',
        data: { reason: expect.stringContaining('ECONNREFUSED') },
      }),
    ]);
    const [restored, ...more] = await events('telegram.restored');
    expect(more).toEqual([]);
    expect(restored!.data.seconds).toBeGreaterThanOrEqual(7);
  }, 120_000);

  it('stops everything on SIGTERM within 5 s', async () => {
    const corePid = (await health()).core.pid;
    const sent = Date.now();
    process.kill(-app.child.pid!, 'SIGTERM');
    while (Date.now() - sent < 10_000 && (groupAlive(app.child.pid!) || coreAlive(corePid))) await delay(20);
    const seconds = (Date.now() - sent) / 1000;
    console.log(`stopped in ${seconds.toFixed(2)} s`);
    expect(seconds).toBeLessThan(5);
    expect(coreAlive(corePid)).toBe(false);
    expect(app.out.stdout).toMatch(/"msg":"stopped"/);
  });

  it('stops everything on SIGTERM within 5 s while Telegram is still down', async () => {
    const closed = await freePort();
    const run = npmStart({ ...env, TELEGRAM_API_ROOT: `http://127.0.0.1:${closed}` });
    const h = await until(
      'the core up with telegram unreachable',
      async () => {
        const body = await health();
        return body.core.running && body.telegram === 'unreachable' ? body : undefined;
      },
      60_000,
    );
    const sent = Date.now();
    process.kill(-run.child.pid!, 'SIGTERM');
    while (Date.now() - sent < 10_000 && (groupAlive(run.child.pid!) || coreAlive(h.core.pid)))
      await delay(20);
    const seconds = (Date.now() - sent) / 1000;
    console.log(`stopped with Telegram down in ${seconds.toFixed(2)} s`);
    expect(seconds).toBeLessThan(5);
    expect(coreAlive(h.core.pid)).toBe(false);
    expect(existsSync(path.join(tmp.dir, 'xkeeper.sock'))).toBe(false);
    expect(existsSync(path.join(tmp.dir, 'xkeeper.lock'))).toBe(false);
    expect(run.out.stdout).toMatch(/"msg":"stopped"/);
  }, 90_000);

  it('fails at once with one line when Telegram refuses the token', async () => {
    const other = await createFakeTelegram({ token: '654321:another-token-than-the-bots-token' });
    try {
      const started = Date.now();
      const run = npmStart({ ...env, TELEGRAM_API_ROOT: other.apiRoot, HTTP_PORT: String(await freePort()) });
      expect(await run.exited).toBe(1);
      expect(Date.now() - started).toBeLessThan(30_000);
      const lines = run.out.stderr.split('\n').filter((l) => l.startsWith('xkeeper:'));
      expect(lines).toEqual([
        expect.stringMatching(/^xkeeper: Telegram refused BOT_TOKEN \(.*Unauthorized.*\)/),
      ]);
      expect(run.out.stderr).not.toMatch(/^\s+at /m); // no stack trace
    } finally {
      await other.close();
    }
  }, 60_000);
});
