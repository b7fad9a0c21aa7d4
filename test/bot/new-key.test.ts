import { afterEach, describe, expect, it } from 'vitest';
import {
  ADMIN,
  answerTo,
  callbackUpdate,
  codeOf,
  press,
  startUserBot,
  type UserBot,
} from '../helpers/user-bot.ts';

const ann = { id: 301, first_name: 'Ann', username: 'ann', language_code: 'en' };
const bob = { id: 302, first_name: 'Bob', language_code: 'ru' };

let t: UserBot;
afterEach(() => t.stop());

describe('/new under the open policy', () => {
  it('creates a key at once with the default terms, named after the username', async () => {
    t = await startUserBot({
      KEY_REQUEST_POLICY: 'open',
      DEFAULT_KEY_DAYS: '7',
      DEFAULT_KEY_TRAFFIC_GB: '5',
    });
    await t.services.keys.create({ name: 'ann' }, 'test'); // someone else's key holds the name
    t.fake.sendCommand(ann, '/new');
    const card = await t.fake.waitForReply(ann.id);
    expect(card.method).toBe('sendPhoto');
    const key = t.services.keys.ownedBy(ann.id)[0]!;
    expect(key).toMatchObject({ name: 'ann-2', trafficLimitBytes: 5 * 2 ** 30 });
    expect(key.expireAt).toEqual(new Date(t.clock.now().getTime() + 7 * 86_400_000));
    const message = t.fake.lastMessageTo(ann.id)!;
    expect(message.caption).toMatch(/^🎉 Your key is ready!/);
    expect(codeOf(message)).toBe(t.services.view(key).links[0]);
  });

  it('names a key tg<ID> without a username and enforces maxKeysPerUser', async () => {
    t = await startUserBot({ KEY_REQUEST_POLICY: 'open', MAX_KEYS_PER_USER: '1' });
    t.fake.sendCommand(bob, '/new');
    await t.fake.waitForReply(bob.id);
    expect(t.services.keys.ownedBy(bob.id).map((k) => k.name)).toEqual([`tg${bob.id}`]);
    t.fake.sendCommand(bob, '/new');
    const refusal = await t.fake.waitForReply(bob.id);
    expect(refusal.params.text).toMatch(/^У вас уже 1 ключ: это максимум/);
    expect(t.services.keys.ownedBy(bob.id)).toHaveLength(1);
  });
});

describe('/new cannot recycle self-service keys', () => {
  it('deleting the key and sending /new again is refused until the window has room', async () => {
    t = await startUserBot({
      KEY_REQUEST_POLICY: 'open',
      MAX_KEYS_PER_USER: '1',
      DEFAULT_KEY_TRAFFIC_GB: '5',
    });
    t.fake.sendCommand(ann, '/new');
    expect((await t.fake.waitForReply(ann.id)).method).toBe('sendPhoto');
    expect(t.services.keys.ownedBy(ann.id)).toHaveLength(1);

    // The person deletes the key from its card, as they would.
    await press(t.fake, ann, /Delete/);
    await press(t.fake, ann, /Yes, delete/);
    expect(t.services.keys.ownedBy(ann.id)).toHaveLength(0);

    t.fake.sendCommand(ann, '/new');
    const refusal = await t.fake.waitForReply(ann.id);
    expect(refusal.params.text).toMatch(
      /^You have been given a free key in the last 30 days \(deleted keys count too\).*You can ask again from Dec 1, 2026/,
    );
    expect(t.services.keys.ownedBy(ann.id)).toHaveLength(0);

    // Once the first key is older than the window, a new one is given.
    t.clock.advance(30 * 86_400_000);
    t.fake.sendCommand(ann, '/new');
    expect((await t.fake.waitForReply(ann.id)).method).toBe('sendPhoto');
    expect(t.services.keys.ownedBy(ann.id)).toHaveLength(1);
  });

  it("counts keys an admin approved, and says so in the person's language", async () => {
    t = await startUserBot({ KEY_REQUEST_POLICY: 'approval', MAX_KEYS_PER_USER: '1' });
    t.services.settings.set('selfServiceWindowDays', 7);
    t.fake.sendCommand(bob, '/new');
    await t.fake.waitForReply(bob.id);
    const [request] = t.services.requests.pending();
    const { key } = await t.services.requests.approve(request!.id, ADMIN.id);
    await t.services.keys.delete(key.name, `tg:${bob.id}`);

    t.fake.sendCommand(bob, '/new');
    const refusal = await t.fake.waitForReply(bob.id);
    expect(refusal.params.text).toMatch(/^За последние 7 дн\. вы уже получили 1 бесплатный ключ/);
    expect(t.services.requests.pending()).toHaveLength(0);
  });
});

describe('/new under the closed policy', () => {
  it('refuses politely and names the support contact', async () => {
    t = await startUserBot({ KEY_REQUEST_POLICY: 'closed' });
    t.services.settings.set('supportContact', '@help_desk');
    t.fake.sendCommand(ann, '/new');
    const reply = await t.fake.waitForReply(ann.id);
    expect(reply.params.text).toMatch(/new keys are not handed out here right now[\s\S]*Support: @help_desk/);
    expect(t.services.keys.ownedBy(ann.id)).toHaveLength(0);
  });
});

describe('/new under the approval policy', () => {
  it('asks the admins, lets an admin approve once, and brings the key to the person', async () => {
    t = await startUserBot({ KEY_REQUEST_POLICY: 'approval' });
    t.fake.sendCommand(ADMIN, '/start'); // the admin has talked to the bot before
    await t.fake.waitForReply(ADMIN.id);

    t.fake.sendCommand(ann, '/new');
    expect((await t.fake.waitForReply(ann.id)).params.text).toMatch(/went to the administrators/);
    t.fake.sendCommand(ann, '/new');
    expect((await t.fake.waitForReply(ann.id)).params.text).toMatch(/already waiting/);
    const [request] = t.services.requests.pending();
    expect(request).toMatchObject({ telegramId: ann.id, username: 'ann', firstName: 'Ann' });

    await t.services.outbox.deliverDue();
    const ask = t.fake.lastMessageTo(ADMIN.id)!;
    expect(ask.text).toMatch(/Key request #\d+\nFrom: Ann \(@ann, id 301\)/);
    expect(ask.reply_markup?.inline_keyboard.flat().map((b) => b.text)).toEqual(['✅ Approve', '❌ Decline']);

    // A non-admin pressing a forged Approve is refused and nothing changes.
    t.fake.sendCommand(bob, '/start');
    await t.fake.waitForReply(bob.id);
    const forged = await answerTo(
      t.fake,
      t.fake.sendUpdate(callbackUpdate(bob, t.fake.lastMessageTo(bob.id)!, `req:ok:${request!.id}`)),
    );
    expect(forged.params).toMatchObject({
      show_alert: true,
      text: 'Эта команда только для администраторов.',
    });
    expect(t.services.requests.pending()).toHaveLength(1);
    expect(t.services.keys.ownedBy(ann.id)).toHaveLength(0);

    const answer = await press(t.fake, ADMIN, '✅ Approve');
    expect(answer.params.text).toBe('Approved: key ann created.');
    const decided = t.fake.lastMessageTo(ADMIN.id)!;
    expect(decided.text).toMatch(/✅ Approved by @olga: key ann$/);
    expect(decided.reply_markup).toBeUndefined();
    expect(t.services.keys.ownedBy(ann.id).map((k) => k.name)).toEqual(['ann']);

    await t.services.outbox.deliverDue();
    const card = t.fake.lastMessageTo(ann.id)!;
    expect(card.caption).toMatch(/^✅ Your key request was approved/);
    expect(codeOf(card)).toBe(t.services.view(t.services.keys.get('ann')).links[0]);

    // A second press (a stale copy of the message) cannot decide again.
    const again = await answerTo(
      t.fake,
      t.fake.sendUpdate(callbackUpdate(ADMIN, ask, `req:no:${request!.id}`)),
    );
    expect(again.params.text).toBe('This request has already been decided.');
    expect(t.services.requests.get(request!.id)).toMatchObject({ state: 'approved', decidedBy: ADMIN.id });
  });

  it('tells the person when an admin declines', async () => {
    t = await startUserBot({ KEY_REQUEST_POLICY: 'approval' });
    t.fake.sendCommand(bob, '/new');
    await t.fake.waitForReply(bob.id);
    await t.services.outbox.deliverDue();
    await press(t.fake, ADMIN, '❌ Decline');
    expect(t.fake.lastMessageTo(ADMIN.id)!.text).toMatch(/❌ Declined by /);
    await t.services.outbox.deliverDue();
    expect(t.fake.lastMessageTo(bob.id)!.text).toBe('😔 Ваш запрос на ключ отклонён.');
    expect(t.services.keys.ownedBy(bob.id)).toHaveLength(0);
  });
});
