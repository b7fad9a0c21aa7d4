import { randomBytes } from 'node:crypto';
import { autoRetry } from '@grammyjs/auto-retry';
import { run } from '@grammyjs/runner';
import { Bot, GrammyError, InlineKeyboard, InputFile } from 'grammy';
import { afterEach, describe, expect, it } from 'vitest';
import { createFakeTelegram, type FakeTelegram } from './fake-telegram.ts';

const ann = { id: 42, first_name: 'Ann', username: 'ann', language_code: 'de' };

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A fake server and a bare grammY bot pointed at it; both are torn down after the test. */
async function setup(): Promise<{ fake: FakeTelegram; bot: Bot }> {
  const fake = await createFakeTelegram();
  cleanups.push(() => fake.close());
  const bot = new Bot(fake.token, { client: { apiRoot: fake.apiRoot } });
  return { fake, bot };
}

/** Starts long polling with `bot.start()` and stops it after the test. */
async function startPolling(bot: Bot): Promise<void> {
  const started = new Promise<void>((resolve) => {
    const running = bot.start({ onStart: () => resolve() });
    cleanups.push(async () => {
      await bot.stop();
      await running;
    });
  });
  await started;
}

/** Starts the bot with @grammyjs/runner and stops it after the test. */
function startRunner(bot: Bot): void {
  const handle = run(bot);
  cleanups.push(() => handle.stop());
}

/** The /start + inline button flow of the examples. */
function installStartFlow(bot: Bot): void {
  bot.command('start', (ctx) =>
    ctx.reply('hi ' + ctx.from?.language_code, { reply_markup: new InlineKeyboard().text('Press', 'p') }),
  );
  bot.callbackQuery('p', (ctx) => ctx.editMessageText('pressed'));
}

describe('fake Telegram with bot.start() polling', () => {
  it('answers a command, presses its inline button and applies the edit', async () => {
    const { fake, bot } = await setup();
    installStartFlow(bot);
    await startPolling(bot);

    fake.sendCommand(ann, '/start');
    const reply = await fake.waitForReply(ann.id);
    expect(reply.method).toBe('sendMessage');
    expect(reply.params).toMatchObject({ chat_id: ann.id, text: 'hi de' });
    expect(fake.lastMessageTo(ann.id)).toMatchObject({
      message_id: 2, // the user's /start is message 1 of this chat
      text: 'hi de',
      from: { id: fake.botInfo.id, is_bot: true },
      chat: { id: ann.id, type: 'private', first_name: 'Ann' },
      reply_markup: { inline_keyboard: [[{ text: 'Press', callback_data: 'p' }]] },
    });

    fake.pressButton(ann, 'Press');
    const edit = await fake.waitForCall('editMessageText');
    expect(edit.params).toMatchObject({ chat_id: ann.id, message_id: 2, text: 'pressed' });
    const [message, ...others] = fake.messagesTo(ann.id);
    expect(others).toEqual([]);
    expect(message).toMatchObject({ message_id: 2, text: 'pressed', edit_date: expect.any(Number) });
    // Like Telegram, an edit without reply_markup removes the keyboard.
    expect(message?.reply_markup).toBeUndefined();
    expect(() => fake.pressButton(ann, /Press/)).toThrow(/no inline button matching/);
  });

  it('retries an injected 429 through @grammyjs/auto-retry', async () => {
    const { fake, bot } = await setup();
    bot.api.config.use(autoRetry());
    installStartFlow(bot);
    await startPolling(bot);
    fake.failNext('sendMessage', {
      error_code: 429,
      description: 'Too Many Requests: retry after 1',
      retry_after: 1,
    });

    fake.sendCommand(ann, '/start');
    const refused = await fake.waitForCall('sendMessage');
    const retried = await fake.waitForCall('sendMessage', { after: fake.calls.indexOf(refused) + 1 });
    expect(retried.at - refused.at).toBeGreaterThanOrEqual(900);
    expect(retried.params).toEqual(refused.params);
    expect(fake.messagesTo(ann.id)).toEqual([expect.objectContaining({ text: 'hi de' })]);
  });

  it('hands a user document to the bot through getFile and the file URL', async () => {
    const { fake, bot } = await setup();
    bot.on('message:document', async (ctx) => {
      const file = await ctx.getFile();
      const response = await fetch(fake.fileUrl(file.file_path ?? ''));
      const content = Buffer.from(await response.arrayBuffer()).toString('utf8');
      await ctx.reply(`${ctx.message.document.file_name} ${ctx.message.caption}: ${content}`);
    });
    await startPolling(bot);

    fake.sendDocument(ann, { filename: 'notes.txt', data: Buffer.from('hello file'), caption: 'mine' });
    const reply = await fake.waitForReply(ann.id);
    expect(reply.params.text).toBe('notes.txt mine: hello file');
  });

  it('passes raw updates such as pre-checkout queries', async () => {
    const { fake, bot } = await setup();
    bot.command('buy', (ctx) =>
      ctx.replyWithInvoice('Month', '30 days', 'plan:1', 'XTR', [{ label: 'Month', amount: 50 }]),
    );
    bot.on('pre_checkout_query', (ctx) => ctx.answerPreCheckoutQuery(true));
    await startPolling(bot);

    fake.sendCommand(ann, 'buy');
    await fake.waitForCall('sendInvoice');
    expect(fake.lastMessageTo(ann.id)?.invoice).toEqual({
      title: 'Month',
      description: '30 days',
      start_parameter: '',
      currency: 'XTR',
      total_amount: 50,
    });
    fake.sendUpdate({
      pre_checkout_query: {
        id: 'q1',
        from: { id: ann.id, is_bot: false, first_name: ann.first_name },
        currency: 'XTR',
        total_amount: 50,
        invoice_payload: 'plan:1',
      },
    });
    const answer = await fake.waitForCall('answerPreCheckoutQuery');
    expect(answer.params).toEqual({ pre_checkout_query_id: 'q1', ok: true });
  });
});

describe('fake Telegram with @grammyjs/runner', () => {
  it('runs the start flow', async () => {
    const { fake, bot } = await setup();
    installStartFlow(bot);
    startRunner(bot);

    fake.sendCommand(ann, '/start');
    expect((await fake.waitForReply(ann.id)).params.text).toBe('hi de');
    fake.pressButton(ann, 'Press');
    await fake.waitForCall('editMessageText');
    expect(fake.lastMessageTo(ann.id)?.text).toBe('pressed');
  });

  it('receives a multipart sendPhoto with the uploaded bytes intact', async () => {
    const { fake, bot } = await setup();
    // Random bytes plus sequences that a careless multipart parser would trip over.
    const bytes = Buffer.concat([
      randomBytes(50_000),
      Buffer.from('\r\n--boundary\r\n\r\n'),
      randomBytes(1000),
    ]);
    bot.command('photo', (ctx) =>
      ctx.replyWithPhoto(new InputFile(bytes, 'chart.png'), {
        caption: '<b>Usage</b> &amp; more',
        parse_mode: 'HTML',
        reply_markup: new InlineKeyboard().text('Refresh', 'refresh'),
      }),
    );
    startRunner(bot);

    fake.sendCommand(ann, '/photo');
    const call = await fake.waitForReply(ann.id);
    expect(call.method).toBe('sendPhoto');
    expect(call.files.photo?.filename).toBe('chart.png');
    expect(call.files.photo?.data.equals(bytes)).toBe(true);
    expect(call.params).toMatchObject({
      chat_id: ann.id,
      caption: '<b>Usage</b> &amp; more',
      reply_markup: { inline_keyboard: [[{ text: 'Refresh', callback_data: 'refresh' }]] },
    });

    const message = fake.lastMessageTo(ann.id);
    expect(message).toMatchObject({
      caption: 'Usage & more',
      caption_entities: [{ type: 'bold', offset: 0, length: 5 }],
    });
    const file = await bot.api.getFile(message?.photo?.[0]?.file_id ?? '');
    const download = await fetch(fake.fileUrl(file.file_path ?? ''));
    expect(Buffer.from(await download.arrayBuffer()).equals(bytes)).toBe(true);
  });
});

describe('fake Telegram Bot API behaviour', () => {
  it('serves getUpdates with offset, allowed_updates and long polling', async () => {
    const { fake, bot } = await setup();
    const first = fake.sendText(ann, 'one');
    fake.sendText(ann, 'two');
    expect((await bot.api.getUpdates()).map((update) => update.message?.text)).toEqual(['one', 'two']);
    const confirmed = await bot.api.getUpdates({ offset: first.update_id + 1 });
    expect(confirmed.map((update) => update.message?.text)).toEqual(['two']);

    const offset = first.update_id + 2;
    const started = Date.now();
    const poll = bot.api.getUpdates({ offset, timeout: 10 });
    setTimeout(() => fake.sendText(ann, 'three'), 50);
    expect((await poll).map((update) => update.message?.text)).toEqual(['three']);
    expect(Date.now() - started).toBeLessThan(2000);

    fake.sendText(ann, 'ignored');
    expect(await bot.api.getUpdates({ offset: offset + 1, allowed_updates: ['callback_query'] })).toEqual([]);
  });

  it('injects errors and parses HTML like Telegram', async () => {
    const { fake, bot } = await setup();
    fake.failNext('sendMessage', { error_code: 403, description: 'Forbidden: bot was blocked by the user' });
    const blocked = bot.api.sendMessage(ann.id, 'hello');
    await expect(blocked).rejects.toBeInstanceOf(GrammyError);
    await expect(blocked).rejects.toMatchObject({ error_code: 403 });

    const html = '<i>Hi</i> <a href="https://x.test/?a=1&amp;b=2">you</a>';
    const sent = await bot.api.sendMessage(ann.id, html, { parse_mode: 'HTML' });
    expect(sent.text).toBe('Hi you');
    expect(sent.entities).toEqual([
      { type: 'italic', offset: 0, length: 2 },
      { type: 'text_link', offset: 3, length: 3, url: 'https://x.test/?a=1&b=2' },
    ]);
    await expect(bot.api.sendMessage(ann.id, '1 < 2', { parse_mode: 'HTML' })).rejects.toMatchObject({
      error_code: 400,
      description: expect.stringContaining("can't parse entities") as unknown,
    });
    await expect(
      bot.api.editMessageText(ann.id, sent.message_id, html, { parse_mode: 'HTML' }),
    ).rejects.toMatchObject({
      description: expect.stringContaining('message is not modified') as unknown,
    });
    expect(fake.calls.map((call) => call.method)).toEqual([
      'sendMessage',
      'sendMessage',
      'sendMessage',
      'editMessageText',
    ]);
  });

  it('reports the calls it saw when a wait times out', async () => {
    const { fake, bot } = await setup();
    await bot.api.sendChatAction(ann.id, 'typing');
    await expect(fake.waitForCall('sendMessage', { timeoutMs: 50 })).rejects.toThrow(
      /Timed out after 50 ms waiting for call "sendMessage"[^]*#0 sendChatAction/,
    );
  });

  it('closes promptly, ending a pending long poll and pending waits', async () => {
    const fake = await createFakeTelegram();
    const bot = new Bot(fake.token, { client: { apiRoot: fake.apiRoot } });
    const poll = bot.api.getUpdates({ timeout: 30 });
    await fake.waitForCall('getUpdates');
    const wait = fake.waitForCall('sendMessage').catch((error: unknown) => error);
    const started = Date.now();
    await fake.close();
    await expect(poll).resolves.toEqual([]);
    expect(await wait).toEqual(new Error('The fake Telegram server was closed'));
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
