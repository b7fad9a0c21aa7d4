import { afterEach, describe, expect, it } from 'vitest';
import { createSendLimiter } from '../../src/bot/notifications.ts';
import { GB } from '../../src/services/keys.service.ts';
import { ADMIN, startUserBot, type UserBot } from '../helpers/user-bot.ts';

const DAY = 86_400_000;
const ann = { id: 601, first_name: 'Ann', username: 'ann', language_code: 'ru' };

let t: UserBot;
afterEach(() => t.stop());

/** One pass of the jobs: collect, enforce limits, deliver the outbox. */
async function jobs() {
  await t.services.traffic.collect();
  await t.services.limits.enforce();
  return t.services.outbox.deliverDue();
}

const textsTo = (id: number) => t.fake.messagesTo(id).map((m) => m.text ?? m.caption ?? '');

describe('notifications', () => {
  it('tells the owner about 80% of the quota and the coming expiry, each once, in their language', async () => {
    t = await startUserBot();
    t.fake.sendCommand(ann, '/start');
    await t.fake.waitForReply(ann.id);
    await t.services.keys.create(
      {
        name: 'ann',
        ownerTelegramId: ann.id,
        trafficLimitBytes: GB,
        expireAt: new Date(t.clock.now().getTime() + 10 * DAY),
      },
      'test',
    );
    const greeting = textsTo(ann.id);

    t.memory.traffic('ann', 0, 0.85 * GB);
    await jobs();
    await jobs();
    expect(textsTo(ann.id).slice(greeting.length)).toEqual(['⚠️ Ключ ann израсходовал 80% трафика.']);

    t.clock.advance(7.5 * DAY); // 2.5 days left
    await jobs();
    await jobs();
    t.clock.advance(1.75 * DAY); // 0.75 days left
    await jobs();
    await jobs();
    expect(textsTo(ann.id).slice(greeting.length + 1)).toEqual([
      '⏳ Срок ключа ann истекает через 3 дня (11 нояб. 2026 г.). Продлить: /buy.',
      '⏳ Срок ключа ann истекает через 1 день (11 нояб. 2026 г.). Продлить: /buy.',
    ]);
  });

  it('marks a person who blocked the bot unreachable and gives up on the message', async () => {
    t = await startUserBot();
    t.fake.sendCommand(ann, '/start');
    await t.fake.waitForReply(ann.id);
    await t.services.keys.create({ name: 'ann', ownerTelegramId: ann.id }, 'test');
    await t.services.keys.disable('ann', 'test');
    t.fake.failNext('sendMessage', {
      error_code: 403,
      description: 'Forbidden: bot was blocked by the user',
    });
    expect(await t.services.outbox.deliverDue()).toMatchObject({ failed: 1 });
    expect(textsTo(ann.id)).toEqual([expect.stringMatching(/^Привет, Ann!/)]); // the greeting only
    expect(t.services.admins.get(ann.id)?.reachable).toBe(false);

    // Later notices are given up without calling Telegram, until the person writes again.
    await t.services.keys.enable('ann', 'test');
    await t.services.keys.kick('ann', 'test');
    const calls = t.fake.calls.length;
    expect(await t.services.outbox.deliverDue()).toMatchObject({ failed: 1 });
    expect(t.fake.calls.slice(calls).filter((c) => c.method === 'sendMessage')).toHaveLength(0);
  });

  it('leaves a row to the outbox retry when Telegram asks to wait too long', async () => {
    t = await startUserBot();
    await t.services.keys.create({ name: 'ann', ownerTelegramId: ann.id }, 'test');
    await t.services.keys.disable('ann', 'test');
    t.fake.failNext('sendMessage', {
      error_code: 429,
      description: 'Too Many Requests: retry after 3600',
      retry_after: 3600,
    });
    expect(await t.services.outbox.deliverDue()).toMatchObject({ retried: 1 });
    expect(textsTo(ann.id)).toEqual([]);
    t.clock.advance(60_000);
    await t.services.outbox.deliverDue();
    // Ann never wrote to the bot: her language is unknown, so English.
    expect(textsTo(ann.id)).toEqual(['⛔ Key ann was disabled by an administrator.']);
  });

  it('sends a key request to every admin in their language', async () => {
    t = await startUserBot({ KEY_REQUEST_POLICY: 'approval', ADMIN_IDS: `${ADMIN.id},901` });
    t.services.admins.touch({ id: 901, languageCode: 'ru' });
    t.fake.sendCommand(ann, '/new');
    await t.fake.waitForReply(ann.id);
    await t.services.outbox.deliverDue();
    expect(textsTo(ADMIN.id)).toEqual([
      expect.stringMatching(/^🆕 Key request #1\nFrom: Ann \(@ann, id 601\)$/),
    ]);
    expect(textsTo(901)).toEqual([expect.stringMatching(/^🆕 Запрос ключа #1\nОт: Ann/)]);
  });
});

describe('the send limiter', () => {
  it('keeps one chat to one message a second and all chats to the overall rate', async () => {
    let now = 0;
    const time = {
      now: () => now,
      sleep: async (ms: number) => {
        now += ms;
      },
    };
    const take = createSendLimiter({ perSecond: 25, perChatMs: 1000 }, time);
    for (let i = 0; i < 3; i++) await take(1);
    expect(now).toBe(2000);

    now = 100_000;
    for (let chat = 0; chat < 75; chat++) await take(1000 + chat);
    // 25 at once from the full bucket, then 50 more at 25 a second.
    expect(now - 100_000).toBeCloseTo(2000, 0);
  });
});
