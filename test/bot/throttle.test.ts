/**
 * Per-person throttling through the fake Telegram server. The services' clock is manual and
 * stands still during a burst, so every window is exactly as long as the test wants.
 */
import type { Message } from 'grammy/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_THROTTLE_LIMITS } from '../../src/bot/middlewares/throttle-limits.ts';
import type { FakeUser } from '../helpers/fake-telegram.ts';
import { until } from '../helpers/admin-harness.ts';
import { ADMIN, answerTo, callbackUpdate, startUserBot, type UserBot } from '../helpers/user-bot.ts';

const person = (id: number, first_name: string): FakeUser => ({ id, first_name, language_code: 'en' });
const TOO_FAST = /^⏳ Not so fast, please: try again in \d+ s\.$/;
const limits = DEFAULT_THROTTLE_LIMITS;

let t: UserBot;
beforeAll(async () => {
  t = await startUserBot();
});
afterAll(() => t.stop());

/** A message of the bot in `user`'s private chat, to press buttons under (forged callback data). */
function chatMessage(user: FakeUser): Message {
  return {
    message_id: 1,
    date: 0,
    chat: { id: user.id, type: 'private', first_name: user.first_name ?? 'User' },
  } as Message;
}

/** Presses `data` and resolves with the bot's answer. Updates of a chat are handled in order: once
 *  this press is answered, everything the person sent before it has been handled. */
function pressData(user: FakeUser, data: string) {
  return answerTo(t.fake, t.fake.sendUpdate(callbackUpdate(user, chatMessage(user), data)));
}

/** A press whose only effect is an answer ("not available"): a marker that the chat was handled. */
const HARMLESS = 'tr:show:0';

/** Bot API calls of `method` to `user`'s chat. */
function callsTo(user: FakeUser, method: string) {
  return t.fake.calls.filter((c) => c.method === method && c.params.chat_id === user.id);
}

/** The "too fast" messages `user` got in the chat. */
function tooFastMessages(user: FakeUser) {
  return callsTo(user, 'sendMessage').filter((c) => TOO_FAST.test(String(c.params.text)));
}

describe('throttling each person', () => {
  it('draws at most the chart limit from a burst of 150 /traffic, with one "too fast" answer', async () => {
    const ann = person(601, 'Ann');
    const key = await t.services.keys.create({ name: 'ann', ownerTelegramId: ann.id }, 'test');
    for (let i = 0; i < 150; i++) t.fake.sendCommand(ann, '/traffic');
    // Over the general limit, yet the press is answered so the client's spinner stops.
    const answer = await pressData(ann, `tr:refresh:${key.id}`);
    expect(answer.params.text).toMatch(TOO_FAST);

    expect(callsTo(ann, 'sendPhoto')).toHaveLength(limits.chart.max);
    expect(tooFastMessages(ann)).toHaveLength(1);
    expect(callsTo(ann, 'sendMessage')).toHaveLength(1);

    // The windows end: charts are drawn again.
    t.clock.advance(limits.chart.windowMs);
    t.fake.sendCommand(ann, '/traffic');
    expect((await t.fake.waitForReply(ann.id)).method).toBe('sendPhoto');
  });

  it('holds a person to the general limit, answers every press over it, and lets them go after the window', async () => {
    const bob = person(602, 'Bob');
    for (let i = 0; i < 30; i++) t.fake.sendCommand(bob, '/help');
    const presses = await Promise.all(Array.from({ length: 5 }, () => pressData(bob, HARMLESS)));
    expect(presses.map((p) => p.params.text)).toEqual(Array(5).fill(expect.stringMatching(TOO_FAST)));
    const help = callsTo(bob, 'sendMessage').filter((c) => !TOO_FAST.test(String(c.params.text)));
    expect(help).toHaveLength(limits.updates.max);
    expect(tooFastMessages(bob)).toHaveLength(1);

    t.clock.advance(limits.updates.windowMs);
    t.fake.sendCommand(bob, '/help');
    const reply = await t.fake.waitForReply(bob.id);
    expect(String(reply.params.text)).not.toMatch(TOO_FAST);
  });

  it('does not hold an admin to the general limit', async () => {
    const count = limits.updates.max + 15;
    for (let i = 0; i < count; i++) t.fake.sendCommand(ADMIN, '/help');
    await until(() => callsTo(ADMIN, 'sendMessage').length >= count);
    expect(tooFastMessages(ADMIN)).toHaveLength(0);
  });

  it("caps an admin's invoices: each press over the limit is answered and creates no order", async () => {
    const plan = t.services.payments.createPlan({ name: 'Month', days: 30, priceStars: 100 }, 'test');
    const presses = await Promise.all(
      Array.from({ length: limits.invoice.max + 4 }, () => pressData(ADMIN, `buy:pay:${plan.id}:stars`)),
    );
    expect(callsTo(ADMIN, 'sendInvoice')).toHaveLength(limits.invoice.max);
    expect(presses.filter((p) => TOO_FAST.test(String(p.params.text)))).toHaveLength(4);
    expect(t.services.payments.ordersOf(ADMIN.id)).toHaveLength(limits.invoice.max);
  });

  it('never holds back a payment: over the limit, pre-checkout is answered and the payment applied', async () => {
    const dee = person(604, 'Dee');
    const plan = t.services.payments.createPlan({ name: 'Week', days: 7, priceStars: 50 }, 'test');
    const order = t.services.payments.createOrder({
      telegramId: dee.id,
      planId: plan.id,
      provider: 'stars',
      currency: 'XTR',
    });
    for (let i = 0; i < limits.updates.max + 5; i++) t.fake.sendCommand(dee, '/help');
    const from = { id: dee.id, is_bot: false, first_name: 'Dee' };
    const payload = `order:${order.id}`;
    t.fake.sendUpdate({
      pre_checkout_query: {
        id: 'pcq-dee',
        from,
        currency: 'XTR',
        total_amount: 50,
        invoice_payload: payload,
      },
    });
    const answer = await t.fake.waitForCall((c) => c.method === 'answerPreCheckoutQuery');
    expect(answer.params).toMatchObject({ pre_checkout_query_id: 'pcq-dee', ok: true });
    t.fake.sendUpdate({
      message: {
        message_id: 10_000,
        date: Math.floor(Date.now() / 1000),
        chat: { id: dee.id, type: 'private', first_name: 'Dee' },
        from,
        successful_payment: {
          currency: 'XTR',
          total_amount: 50,
          invoice_payload: payload,
          telegram_payment_charge_id: 'charge-dee',
          provider_payment_charge_id: '',
        },
      },
    });
    await pressData(dee, HARMLESS);
    expect(t.services.payments.getOrder(order.id).state).not.toBe('created');
    expect(tooFastMessages(dee)).toHaveLength(1);
  });

  it('caps QR codes from key buttons and new-key requests', async () => {
    const cy = person(603, 'Cy');
    const key = await t.services.keys.create({ name: 'cy', ownerTelegramId: cy.id }, 'test');
    const presses = await Promise.all(
      Array.from({ length: limits.qr.max + 2 }, () => pressData(cy, `key:qr:${key.id}`)),
    );
    expect(callsTo(cy, 'sendPhoto')).toHaveLength(limits.qr.max);
    expect(presses.filter((p) => TOO_FAST.test(String(p.params.text)))).toHaveLength(2);

    t.clock.advance(limits.updates.windowMs);
    const before = callsTo(cy, 'sendMessage').length;
    for (let i = 0; i < limits.newKey.max + 3; i++) t.fake.sendCommand(cy, '/new');
    await pressData(cy, HARMLESS);
    // Every request within the limit is answered ("you have a key"), then one "too fast".
    expect(callsTo(cy, 'sendMessage').length - before).toBe(limits.newKey.max + 1);
    expect(tooFastMessages(cy)).toHaveLength(1);
  });
});
