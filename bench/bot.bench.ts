/**
 * The user bot under load: 10,000 "my keys" updates (`/keys` from 100 people, one key each)
 * through the whole middleware stack — sequentialize, logger, person, i18n, SQLite session
 * and conversations, the keys feature with its DB reads and card rendering — against the fake
 * Bot API, vs a bare grammY bot answering the same update with the same sendPhoto, in the same
 * run. Both get updates through `bot.handleUpdate`, so the fake's HTTP answers are the only
 * I/O. Target ≥ 0.5× the bare bot's updates/s.
 *
 * Run alone: `npx tsx bench/bot.bench.ts`.
 */
import { pathToFileURL } from 'node:url';
import { Bot } from 'grammy';
import type { Update } from 'grammy/types';
import { createBot } from '../src/bot/index.ts';
import { loadConfig } from '../src/config.ts';
import { openDatabase } from '../src/db/client.ts';
import { runMigrations } from '../src/db/migrate.ts';
import { createLogger } from '../src/logger.ts';
import { createServices } from '../src/services/index.ts';
import { createFakeTelegram, type FakeCall } from '../test/helpers/fake-telegram.ts';
import { createMemoryCore } from '../test/helpers/memory-core.ts';
import { formatTable, type Row } from './table.ts';

const N = 10_000;
const PEOPLE = 100;
const BLOCK = 500;
const FIRST_ID = 10_000;

function keysCommand(updateId: number, userId: number): Update {
  const user = { id: userId, is_bot: false, first_name: `User ${userId}`, language_code: 'en' };
  return {
    update_id: updateId,
    message: {
      message_id: updateId,
      date: Math.floor(Date.now() / 1000),
      chat: { id: userId, type: 'private', first_name: user.first_name },
      from: user,
      text: '/keys',
      entities: [{ type: 'bot_command', offset: 0, length: 5 }],
    },
  };
}

/** Feeds `count` updates one after another; returns each one's handling time in ms. */
async function feed(
  bot: { handleUpdate(update: Update): Promise<void> },
  count: number,
  firstUpdateId: number,
): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const update = keysCommand(firstUpdateId + i, FIRST_ID + (i % PEOPLE));
    const start = performance.now();
    await bot.handleUpdate(update);
    times.push(performance.now() - start);
  }
  return times;
}

function summary(times: number[]) {
  const sorted = [...times].sort((a, b) => a - b);
  const total = times.reduce((a, b) => a + b, 0);
  return {
    perSecond: (times.length / total) * 1000,
    p50: sorted[Math.floor(sorted.length * 0.5)]!,
    p99: sorted[Math.floor(sorted.length * 0.99)]!,
  };
}

export async function runBotBench(): Promise<Row[]> {
  const fake = await createFakeTelegram();
  const logger = createLogger({ level: 'silent', pretty: false });
  const config = loadConfig(
    {
      BOT_TOKEN: fake.token,
      TELEGRAM_API_ROOT: fake.apiRoot,
      PUBLIC_URL: 'https://vpn.example.com',
      LOG_LEVEL: 'silent',
    },
    { dotenv: false },
  );
  const db = openDatabase(':memory:');
  runMigrations(db);
  const services = createServices({ db, config, logger, core: createMemoryCore().core });
  for (let i = 0; i < PEOPLE; i++) {
    await services.keys.create({ name: `user${i}`, ownerTelegramId: FIRST_ID + i }, 'bench');
  }

  try {
    const bot = createBot({ config, services, logger });
    await bot.init();
    // First cards: each QR is drawn and uploaded once (measured apart), later cards send its file id.
    const cold = summary(await feed(bot, PEOPLE, 1));

    // The bare bot answers with exactly the request the real bot makes for the same person.
    const sample = fake.calls.findLast((c: FakeCall) => c.method === 'sendPhoto')!;
    const answer = {
      photo: fake.lastMessageTo(Number(sample.params.chat_id))!.photo![0]!.file_id,
      caption: sample.params.caption as string,
      reply_markup: sample.params.reply_markup as never,
    };
    const bare = new Bot(fake.token, { client: { apiRoot: fake.apiRoot } });
    bare.command('keys', (ctx) =>
      ctx.replyWithPhoto(answer.photo, {
        caption: answer.caption,
        parse_mode: 'HTML',
        reply_markup: answer.reply_markup,
      }),
    );
    await bare.init();

    await feed(bare, 500, 100_000); // warm-up of both, same amount
    await feed(bot, 500, 200_000);
    // Interleaved blocks, so both bots see the same machine (other load, GC, JIT).
    const bareTimes: number[] = [];
    const ourTimes: number[] = [];
    for (let block = 0; block < N / BLOCK; block++) {
      bareTimes.push(...(await feed(bare, BLOCK, 300_000 + block * BLOCK)));
      ourTimes.push(...(await feed(bot, BLOCK, 400_000 + block * BLOCK)));
    }
    const base = summary(bareTimes);
    const ours = summary(ourTimes);

    return [
      {
        name: `my keys, ${N.toLocaleString('en-US')} updates: throughput`,
        value: ours.perSecond,
        unit: 'updates/s',
        baseline: base.perSecond,
        ratio: ours.perSecond / base.perSecond,
        target: '≥ 0.5×',
        note: 'whole stack vs bare grammY, same sendPhoto',
      },
      {
        name: 'my keys: p50 latency',
        value: ours.p50,
        unit: 'ms',
        baseline: base.p50,
        ratio: base.p50 / ours.p50,
      },
      {
        name: 'my keys: p99 latency',
        value: ours.p99,
        unit: 'ms',
        baseline: base.p99,
        ratio: base.p99 / ours.p99,
      },
      {
        name: 'first card of a key: p50 latency',
        value: cold.p50,
        unit: 'ms',
        note: 'QR drawn (qrcode) and uploaded',
      },
    ];
  } finally {
    await fake.close();
    db.$client.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.write(`${formatTable('User bot (whole stack vs bare grammY)', await runBotBench())}\n`);
}
