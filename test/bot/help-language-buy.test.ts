import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { press, startUserBot, type UserBot } from '../helpers/user-bot.ts';

const ann = { id: 501, first_name: 'Ann', language_code: 'en' };

describe('/help, /lang and /buy', () => {
  let t: UserBot;

  beforeAll(async () => {
    t = await startUserBot();
    t.services.settings.set('supportContact', '@xkeeper_support');
  });
  afterAll(() => t.stop());

  it('guides per platform and names the support contact', async () => {
    t.fake.sendCommand(ann, '/help');
    await t.fake.waitForReply(ann.id);
    const help = t.fake.lastMessageTo(ann.id)!;
    expect(help.text).toMatch(/^How to connect[\s\S]*Subscription link[\s\S]*💬 Support: @xkeeper_support$/);
    expect(help.reply_markup?.inline_keyboard.flat().map((b) => b.text)).toEqual([
      '🤖 Android',
      '🍏 iPhone / iPad',
      '🪟 Windows',
      '💻 macOS',
    ]);
    const guides: Record<string, RegExp> = {
      '🤖 Android': /v2rayNG[\s\S]*Hiddify/,
      '🍏 iPhone / iPad': /Streisand[\s\S]*FoXray[\s\S]*Shadowrocket/,
      '🪟 Windows': /v2rayN[\s\S]*Hiddify/,
      '💻 macOS': /Hiddify[\s\S]*FoXray/,
    };
    for (const [button, apps] of Object.entries(guides)) {
      await press(t.fake, ann, button);
      const guide = t.fake.messagesTo(ann.id).find((m) => m.message_id === help.message_id)!;
      expect(guide.text).toMatch(apps);
      expect(guide.text).toMatch(/Support: @xkeeper_support/);
      expect(guide.entities?.some((e) => e.type === 'text_link')).toBe(true);
      await press(t.fake, ann, '⬅️ Back');
    }
  });

  it('switches the language at once and keeps it', async () => {
    t.fake.sendCommand(ann, '/lang');
    await t.fake.waitForReply(ann.id);
    await press(t.fake, ann, '🇷🇺 Русский');
    expect(t.fake.lastMessageTo(ann.id)!.text).toBe('Готово! Теперь я говорю с вами по-русски.');
    expect(t.services.admins.get(ann.id)?.language).toBe('ru');

    t.fake.sendCommand(ann, '/buy');
    const buy = await t.fake.waitForReply(ann.id);
    expect(buy.params.text).toMatch(/^💳 Сейчас ничего не продаётся[\s\S]*Поддержка: @xkeeper_support/);

    t.fake.sendCommand(ann, '/lang');
    await t.fake.waitForReply(ann.id);
    await press(t.fake, ann, '🇬🇧 English');
    expect(t.fake.lastMessageTo(ann.id)!.text).toBe('Done! I will speak English with you from now on.');
  });
});
