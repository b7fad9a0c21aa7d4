import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Bot } from 'grammy';
import { callbackData, int, oneOf, optional, rest, word } from '../../src/bot/kit/callback-data.ts';
import { parseMode } from '../../src/bot/kit/parse-mode.ts';
import { createFakeTelegram, type FakeTelegram } from '../helpers/fake-telegram.ts';

describe('callback data', () => {
  const keyList = callbackData('a:kl', { status: oneOf(['all', 'active']), page: int, search: rest });
  const keyAction = callbackData('a:k', { action: oneOf(['view', 'kick!']), name: word() });
  const menu = callbackData('a:m');

  it('packs the same data the hand-written builders did and reads it back typed', () => {
    expect(keyList.pack({ status: 'all', page: 1, search: '' })).toBe('a:kl:all:1:');
    expect(keyAction.pack({ action: 'kick!', name: 'ann' })).toBe('a:k:kick!:ann');
    expect(menu.pack({})).toBe('a:m');
    expect(keyList.unpack('a:kl:active:3:a:b c')).toEqual({ status: 'active', page: 3, search: 'a:b c' });
    expect(keyList.unpack('a:kl:all:2')).toEqual({ status: 'all', page: 2, search: '' });
    expect(keyAction.unpack('a:k:kick!:ann')).toEqual({ action: 'kick!', name: 'ann' });
    expect(menu.unpack('a:m')).toEqual({});
  });

  it('refuses data of another kind or with values outside the declaration', () => {
    for (const data of [
      'a:kl:gone:1:',
      'a:kl:all:x:',
      'a:k:kick:ann',
      'a:k:view:',
      'a:k:view:a:b',
      'a:mm',
      'a:m:',
    ]) {
      expect(keyList.unpack(data) ?? keyAction.unpack(data) ?? menu.unpack(data)).toBeNull();
    }
  });

  it('leaves out an optional last field when it has no value, and reads it back as absent', () => {
    const plan = callbackData('buy:p', { plan: int, promo: optional(word('[A-Z0-9]{3,32}')) });
    expect(plan.pack({ plan: 7, promo: undefined })).toBe('buy:p:7');
    expect(plan.pack({ plan: 7, promo: 'SALE20' })).toBe('buy:p:7:SALE20');
    expect(plan.unpack('buy:p:7')).toEqual({ plan: 7, promo: undefined });
    expect(plan.unpack('buy:p:7:SALE20')).toEqual({ plan: 7, promo: 'SALE20' });
    for (const data of ['buy:p:7:', 'buy:p:7:sale', 'buy:p:7:AB', 'buy:pay:7'])
      expect(plan.unpack(data)).toBeNull();
    expect(() => callbackData('x', { a: optional(int), b: int })).toThrow(/must be last/);
  });

  it('cuts free text so the data stays within Telegram’s 64 bytes', () => {
    const data = keyList.pack({ status: 'active', page: 12, search: 'ж'.repeat(60) });
    expect(Buffer.byteLength(data)).toBeLessThanOrEqual(64);
    expect(keyList.unpack(data)?.search).toBe('ж'.repeat((64 - 'a:kl:active:12:'.length) >> 1));
  });
});

describe('the parse-mode transformer', () => {
  let fake: FakeTelegram;
  beforeAll(async () => {
    fake = await createFakeTelegram();
  });
  afterAll(() => fake.close());

  it('makes texts and captions HTML, and leaves a message that brings its own entities alone', async () => {
    const bot = new Bot(fake.token, { client: { apiRoot: fake.apiRoot } });
    bot.api.config.use(parseMode('HTML'));
    await bot.api.sendMessage(42, '<b>bold</b> &amp; co');
    await bot.api.sendMessage(42, '1 < 2, as typed', { entities: undefined });
    const [html, plain] = fake.messagesTo(42);
    expect(html?.text).toBe('bold & co');
    expect(html?.entities).toEqual([{ type: 'bold', offset: 0, length: 4 }]);
    expect(plain?.text).toBe('1 < 2, as typed');
    const calls = fake.calls.filter((c) => c.method === 'sendMessage');
    expect(calls[0]?.params).toMatchObject({
      parse_mode: 'HTML',
      link_preview_options: { is_disabled: true },
    });
    expect(calls[1]?.params.parse_mode).toBeUndefined();
  });
});
