/**
 * A broadcast survives a crash and a shutdown: the whole app runs as a child process against
 * the fake Telegram server, is killed with -9 a third of the way through a broadcast, stopped
 * with SIGTERM at two thirds, and each next start goes on after the last counted recipient.
 * Everyone gets the message; at most the one recipient in flight at the kill gets it twice
 * (a SIGTERM stops between two messages).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { createServices } from '../../src/services/index.ts';
import { createFakeTelegram, type FakeCall, type FakeTelegram } from '../helpers/fake-telegram.ts';
import { dataDirDb, silentLogger, tempDir, TEST_TOKEN } from '../helpers/db.ts';
import { freePort } from '../helpers/ports.ts';

const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url));
const OWNER = 900;
const PEOPLE = Array.from({ length: 90 }, (_, i) => 3001 + i);
const BOLD = [{ type: 'bold', offset: 0, length: 5 }];

async function until(
  check: () => boolean,
  timeoutMs: number,
  what: string,
  state: () => string = () => '',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} ${state()}`);
    await delay(20);
  }
}

describe('a broadcast interrupted by kill -9', () => {
  let fake: FakeTelegram;
  let env: NodeJS.ProcessEnv;
  let child: ChildProcess | undefined;
  let broadcastId: number;
  let progressMessageId: number;
  const tmp = tempDir();
  const config = () =>
    loadConfig({ BOT_TOKEN: TEST_TOKEN, DATA_DIR: tmp.dir, LOG_LEVEL: 'silent' }, { dotenv: false });

  /** The app's services on the same database, opened and closed around `use`. */
  function withServices<T>(use: (services: ReturnType<typeof createServices>) => T): T {
    const db = dataDirDb(tmp.dir);
    try {
      return use(createServices({ db, config: config(), logger: silentLogger }));
    } finally {
      db.$client.close();
    }
  }

  const sendsTo = (id: number) => (c: FakeCall) =>
    c.method === 'sendMessage' && Number(c.params.chat_id) === id;
  const broadcastSends = () =>
    fake.calls.filter((c) => c.method === 'sendMessage' && PEOPLE.includes(Number(c.params.chat_id)));

  function startApp(): ChildProcess {
    const app = spawn(process.execPath, ['--import', 'tsx', MAIN], {
      env,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    child = app;
    return app;
  }

  beforeAll(async () => {
    fake = await createFakeTelegram();
    env = {
      ...process.env,
      BOT_TOKEN: TEST_TOKEN,
      TELEGRAM_API_ROOT: fake.apiRoot,
      DATA_DIR: tmp.dir,
      HTTP_PORT: String(await freePort()),
      CORE_BIN: '/nonexistent/xray',
      ADMIN_IDS: String(OWNER),
      LOG_LEVEL: 'silent',
    };
    // The admin's progress message, as the broadcast dialog leaves it.
    const res = await fetch(`${fake.apiRoot}/bot${TEST_TOKEN}/sendMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ chat_id: OWNER, text: 'Sending…' }),
    });
    progressMessageId = ((await res.json()) as { result: { message_id: number } }).result.message_id;
    broadcastId = withServices((services) => {
      for (const id of PEOPLE) services.admins.touch({ id, firstName: `P${id}` });
      return services.broadcasts.create({
        audience: 'all',
        text: 'Hello everyone',
        entities: BOLD,
        createdBy: OWNER,
        progress: { chatId: OWNER, messageId: progressMessageId },
      }).id;
    });
  });

  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
    await fake.close();
    tmp.cleanup();
  });

  it('goes on after each restart, each person served once', { timeout: 180_000 }, async () => {
    // First run: started at start-up (as if the dialog had just launched it), then killed.
    const first = startApp();
    await until(() => broadcastSends().length >= 30, 60_000, '30 messages of the first run');
    let exited = once(first, 'exit');
    first.kill('SIGKILL');
    await exited;

    // Second run: goes on, then is stopped the polite way.
    const second = startApp();
    await until(() => broadcastSends().length >= 60, 60_000, '60 messages in all');
    exited = once(second, 'exit');
    second.kill('SIGTERM');
    await exited;
    const beforeLastRun = broadcastSends().length;
    expect(beforeLastRun).toBeLessThan(PEOPLE.length);
    const paused = withServices((services) => services.broadcasts.get(broadcastId));
    expect(paused.state).toBe('running');
    // Nothing sent that was not counted: every message but the one in flight at the kill.
    expect(paused.sent).toBeGreaterThanOrEqual(beforeLastRun - 1);

    const third = startApp();
    await until(
      () => withServices((services) => services.broadcasts.get(broadcastId).state === 'done'),
      // Each run starts the app through tsx: on a loaded 2-core machine that alone can take 10 s+.
      60_000,
      'the broadcast to finish',
      () =>
        JSON.stringify({
          sends: broadcastSends().length,
          row: withServices((services) => services.broadcasts.get(broadcastId)),
        }),
    );
    const row = withServices((services) => services.broadcasts.get(broadcastId));
    expect(row).toMatchObject({ total: PEOPLE.length, sent: PEOPLE.length, blocked: 0, failed: 0 });

    // Everyone got it; only someone in flight at the kill may have got it twice.
    const perPerson = PEOPLE.map((id) => fake.calls.filter(sendsTo(id)).length);
    expect(perPerson.every((n) => n >= 1)).toBe(true);
    expect(perPerson.filter((n) => n > 1).length).toBeLessThanOrEqual(1);
    expect(broadcastSends().length).toBeLessThanOrEqual(PEOPLE.length + 1);
    // The last run sent the rest, with the text's formatting kept.
    const resumed = broadcastSends().slice(beforeLastRun);
    expect(resumed.length).toBeGreaterThan(0);
    expect(resumed.every((c) => c.params.text === 'Hello everyone')).toBe(true);
    expect(resumed.at(-1)?.params.entities).toEqual(BOLD);

    // The same progress message ends with the counts (admin alerts may come after it).
    const progress = () => fake.messagesTo(OWNER).find((m) => m.message_id === progressMessageId);
    await until(() => /Broadcast finished/.test(progress()?.text ?? ''), 5_000, 'the final edit');
    expect(progress()!.text).toMatch(/90 of 90\nSent: 90 · blocked the bot: 0 · failed: 0/);
    const events = withServices((services) => services.events.list({ type: 'broadcast.resumed' }).items);
    expect(events).toHaveLength(2);

    const stopped = once(third, 'exit');
    third.kill('SIGTERM');
    await stopped;
  });
});
