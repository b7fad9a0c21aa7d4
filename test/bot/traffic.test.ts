import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GB } from '../../src/services/keys.service.ts';
import {
  answerTo,
  callbackUpdate,
  photoBytes,
  press,
  startUserBot,
  type UserBot,
} from '../helpers/user-bot.ts';

const MB = 2 ** 20;
const ann = { id: 401, first_name: 'Ann', username: 'ann', language_code: 'en' };

describe('/traffic', () => {
  let t: UserBot;

  beforeAll(async () => {
    t = await startUserBot();
    await t.services.keys.create(
      {
        name: 'ann',
        ownerTelegramId: ann.id,
        trafficLimitBytes: 10 * GB,
        expireAt: new Date('2026-11-21T12:00:00Z'),
      },
      'test',
    );
    // Yesterday 1 GB, today 300 MB.
    t.clock.set('2026-10-31T12:00:00Z');
    t.memory.traffic('ann', 0, GB);
    await t.services.traffic.collect();
    t.clock.set('2026-11-01T12:00:00Z');
    t.memory.traffic('ann', 100 * MB, 200 * MB);
    await t.services.traffic.collect();
  });
  afterAll(() => t.stop());

  it('shows today, this month, all time, quota and days left with a 30-day chart', async () => {
    t.fake.sendCommand(ann, '/traffic');
    const call = await t.fake.waitForReply(ann.id);
    expect(call.method).toBe('sendPhoto');
    const png = PNG.sync.read(await photoBytes(t.fake, call));
    expect([png.width, png.height]).toEqual([800, 420]);
    expect(t.fake.lastMessageTo(ann.id)!.caption).toBe(
      [
        '📊 ann · 🟢 active',
        'Today: 300 MB',
        'This month: 300 MB',
        'All time: 1.29 GB',
        '📶 1.29 GB of 10 GB',
        '▰▱▱▱▱▱▱▱▱▱ 12%',
        '📅 Valid until Nov 21, 2026 (20 days left)',
      ].join('\n'),
    );
  });

  it('refreshes the same message in place', async () => {
    const before = t.fake.lastMessageTo(ann.id)!;
    t.memory.traffic('ann', 0, 724 * MB);
    await t.services.traffic.collect();
    await press(t.fake, ann, '🔄 Refresh');
    const after = t.fake.messagesTo(ann.id).find((m) => m.message_id === before.message_id)!;
    expect(after.caption).toMatch(/Today: 1 GB\n/);
    expect(after.photo![0]!.file_id).not.toBe(before.photo![0]!.file_id);
    expect(after.reply_markup?.inline_keyboard.flat().map((b) => b.text)).toEqual(['🔄 Refresh']);
  });

  it('opens from the key card, and never for another person', async () => {
    t.fake.sendCommand(ann, '/keys');
    await t.fake.waitForReply(ann.id);
    await press(t.fake, ann, '📊 Traffic');
    expect(t.fake.lastMessageTo(ann.id)!.caption).toMatch(/^📊 ann/);

    const bob = { id: 402, first_name: 'Bob', language_code: 'en' };
    t.fake.sendCommand(bob, '/traffic');
    await t.fake.waitForReply(bob.id);
    const key = t.services.keys.get('ann');
    const refused = await answerTo(
      t.fake,
      t.fake.sendUpdate(callbackUpdate(bob, t.fake.lastMessageTo(bob.id)!, `tr:refresh:${key.id}`)),
    );
    expect(refused.params.text).toBe('This key is not available.');
    expect(t.fake.messagesTo(bob.id).map((m) => m.text)).toEqual([expect.stringMatching(/no keys yet/)]);
  });
});
