/** A user-facing bot against the fake Telegram server, with real SQLite and the memory core. */
import type { RunnerHandle } from '@grammyjs/runner';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import type { Message, Update } from 'grammy/types';
import { createBot, startPolling } from '../../src/bot/index.ts';
import {
  createFakeTelegram,
  type ButtonMatcher,
  type FakeCall,
  type FakeTelegram,
  type FakeUser,
} from './fake-telegram.ts';
import { memoryCoreServices, silentLogger } from './db.ts';

/** The owner (ADMIN_IDS) in every user-bot test. */
export const ADMIN = { id: 900, first_name: 'Olga', username: 'olga', language_code: 'en' };

export async function startUserBot(env: Record<string, string> = {}) {
  const fake = await createFakeTelegram();
  const { mem: memory, ...setup } = memoryCoreServices({
    TELEGRAM_API_ROOT: fake.apiRoot,
    ADMIN_IDS: String(ADMIN.id),
    PUBLIC_URL: 'https://vpn.example.com',
    KEY_REQUEST_POLICY: 'open',
    ...env,
  });
  const bot = createBot({
    config: setup.config,
    services: setup.services,
    logger: silentLogger,
    sendLimits: { perChatMs: 0 },
  });
  const runner: RunnerHandle = await startPolling(bot);
  return {
    ...setup,
    fake,
    memory,
    bot,
    async stop() {
      await runner.stop();
      await fake.close();
    },
  };
}

export type UserBot = Awaited<ReturnType<typeof startUserBot>>;

/** The bytes of the photo a sendPhoto / editMessageMedia call carried (upload or file id). */
export async function photoBytes(fake: FakeTelegram, call: FakeCall): Promise<Buffer> {
  const upload = call.files.photo ?? call.files['media.media'];
  if (upload) return upload.data;
  const media = call.params.media as { media?: string } | undefined;
  const fileId = (call.params.photo ?? media?.media) as string;
  const info = (await (await fetch(`${fake.apiRoot}/bot${fake.token}/getFile?file_id=${fileId}`)).json()) as {
    result: { file_path: string };
  };
  return Buffer.from(await (await fetch(fake.fileUrl(info.result.file_path))).arrayBuffer());
}

/** The text a QR code in a PNG encodes. */
export function decodeQr(png: Buffer): string | undefined {
  const image = PNG.sync.read(png);
  // jsqr is CommonJS: its function is also its `default`, which is what TypeScript sees.
  return jsQR.default(new Uint8ClampedArray(image.data), image.width, image.height)?.data;
}

/** The text of the first code entity of a message (its text or caption). */
export function codeOf(message: Pick<Message, 'text' | 'entities' | 'caption' | 'caption_entities'>): string {
  const text = message.text ?? message.caption ?? '';
  const code = (message.entities ?? message.caption_entities ?? []).find((e) => e.type === 'code');
  if (!code) throw new Error(`no code entity in: ${text}`);
  return text.slice(code.offset, code.offset + code.length);
}

/** A callback query as Telegram would send it for `data` pressed under `message`. */
export function callbackUpdate(user: FakeUser, message: Message, data: string) {
  return {
    callback_query: {
      id: `forged-${Math.random()}`,
      from: {
        id: user.id,
        is_bot: false,
        first_name: user.first_name ?? 'User',
        language_code: user.language_code,
      },
      message,
      chat_instance: String(user.id),
      data,
    },
  };
}

/** Presses a button and resolves with the bot's answerCallbackQuery for that press (its last call). */
export function press(fake: FakeTelegram, user: FakeUser, button: ButtonMatcher): Promise<FakeCall> {
  return answerTo(fake, fake.pressButton(user, button));
}

/** The bot's answerCallbackQuery for a callback query update. */
export function answerTo(fake: FakeTelegram, update: Pick<Update, 'callback_query'>): Promise<FakeCall> {
  const id = update.callback_query!.id;
  return fake.waitForCall((c) => c.method === 'answerCallbackQuery' && c.params.callback_query_id === id);
}
