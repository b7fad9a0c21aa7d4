import type { RunnerHandle } from '@grammyjs/runner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBot, startPolling } from '../../src/bot/index.ts';
import { createFakeTelegram, type FakeTelegram } from '../helpers/fake-telegram.ts';
import { silentLogger, testServices } from '../helpers/db.ts';
import { codeOf, startUserBot, type UserBot } from '../helpers/user-bot.ts';

describe('/start', () => {
  let fake: FakeTelegram;
  let runner: RunnerHandle;
  let services: ReturnType<typeof testServices>['services'];

  beforeAll(async () => {
    fake = await createFakeTelegram();
    const setup = testServices({ TELEGRAM_API_ROOT: fake.apiRoot });
    services = setup.services;
    const bot = createBot({ config: setup.config, services, logger: silentLogger });
    runner = await startPolling(bot);
  });
  afterAll(async () => {
    await runner.stop();
    await fake.close();
  });

  it('answers in Russian to a user whose language_code is ru', async () => {
    fake.sendCommand({ id: 101, first_name: 'Иван', language_code: 'ru' }, '/start');
    const reply = await fake.waitForReply(101);
    expect(reply.params.text).toMatch(/^Привет, Иван!/);
  });

  it('answers in English otherwise, and remembers who wrote', async () => {
    fake.sendCommand({ id: 102, first_name: 'Ann', language_code: 'de', username: 'ann' }, '/start');
    const reply = await fake.waitForReply(102);
    expect(reply.params.text).toMatch(/^Hi, Ann!/);
    expect(services.admins.get(102)).toMatchObject({ username: 'ann', languageCode: 'de', role: 'user' });
  });

  it('answers nothing to a banned user', async () => {
    services.admins.touch({ id: 103 });
    services.db.$client.prepare('UPDATE telegram_users SET banned = 1 WHERE id = 103').run();
    fake.sendCommand({ id: 103, first_name: 'Ban' }, '/start');
    fake.sendCommand({ id: 104, first_name: 'Next' }, '/start');
    await fake.waitForReply(104);
    expect(fake.messagesTo(103)).toHaveLength(0);
  });
});

describe('the main menu and invite links', () => {
  let t: UserBot;
  const eve = { id: 111, first_name: 'Eve', username: 'eve', language_code: 'en' };

  beforeAll(async () => {
    t = await startUserBot({ KEY_REQUEST_POLICY: 'open' });
  });
  afterAll(() => t.stop());

  /** Presses a button and resolves with the message it sent or edited. */
  const menuPress = async (label: string) => {
    t.fake.pressButton(eve, label);
    await t.fake.waitForReply(eve.id);
    return t.fake.lastMessageTo(eve.id)!;
  };

  it('greets with a menu that reaches every user command', async () => {
    t.fake.sendCommand(eve, '/start');
    await t.fake.waitForReply(eve.id);
    const greeting = t.fake.lastMessageTo(eve.id)!;
    expect(greeting.reply_markup?.inline_keyboard.map((row) => row.map((b) => b.text))).toEqual([
      ['🔑 My keys', '➕ New key'],
      ['📊 Traffic', '💳 Buy / renew'],
      ['❓ Help', '🌐 Language'],
    ]);

    expect((await menuPress('🔑 My keys')).text).toMatch(/no keys yet/);
    expect((await menuPress('➕ New key')).caption).toMatch(/^🎉 Your key is ready!/);
    expect(t.services.keys.ownedBy(eve.id).map((k) => k.name)).toEqual(['eve']);
    expect((await menuPress('🔑 My keys')).caption).toMatch(/^🔑 eve · 🟢 active/);
    expect((await menuPress('📊 Traffic')).caption).toMatch(/^📊 eve[\s\S]*Today: 0 kB/);
    expect((await menuPress('💳 Buy / renew')).text).toMatch(/^💳 Nothing is on sale right now/);
    expect((await menuPress('❓ Help')).text).toMatch(/^How to connect/);
    expect((await menuPress('🌐 Language')).text).toBe('Choose your language:');
    expect((await menuPress('🇷🇺 Русский')).text).toBe('Готово! Теперь я говорю с вами по-русски.');

    t.fake.sendCommand(eve, '/start');
    await t.fake.waitForReply(eve.id);
    const again = t.fake.lastMessageTo(eve.id)!;
    expect(again.text).toMatch(/^Привет, Eve!/);
    expect(again.reply_markup?.inline_keyboard[0]?.map((b) => b.text)).toEqual([
      '🔑 Мои ключи',
      '➕ Новый ключ',
    ]);
  });

  it('gives a key for an invite link, once per person and within its uses', async () => {
    const invite = t.services.invites.create('friends-2026', { maxUses: 1, trafficGb: 20, days: 0 }, 900);
    const kim = { id: 112, first_name: 'Kim', username: 'kim', language_code: 'en' };
    t.fake.sendCommand(kim, `/start ${invite.code}`);
    await t.fake.waitForCall((c) => c.method === 'sendPhoto' && c.params.chat_id === kim.id);
    const card = t.fake.lastMessageTo(kim.id)!;
    expect(card.caption).toMatch(
      /^🎟 Invite accepted: this key is yours![\s\S]*No expiry date\n📶 0 kB of 20 GB/,
    );
    expect(codeOf(card)).toBe(t.services.view(t.services.keys.get('kim')).links[0]);

    const lee = { id: 113, first_name: 'Lee', language_code: 'en' };
    t.fake.sendCommand(lee, `/start ${invite.code}`);
    await t.fake.waitForCall((c) => c.method === 'sendMessage' && /used up/.test(String(c.params.text)));
    t.fake.sendCommand(lee, '/start nope-nope');
    await t.fake.waitForCall((c) => c.method === 'sendMessage' && /not valid/.test(String(c.params.text)));
    expect(t.services.keys.ownedBy(lee.id)).toHaveLength(0);
  });
});
