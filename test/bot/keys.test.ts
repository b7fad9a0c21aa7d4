import type { InlineKeyboardButton } from 'grammy/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GB } from '../../src/services/keys.service.ts';
import {
  answerTo,
  callbackUpdate,
  codeOf,
  decodeQr,
  photoBytes,
  press,
  startUserBot,
  type UserBot,
} from '../helpers/user-bot.ts';

const ann = { id: 201, first_name: 'Ann', username: 'ann', language_code: 'en' };
const bob = { id: 202, first_name: 'Bob', username: 'bob', language_code: 'en' };
const cid = { id: 203, first_name: 'Cid', language_code: 'en' };

describe('my keys and the key card', () => {
  let t: UserBot;

  beforeAll(async () => {
    t = await startUserBot({ MAX_KEYS_PER_USER: '3' });
  });
  afterAll(() => t.stop());

  const buttons = () => t.fake.lastMessageTo(ann.id)?.reply_markup?.inline_keyboard.flat() ?? [];

  it('tells a person without keys how to get one', async () => {
    t.fake.sendCommand(cid, '/keys');
    const reply = await t.fake.waitForReply(cid.id);
    expect(reply.params.text).toContain('/new');
  });

  it('shows the only key as a QR photo that encodes exactly the link in its caption', async () => {
    await t.services.keys.create(
      { name: 'ann', ownerTelegramId: ann.id, trafficLimitBytes: 10 * GB, expireAt: new Date('2026-12-01Z') },
      'test',
    );
    t.memory.traffic('ann', GB, 2 * GB);
    await t.services.traffic.collect();

    t.fake.sendCommand(ann, '/keys');
    const call = await t.fake.waitForReply(ann.id);
    expect(call.method).toBe('sendPhoto');
    const card = t.fake.lastMessageTo(ann.id)!;
    const link = codeOf(card);
    expect(link).toBe(t.services.view(t.services.keys.get('ann')).links[0]);
    expect(decodeQr(await photoBytes(t.fake, call))).toBe(link);
    expect(card.caption).toContain('ann');
    expect(card.caption).toContain('3 GB of 10 GB');
    expect(card.caption).toContain('▰▰▰▱▱▱▱▱▱▱ 30%');
    expect(card.caption).toMatch(/Valid until Dec 1, 2026 \(30 days left\)/);
    const page = buttons().find((b) => 'url' in b) as InlineKeyboardButton.UrlButton;
    expect(page.url).toBe(t.services.view(t.services.keys.get('ann')).subscription_url);
  });

  it('sends the same QR again by file id, without drawing or uploading it', async () => {
    t.fake.sendCommand(ann, '/keys');
    const call = await t.fake.waitForReply(ann.id);
    expect(call.files.photo).toBeUndefined();
    expect(typeof call.params.photo).toBe('string');
    expect(decodeQr(await photoBytes(t.fake, call))).toBe(codeOf(t.fake.lastMessageTo(ann.id)!));
  });

  it('gives the subscription link and its QR', async () => {
    const url = t.services.view(t.services.keys.get('ann')).subscription_url;
    await press(t.fake, ann, /Subscription link/);
    expect(codeOf(t.fake.lastMessageTo(ann.id)!)).toBe(url);

    t.fake.sendCommand(ann, '/keys');
    await t.fake.waitForReply(ann.id);
    await press(t.fake, ann, /Subscription QR/);
    const qr = t.fake.calls.findLast((c) => c.method === 'sendPhoto')!;
    expect(decodeQr(await photoBytes(t.fake, qr))).toBe(url);
  });

  it('replaces the link only after confirmation, and redraws the card with the new QR', async () => {
    const before = t.services.keys.get('ann');
    t.fake.sendCommand(ann, '/keys');
    await t.fake.waitForReply(ann.id);
    const cardId = t.fake.lastMessageTo(ann.id)!.message_id;

    await press(t.fake, ann, /New link/);
    await press(t.fake, ann, /Cancel/);
    expect(t.services.keys.get('ann').uuid).toBe(before.uuid);
    expect(buttons().map((b) => b.text)).toContain('🔄 New link');

    await press(t.fake, ann, /New link/);
    await press(t.fake, ann, /Yes, replace/);
    const edit = t.fake.calls.findLast((c) => c.method === 'editMessageMedia')!;
    const after = t.services.keys.get('ann');
    expect(after.uuid).not.toBe(before.uuid);
    expect(after.subToken).not.toBe(before.subToken);
    const card = t.fake.messagesTo(ann.id).find((m) => m.message_id === cardId)!;
    expect(codeOf(card)).toBe(t.services.view(after).links[0]);
    expect(decodeQr(await photoBytes(t.fake, edit))).toBe(codeOf(card));
    expect(t.memory.users.get('ann')).toBe(after.uuid);
  });

  it('lists several keys and opens the one picked', async () => {
    await t.services.keys.create({ name: 'ann-laptop', ownerTelegramId: ann.id }, 'test');
    t.fake.sendCommand(ann, '/keys');
    const list = await t.fake.waitForReply(ann.id);
    expect(list.params.text).toMatch(/2 keys/);
    await press(t.fake, ann, /^ann-laptop/);
    expect(t.fake.lastMessageTo(ann.id)!.caption).toMatch(
      /ann-laptop[\s\S]*No expiry date[\s\S]*no traffic limit/,
    );
  });

  it('deletes a key only after confirmation', async () => {
    await press(t.fake, ann, /Delete/);
    expect(t.services.keys.find('ann-laptop')).toBeDefined();
    await press(t.fake, ann, /Yes, delete/);
    expect(t.services.keys.find('ann-laptop')).toBeUndefined();
    expect(t.fake.lastMessageTo(ann.id)!.caption).toMatch(/ann-laptop was deleted/);
    expect(t.fake.lastMessageTo(ann.id)!.reply_markup).toBeUndefined();
  });

  it("refuses a forged callback for someone else's key and changes nothing", async () => {
    const key = t.services.keys.get('ann');
    t.fake.sendCommand(bob, '/keys');
    await t.fake.waitForReply(bob.id);
    const bobsMessage = t.fake.lastMessageTo(bob.id)!;
    const callsBefore = t.fake.calls.length;
    for (const action of ['open', 'qr', 'sub', 'regen', 'regen!', 'del', 'del!']) {
      const answer = await answerTo(
        t.fake,
        t.fake.sendUpdate(callbackUpdate(bob, bobsMessage, `key:${action}:${key.id}`)),
      );
      expect(answer.params).toMatchObject({ text: 'This key is not available.', show_alert: true });
    }
    await answerTo(t.fake, t.fake.sendUpdate(callbackUpdate(bob, bobsMessage, `tr:show:${key.id}`)));
    expect(t.services.keys.get('ann')).toEqual(key);
    const sent = t.fake.calls.slice(callsBefore).filter((c) => c.method !== 'getUpdates');
    expect(sent.every((c) => c.method === 'answerCallbackQuery')).toBe(true);
    expect(JSON.stringify(sent)).not.toContain(key.uuid);
  });
});
