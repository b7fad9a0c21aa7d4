/**
 * A running bot for admin tests: the fake Telegram server, real SQLite with migrations,
 * DATA_DIR in a temp directory, the in-memory core, and a CoreControl stub that records
 * what it was asked. Owner: user 1 (ADMIN_IDS).
 */
import type { RunnerHandle } from '@grammyjs/runner';
import type { Message, Update } from 'grammy/types';
import { stripTags } from '../../src/bot/kit/index.ts';
import { createBot, startPolling, type BotDeps } from '../../src/bot/index.ts';
import type { CoreControl } from '../../src/services/core-port.ts';
import { createFakeTelegram, type ButtonMatcher, type FakeCall, type FakeUser } from './fake-telegram.ts';
import { memoryCoreServices, silentLogger, tempDir } from './db.ts';

export const OWNER: FakeUser = { id: 1, first_name: 'Olga', username: 'olga', language_code: 'en' };
export const USER: FakeUser = { id: 500, first_name: 'Mallory', username: 'mallory' };

/** A CoreControl that records calls and answers like a healthy Xray. */
export function recordingSystem() {
  const calls: string[] = [];
  const system: CoreControl = {
    async status() {
      calls.push('status');
      return {
        flavor: 'xray',
        version: '25.1.1',
        running: true,
        pid: 4242,
        uptime_seconds: 3 * 3600,
        restarts: 1,
        users_in_core: 2,
        memory_bytes: 40 * 2 ** 20,
        last_error: null,
        available: true,
        reason: null,
      };
    },
    async check() {
      calls.push('check');
      return { in_sync: false, missing: ['ann'], extra: [], changed: [], reality: { enabled: false } };
    },
    async sync() {
      calls.push('sync');
      return { status: 'applied', missing: [], extra: [], changed: [] };
    },
    async restart() {
      calls.push('restart');
    },
  };
  return { system, calls };
}

export async function startAdminBot(
  options: {
    env?: Record<string, string>;
    system?: CoreControl | null;
    /** How the add-node dialog reads an SSH host key (main's: the real scan). */
    hostKeyOf?: BotDeps['hostKeyOf'];
  } = {},
) {
  const fake = await createFakeTelegram();
  const tmp = tempDir('xk-admin-');
  const { mem: memory, ...setup } = memoryCoreServices({
    TELEGRAM_API_ROOT: fake.apiRoot,
    ADMIN_IDS: '1',
    DATA_DIR: tmp.dir,
    ...options.env,
  });
  const recorded = recordingSystem();
  const system = options.system === null ? undefined : (options.system ?? recorded.system);
  // These suites replay many updates of one person on a clock that stands still: the general
  // per-person limit would hold them back (throttle.test.ts covers it).
  const throttleLimits = { updates: { max: 10_000, windowMs: 1000 } };
  const bot = createBot({
    config: setup.config,
    services: setup.services,
    logger: silentLogger,
    system,
    throttleLimits,
    hostKeyOf: options.hostKeyOf,
  });
  // Updates the bot is still handling: an action is done only when its handler returned.
  let inFlight = 0;
  const handleUpdate = bot.handleUpdate.bind(bot);
  bot.handleUpdate = async (...args) => {
    inFlight++;
    try {
      return await handleUpdate(...args);
    } finally {
      inFlight--;
    }
  };
  const runner: RunnerHandle = await startPolling(bot);
  // Owners and the ordinary user have talked to the bot before.
  setup.services.admins.touch({ id: OWNER.id, username: OWNER.username, firstName: OWNER.first_name });
  setup.services.admins.touch({ id: USER.id, username: USER.username, firstName: USER.first_name });

  const harness = {
    ...setup,
    fake,
    memory,
    systemCalls: recorded.calls,
    dataDir: tmp.dir,

    /**
     * Waits until no update is being handled and the bot has made no API call for `quietMs`:
     * the previous action is done, however slow the machine.
     */
    async settle(quietMs = 60): Promise<void> {
      let seen = -1;
      while (seen !== fake.calls.length || inFlight > 0) {
        seen = fake.calls.length;
        await new Promise((r) => setTimeout(r, quietMs));
      }
    },

    /** Sends a command or text; resolves with the plain text of the bot's first reply (or edit). */
    async send(user: FakeUser, text: string): Promise<string> {
      await harness.settle();
      fake.sendText(user, text);
      return plain(await fake.waitForReply(user.id));
    },

    /** Presses a button in the newest bot message that has it; resolves like {@link send}. */
    async press(user: FakeUser, button: ButtonMatcher): Promise<string> {
      await harness.settle();
      fake.pressButton(user, button);
      return plain(await fake.waitForReply(user.id));
    },

    /** Presses a button and resolves with the text of its callback answer (toast or alert). */
    async pressForAnswer(user: FakeUser, button: ButtonMatcher): Promise<string> {
      await harness.settle();
      fake.pressButton(user, button);
      return String((await fake.waitForCall('answerCallbackQuery')).params.text ?? '');
    },

    /** A callback query with any data, as a forger would send it. */
    forgeCallback(user: FakeUser, data: string, message?: Message): Update {
      return fake.sendUpdate({
        callback_query: {
          id: `forged-${Math.random()}`,
          from: { id: user.id, is_bot: false, first_name: user.first_name ?? 'x' },
          chat_instance: String(user.id),
          data,
          ...(message ? { message } : {}),
        },
      });
    },

    /** The text of the bot's newest message to a user. */
    lastText(user: FakeUser): string {
      const message = fake.lastMessageTo(user.id);
      return message?.text ?? message?.caption ?? '';
    },

    /** Button labels of the bot's newest message to a user. */
    buttons(user: FakeUser): string[] {
      return (
        fake
          .lastMessageTo(user.id)
          ?.reply_markup?.inline_keyboard.flat()
          .map((b) => b.text) ?? []
      );
    },

    async stop() {
      await runner.stop();
      await fake.close();
      setup.db.$client.close();
      tmp.cleanup();
    },
  };
  return harness;
}

/** The text of a reply call as a person reads it: tags removed, entities decoded. */
export function plain(call: FakeCall): string {
  const html = String(call.params.text ?? call.params.caption ?? '');
  return call.params.parse_mode === 'HTML' ? stripTags(html) : html;
}

export type AdminHarness = Awaited<ReturnType<typeof startAdminBot>>;

/** Polls until `check` holds (or throws after `timeoutMs`). */
export async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
