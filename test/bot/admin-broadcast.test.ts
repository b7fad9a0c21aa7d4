import { Api } from 'grammy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resumeBroadcasts } from '../../src/bot/features/admin/broadcast/index.ts';
import { createI18n } from '../../src/bot/i18n.ts';
import { silentLogger } from '../helpers/db.ts';
import type { FakeCall } from '../helpers/fake-telegram.ts';
import { OWNER, startAdminBot, until, type AdminHarness } from '../helpers/admin-harness.ts';

let h: AdminHarness;
/** People with an active key: the `active` audience. */
const ACTIVE = Array.from({ length: 40 }, (_, i) => 1001 + i);
/** People without keys: with the above, the `all` audience. */
const OTHERS = Array.from({ length: 30 }, (_, i) => 2001 + i);
let messageId = 50_000;

beforeAll(async () => {
  h = await startAdminBot();
  for (const id of [...ACTIVE, ...OTHERS]) h.services.admins.touch({ id, firstName: `P${id}` });
  for (const id of ACTIVE) await h.services.keys.create({ name: `k${id}`, ownerTelegramId: id }, 'test');
  await h.services.keys.create({ name: 'gone', ownerTelegramId: 2001 }, 'test');
  h.db.$client.prepare("UPDATE keys SET status = 'expired' WHERE name = 'gone'").run();
});
afterAll(() => h.stop());

/** The admin sends a message with entities (or a photo) to the bot. */
async function adminSends(content: { text: string; bold?: boolean } | { photo: string; caption: string }) {
  await h.settle();
  const base = {
    message_id: messageId++,
    date: Math.floor(Date.now() / 1000),
    chat: { id: OWNER.id, type: 'private' as const, first_name: 'Olga' },
    from: { id: OWNER.id, is_bot: false, first_name: 'Olga' },
  };
  h.fake.sendUpdate({
    message:
      'text' in content
        ? {
            ...base,
            text: content.text,
            entities: content.bold ? [{ type: 'bold', offset: 0, length: 5 }] : undefined,
          }
        : {
            ...base,
            photo: [{ file_id: content.photo, file_unique_id: 'u', width: 10, height: 10 }],
            caption: content.caption,
          },
  });
  return h.fake.waitForReply(OWNER.id);
}

const toRecipients = (ids: number[]) => (c: FakeCall) =>
  (c.method === 'sendMessage' || c.method === 'sendPhoto') && ids.includes(Number(c.params.chat_id));

describe('broadcast', () => {
  it('previews, sends under 25 messages a second, reports counts and marks blocked people', async () => {
    expect(await h.send(OWNER, '/broadcast')).toMatch(/Send the message to broadcast/);
    const audience = await adminSends({ text: 'Hello everyone', bold: true });
    expect(audience.params.text).toBe('Who gets it?');
    expect(await h.press(OWNER, 'With an active key (40)')).toBe('👇 This is how it will look:');
    await h.settle();
    const preview = h.fake.messagesTo(OWNER.id).at(-2)!;
    expect(preview.text).toBe('Hello everyone');
    expect(preview.entities).toEqual([{ type: 'bold', offset: 0, length: 5 }]);
    expect(h.lastText(OWNER)).toBe('Send to: With an active key (40)?');

    h.fake.failNext('sendMessage', {
      error_code: 403,
      description: 'Forbidden: bot was blocked by the user',
      times: 3,
    });
    h.fake.failNext('sendMessage', { error_code: 400, description: 'Bad Request: chat not found' });
    const progress = await h.press(OWNER, '📣 Send');
    expect(progress).toMatch(/Sending… 0 of 40/);
    expect(h.buttons(OWNER)).toContain('⏹ Stop');

    await until(() => /Broadcast finished/.test(h.lastText(OWNER)), 10_000);
    expect(h.lastText(OWNER)).toMatch(/40 of 40\nSent: 36 · blocked the bot: 3 · failed: 1/);
    expect(h.buttons(OWNER)).toEqual([]);

    const sends = h.fake.calls.filter(toRecipients(ACTIVE));
    expect(sends).toHaveLength(40);
    expect(sends[3]?.params.entities).toEqual([{ type: 'bold', offset: 0, length: 5 }]);
    // At most 25 in any one-second window, and the limiter really paced the run.
    for (const call of sends)
      expect(sends.filter((c) => c.at >= call.at && c.at < call.at + 1000).length).toBeLessThanOrEqual(25);
    expect(sends.at(-1)!.at - sends[0]!.at).toBeGreaterThanOrEqual(1600);

    for (const id of ACTIVE.slice(0, 3)) expect(h.services.admins.get(id)?.reachable).toBe(false);
    expect(h.services.admins.get(ACTIVE[3]!)?.reachable).toBe(true);
    const row = h.db.$client.prepare('SELECT * FROM broadcasts ORDER BY id DESC').get();
    expect(row).toMatchObject({
      state: 'done',
      total: 40,
      sent: 36,
      blocked: 3,
      failed: 1,
      created_by: OWNER.id,
    });
  });

  it('stops when the Stop button is pressed', async () => {
    await h.send(OWNER, '/broadcast');
    await adminSends({ text: 'Second news' });
    await h.press(OWNER, /^Everyone/);
    await h.settle();
    await h.press(OWNER, '📣 Send');
    await until(() => h.fake.calls.filter((c) => c.params.text === 'Second news').length >= 8);
    // No settle() here: the bot is busy sending.
    h.fake.pressButton(OWNER, '⏹ Stop');
    const answer = await h.fake.waitForCall(
      (c) => c.method === 'answerCallbackQuery' && c.params.text !== undefined,
    );
    expect(answer.params.text).toBe('Stopping…');
    // The owner is one of everyone: the progress message is not necessarily the newest.
    await until(
      () => h.fake.messagesTo(OWNER.id).some((m) => /Broadcast stopped/.test(m.text ?? '')),
      10_000,
    );
    const row = h.db.$client.prepare('SELECT * FROM broadcasts ORDER BY id DESC').get() as {
      sent: number;
      total: number;
      state: string;
    };
    expect(row.state).toBe('cancelled');
    expect(row.sent).toBeLessThan(row.total);
    await h.settle();
    // Every message sent, plus the admin's preview.
    expect(h.fake.calls.filter((c) => c.params.text === 'Second news').length).toBe(row.sent + 1);
  });

  it('sends a photo with its caption to the expired audience; Back and Cancel work', async () => {
    // A photo the bot itself sent has a file_id the fake server knows.
    await h.send(OWNER, '/user gone');
    await h.settle();
    h.fake.pressButton(OWNER, '🖼 QR code');
    const qr = await h.fake.waitForCall('sendPhoto');
    const fileId = h.fake.messagesTo(OWNER.id).find((m) => m.photo)!.photo![0]!.file_id;
    expect(qr).toBeDefined();

    await h.send(OWNER, '/broadcast');
    expect((await adminSends({ text: '' })).params.text).toBe('Send a text or a photo.');
    await adminSends({ photo: fileId, caption: 'Renew today' });
    expect(await h.press(OWNER, '« Back')).toMatch(/Send the message to broadcast/);
    await adminSends({ photo: fileId, caption: 'Renew today' });
    await h.press(OWNER, 'Whose key expired (1)');
    await h.settle();
    await h.press(OWNER, '📣 Send');
    await until(() => /Broadcast finished/.test(h.lastText(OWNER)));
    const sent = h.fake.calls.filter((c) => c.method === 'sendPhoto' && c.params.chat_id === 2001);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.params).toMatchObject({ photo: fileId, caption: 'Renew today' });

    await h.send(OWNER, '/broadcast');
    expect(await h.press(OWNER, '✖ Cancel')).toBe('Cancelled.');
  });

  it('on start, resumes an interrupted broadcast once however often asked; one over a day old is cancelled', async () => {
    const api = new Api(h.config.BOT_TOKEN, { apiRoot: h.fake.apiRoot });
    const deps = { config: h.config, services: h.services, logger: silentLogger, i18n: createI18n() };
    const progress = async () => (await api.sendMessage(OWNER.id, 'Sending…')).message_id;
    const fresh = h.services.broadcasts.create({
      audience: 'active',
      text: 'Fresh news',
      createdBy: OWNER.id,
      progress: { chatId: OWNER.id, messageId: await progress() },
    });
    // Two starts racing (a resume and a launch of the same row): one run, each person once.
    expect(await Promise.all([resumeBroadcasts(deps, api), resumeBroadcasts(deps, api)])).toEqual([1, 1]);
    await until(() => h.services.broadcasts.get(fresh.id).state === 'done', 10_000);
    const sends = h.fake.calls.filter((c) => c.params.text === 'Fresh news');
    const done = h.services.broadcasts.get(fresh.id);
    expect(done.sent).toBeGreaterThan(30);
    expect(sends).toHaveLength(done.total);
    expect(new Set(sends.map((c) => c.params.chat_id)).size).toBe(done.total);

    const staleMessage = await progress();
    const stale = h.services.broadcasts.create({
      audience: 'active',
      text: 'Old news',
      createdBy: OWNER.id,
      progress: { chatId: OWNER.id, messageId: staleMessage },
    });
    h.clock.advance(25 * 3_600_000);
    expect(await resumeBroadcasts(deps, api)).toBe(0);
    expect(h.services.broadcasts.get(stale.id).state).toBe('cancelled');
    expect(h.fake.calls.filter((c) => c.params.text === 'Old news')).toHaveLength(0);
    const edited = h.fake.messagesTo(OWNER.id).find((m) => m.message_id === staleMessage);
    expect(edited?.text).toMatch(/Broadcast stopped after 0 of \d+/);
  });
});
