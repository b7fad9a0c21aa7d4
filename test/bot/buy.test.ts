import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Update } from 'grammy/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GB } from '../../src/services/keys.service.ts';
import type { Plan } from '../../src/services/payments.service.ts';
import type { FakeUser } from '../helpers/fake-telegram.ts';
import { until } from '../helpers/admin-harness.ts';
import { callbackUpdate, answerTo, press, startUserBot, type UserBot } from '../helpers/user-bot.ts';

const DAY = 86_400_000;
const person = (id: number, first_name: string): FakeUser => ({ id, first_name, language_code: 'en' });

/** A Crypto Pay API on loopback that records createInvoice calls. */
async function fakeCryptoPay() {
  const requests: Array<{ url: string; token: string | undefined; body: Record<string, unknown> }> = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      requests.push({
        url: req.url ?? '',
        token: req.headers['crypto-pay-api-token'] as string | undefined,
        body: JSON.parse(body) as Record<string, unknown>,
      });
      const result = { invoice_id: 4242, bot_invoice_url: 'https://t.me/CryptoBot?start=IVtest' };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, result }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    root: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let t: UserBot;
let crypto: Awaited<ReturnType<typeof fakeCryptoPay>>;
let month: Plan;
let trial: Plan;
let preCheckouts = 0;

beforeAll(async () => {
  crypto = await fakeCryptoPay();
  t = await startUserBot({ CRYPTOPAY_TOKEN: '1234:test-crypto-token', CRYPTOPAY_API_ROOT: crypto.root });
  month = t.services.payments.createPlan(
    { name: 'Month', days: 30, trafficGb: 50, priceStars: 100, prices: { RUB: 19900 } },
    'test',
  );
  trial = t.services.payments.createPlan({ name: 'Trial', days: 3, trafficGb: 5, isTrial: true }, 'test');
});
afterAll(async () => {
  await t.stop();
  await crypto.close();
});

/** /buy → the plan → the method; resolves with the order the bot's invoice names. */
async function buyWithStars(user: FakeUser, plan = 'Month'): Promise<{ orderId: number; amount: number }> {
  t.fake.sendCommand(user, '/buy');
  await t.fake.waitForReply(user.id);
  await press(t.fake, user, plan);
  await press(t.fake, user, '⭐ Telegram Stars');
  return invoiceOf(user);
}

/** The newest invoice sent to a user: its order id and amount. */
function invoiceOf(user: FakeUser): { orderId: number; amount: number } {
  const call = t.fake.calls.findLast((c) => c.method === 'sendInvoice' && c.params.chat_id === user.id)!;
  expect(call.params).toMatchObject({ currency: 'XTR', provider_token: '' });
  const prices = call.params.prices as Array<{ amount: number }>;
  expect(prices).toHaveLength(1);
  return {
    orderId: Number(/^order:(\d+)$/.exec(String(call.params.payload))![1]),
    amount: prices[0]!.amount,
  };
}

/** Telegram's pre_checkout_query; resolves with the bot's answer. */
async function preCheckout(user: FakeUser, orderId: number, amount: number) {
  const id = `pcq-${++preCheckouts}`;
  t.fake.sendUpdate({
    pre_checkout_query: {
      id,
      from: { id: user.id, is_bot: false, first_name: user.first_name!, language_code: 'en' },
      currency: 'XTR',
      total_amount: amount,
      invoice_payload: `order:${orderId}`,
    },
  });
  const answer = await t.fake.waitForCall(
    (c) => c.method === 'answerPreCheckoutQuery' && c.params.pre_checkout_query_id === id,
  );
  return answer.params;
}

/** Telegram's successful_payment message (its id well past the chat's, as the fake needs). */
function paid(user: FakeUser, orderId: number, amount: number, chargeId: string): Omit<Update, 'update_id'> {
  return {
    message: {
      message_id: (t.fake.lastMessageTo(user.id)?.message_id ?? 0) + 1000,
      date: Math.floor(Date.now() / 1000),
      chat: { id: user.id, type: 'private', first_name: user.first_name! },
      from: { id: user.id, is_bot: false, first_name: user.first_name! },
      successful_payment: {
        currency: 'XTR',
        total_amount: amount,
        invoice_payload: `order:${orderId}`,
        telegram_payment_charge_id: chargeId,
        provider_payment_charge_id: '',
      },
    },
  };
}

/** Delivers the outbox; resolves with the texts (or captions) it sent to `user`. */
async function outboxTo(user: FakeUser): Promise<string[]> {
  const before = t.fake.calls.length;
  await t.services.outbox.deliverDue();
  return t.fake.calls
    .slice(before)
    .filter((c) => ['sendMessage', 'sendPhoto'].includes(c.method) && c.params.chat_id === user.id)
    .map((c) => String(c.params.text ?? c.params.caption ?? ''));
}

describe('/buy with Telegram Stars', () => {
  it('lists the plans, invoices in Stars, checks out and gives a new key once', async () => {
    const ann = person(701, 'Ann');
    t.fake.sendCommand(ann, '/buy');
    const list = await t.fake.waitForReply(ann.id);
    expect(list.params.text).toMatch(/Buy or renew[\s\S]*Month<\/b>: 30 days, 50 GB — 100 ⭐ · 199.00 RUB/);
    expect(list.params.text).toMatch(/Trial<\/b>: 3 days, 5 GB — free/);
    await press(t.fake, ann, 'Month');
    const plan = t.fake.lastMessageTo(ann.id)!;
    expect(plan.text).toMatch(
      /Month: 30 days, 50 GB\nPrice: 100 ⭐ · 199.00 RUB\n\nHow would you like to pay\?/,
    );
    expect(plan.reply_markup?.inline_keyboard.flat().map((b) => b.text)).toEqual([
      '⭐ Telegram Stars',
      '💎 Crypto Pay',
      '🎟 I have a promo code',
      '« Plans',
    ]);

    await press(t.fake, ann, '⭐ Telegram Stars');
    const { orderId, amount } = invoiceOf(ann);
    expect(amount).toBe(100);
    expect(t.services.payments.getOrder(orderId)).toMatchObject({ telegramId: ann.id, state: 'created' });

    expect(await preCheckout(ann, orderId, 100)).toMatchObject({ ok: true });
    t.fake.sendUpdate(paid(ann, orderId, 100, 'charge-ann'));
    await until(() => t.services.payments.getOrder(orderId).state === 'applied');
    const [key] = t.services.keys.ownedBy(ann.id);
    expect(key).toMatchObject({ trafficLimitBytes: 50 * GB, status: 'active' });
    expect(key!.expireAt!.getTime()).toBe(t.clock.now().getTime() + 30 * DAY);
    expect(t.services.payments.getOrder(orderId).providerPaymentId).toBe('charge-ann');
    expect(await outboxTo(ann)).toEqual([expect.stringMatching(/^✅ Payment received, thank you!/)]);

    // Telegram delivers the same payment again: nothing changes, nothing is said.
    const messages = t.fake.messagesTo(ann.id).length;
    t.fake.sendUpdate(paid(ann, orderId, 100, 'charge-ann'));
    t.fake.sendCommand(ann, '/keys'); // handled after the repeat (one chat, in order)
    await t.fake.waitForReply(ann.id);
    expect(t.services.keys.ownedBy(ann.id)).toEqual([key]);
    expect(await outboxTo(ann)).toEqual([]);
    expect(t.fake.messagesTo(ann.id)).toHaveLength(messages + 1); // the /keys answer only
  });

  it('renews the key a buyer has: the days go on top of what is left', async () => {
    const bob = person(702, 'Bob');
    const left = new Date(t.clock.now().getTime() + 10 * DAY);
    await t.services.keys.create(
      { name: 'bob', ownerTelegramId: bob.id, expireAt: left, trafficLimitBytes: 10 * GB },
      'test',
    );
    const { orderId, amount } = await buyWithStars(bob);
    expect(await preCheckout(bob, orderId, amount)).toMatchObject({ ok: true });
    t.fake.sendUpdate(paid(bob, orderId, amount, 'charge-bob'));
    await until(() => t.services.payments.getOrder(orderId).state === 'applied');
    const key = t.services.keys.get('bob');
    expect(key.expireAt!.getTime()).toBe(left.getTime() + 30 * DAY);
    expect(key.trafficLimitBytes).toBe(60 * GB);
    expect(await outboxTo(bob)).toEqual(['✅ Key <b>bob</b> was renewed: valid until Dec 11, 2026.']);
  });

  it('refuses the checkout of a plan taken off sale, of a paid order and of someone else', async () => {
    const cid = person(703, 'Cid');
    const { orderId, amount } = await buyWithStars(cid);
    const other = person(704, 'Eve');
    expect(await preCheckout(other, orderId, amount)).toMatchObject({
      ok: false,
      error_message: 'This invoice was made for someone else. Please use /buy.',
    });
    expect(await preCheckout(cid, orderId, amount + 1)).toMatchObject({
      ok: false,
      error_message: 'The price has changed. Please start again with /buy.',
    });

    t.services.payments.updatePlan(month.id, { active: false }, 'test');
    try {
      expect(await preCheckout(cid, orderId, amount)).toMatchObject({
        ok: false,
        error_message: 'This plan is no longer sold. Please pick another one with /buy.',
      });
    } finally {
      t.services.payments.updatePlan(month.id, { active: true }, 'test');
    }

    const paidOrder = t.services.payments.ordersOf(701)[0]!; // Ann's, from the first test
    expect(await preCheckout(person(701, 'Ann'), paidOrder.id, paidOrder.amount)).toMatchObject({
      ok: false,
      error_message: 'This order has been paid already.',
    });
    expect(t.services.payments.getOrder(orderId).state).toBe('created');
  });

  it('gives the trial at once, and only once', async () => {
    const dan = person(705, 'Dan');
    t.fake.sendCommand(dan, '/buy');
    await t.fake.waitForReply(dan.id);
    await press(t.fake, dan, '🎁 Trial');
    expect(t.fake.lastMessageTo(dan.id)!.text).toMatch(/^🎁 Your trial has started!/);
    const [key] = t.services.keys.ownedBy(dan.id);
    expect(key).toMatchObject({ trafficLimitBytes: 5 * GB });
    expect(key!.expireAt!.getTime()).toBe(t.clock.now().getTime() + 3 * DAY);
    expect(t.fake.calls.some((c) => c.method === 'sendInvoice' && c.params.chat_id === dan.id)).toBe(false);
    expect(await outboxTo(dan)).toEqual([expect.stringMatching(/^🎁 Your trial key is ready/)]);

    t.fake.sendCommand(dan, '/buy');
    await t.fake.waitForReply(dan.id);
    const buttons = t.fake
      .lastMessageTo(dan.id)!
      .reply_markup!.inline_keyboard.flat()
      .map((b) => b.text);
    expect(buttons).toEqual(['Month']);

    // An old Trial button pressed again: refused, the key stays as it was.
    const message = t.fake.messagesTo(dan.id).find((m) => m.text?.startsWith('🎁 Your trial'))!;
    const answer = await answerTo(
      t.fake,
      t.fake.sendUpdate(callbackUpdate(dan, message, `buy:p:${trial.id}`)),
    );
    expect(answer.params).toMatchObject({
      text: expect.stringMatching(/had your trial already/),
      show_alert: true,
    });
    expect(t.services.keys.ownedBy(dan.id)).toEqual([key]);
  });

  it('takes a promo code: a wrong one is explained, a good one lowers the price', async () => {
    t.services.payments.createPromo({ code: 'SPRING', kind: 'percent', value: 20 }, 'test');
    const fay = person(706, 'Fay');
    t.fake.sendCommand(fay, '/buy');
    await t.fake.waitForReply(fay.id);
    await press(t.fake, fay, 'Month');
    await press(t.fake, fay, '🎟 I have a promo code');
    expect(t.fake.lastMessageTo(fay.id)!.text).toBe('🎟 Send your promo code in a message.');

    t.fake.sendText(fay, 'WINTER');
    const wrong = await t.fake.waitForReply(fay.id);
    expect(wrong.params.text).toMatch(/^🎟 This promo code is not valid\.[\s\S]*How would you like to pay\?/);

    await press(t.fake, fay, '🎟 I have a promo code');
    t.fake.sendText(fay, 'spring');
    const good = await t.fake.waitForReply(fay.id);
    expect(good.params.text).toMatch(/Promo code <b>SPRING<\/b>: −20%/);
    await press(t.fake, fay, '⭐ Telegram Stars');
    const { orderId, amount } = invoiceOf(fay);
    expect(amount).toBe(80);
    expect(await preCheckout(fay, orderId, 80)).toMatchObject({ ok: true });
    t.fake.sendUpdate(paid(fay, orderId, 80, 'charge-fay'));
    await until(() => t.services.payments.getOrder(orderId).state === 'applied');
    expect(t.services.payments.listPromos()[0]).toMatchObject({ code: 'SPRING', uses: 1 });
  });

  it('pays through a configured provider with a link button', async () => {
    const gus = person(707, 'Gus');
    t.fake.sendCommand(gus, '/buy');
    await t.fake.waitForReply(gus.id);
    await press(t.fake, gus, 'Month');
    await press(t.fake, gus, '💎 Crypto Pay');
    const reply = t.fake.lastMessageTo(gus.id)!;
    expect(reply.text).toMatch(/^🧾 Order #\d+: Month for 199.00 RUB\./);
    expect(reply.reply_markup?.inline_keyboard.flat()).toEqual([
      { text: '💳 Pay 199.00 RUB', url: 'https://t.me/CryptoBot?start=IVtest' },
    ]);
    const [order] = t.services.payments.ordersOf(gus.id);
    expect(order).toMatchObject({ provider: 'cryptopay', currency: 'RUB', amount: 19900, state: 'created' });
    expect(crypto.requests.at(-1)).toMatchObject({
      url: '/api/createInvoice',
      token: '1234:test-crypto-token',
      body: { currency_type: 'fiat', fiat: 'RUB', amount: '199.00', payload: String(order!.id) },
    });
    // The invoice lives exactly as long as the order (orderLifetimeMinutes, 60 by default).
    expect((crypto.requests.at(-1)!.body as { expires_in: number }).expires_in).toBe(
      (order!.expiresAt!.getTime() - t.services.clock.now().getTime()) / 1000,
    );
    expect(order!.expiresAt!.getTime() - order!.createdAt.getTime()).toBe(60 * 60_000);
  });
});

describe('/buy: orders and promo codes that cannot be replayed', () => {
  const INVALID = '🎟 This promo code is not valid. Check the spelling and try again.';

  /** A message of the bot to this person, to press forged buttons under. */
  async function someMessage(user: FakeUser) {
    t.fake.sendCommand(user, '/buy');
    await t.fake.waitForReply(user.id);
    return t.fake.lastMessageTo(user.id)!;
  }

  /** Sends forged callback data; resolves with the bot's answer to it. */
  async function forge(user: FakeUser, data: string) {
    const message = await someMessage(user);
    const answer = await answerTo(t.fake, t.fake.sendUpdate(callbackUpdate(user, message, data)));
    return answer.params;
  }

  it('a single-use code holds one open order: others are refused, a new invoice replaces the old', async () => {
    t.services.payments.createPromo({ code: 'ONE90', kind: 'percent', value: 90, maxUses: 1 }, 'test');
    const hal = person(708, 'Hal');
    const ivy = person(709, 'Ivy');
    expect(await forge(hal, `buy:pay:${month.id}:stars:ONE90`)).not.toHaveProperty('show_alert');
    const first = invoiceOf(hal);
    expect(first.amount).toBe(10);

    // Someone else forging the same code into the pay button: refused, no invoice.
    expect(await forge(ivy, `buy:pay:${month.id}:stars:ONE90`)).toMatchObject({
      text: INVALID,
      show_alert: true,
    });
    expect(t.fake.calls.some((c) => c.method === 'sendInvoice' && c.params.chat_id === ivy.id)).toBe(false);

    // Hal opens another invoice with it: the first order is closed, the code still counts once.
    await forge(hal, `buy:pay:${month.id}:stars:ONE90`);
    const second = invoiceOf(hal);
    expect(second.orderId).not.toBe(first.orderId);
    expect(await preCheckout(hal, first.orderId, 10)).toMatchObject({
      ok: false,
      error_message: 'This order has expired. Please start again with /buy.',
    });
    expect(await preCheckout(hal, second.orderId, 10)).toMatchObject({ ok: true });
    t.fake.sendUpdate(paid(hal, second.orderId, 10, 'charge-hal'));
    await until(() => t.services.payments.getOrder(second.orderId).state === 'applied');
    expect(t.services.payments.listPromos().find((p) => p.code === 'ONE90')).toMatchObject({ uses: 1 });
    expect(await forge(ivy, `buy:pay:${month.id}:stars:ONE90`)).toMatchObject({ text: INVALID });
    expect(await forge(hal, `buy:p:${month.id}:ONE90`)).toMatchObject({ text: INVALID });
  });

  it('answers unknown, used-up and expired codes alike, and locks out a prober', async () => {
    const { payments } = t.services;
    payments.createPromo({ code: 'SPENT', kind: 'percent', value: 50, maxUses: 1 }, 'test');
    payments.createOrder({
      telegramId: 799,
      planId: month.id,
      provider: 'stars',
      currency: 'XTR',
      promoCode: 'SPENT',
    });
    const past = new Date(t.clock.now().getTime() - 1);
    payments.createPromo({ code: 'LAPSED', kind: 'percent', value: 50, expireAt: past }, 'test');
    payments.createPromo({ code: 'FINE', kind: 'percent', value: 10 }, 'test');
    const jon = person(710, 'Jon');
    for (const code of ['NOPE1', 'SPENT', 'LAPSED', 'NOPE2', 'NOPE3']) {
      expect(await forge(jon, `buy:p:${month.id}:${code}`)).toMatchObject({
        text: INVALID,
        show_alert: true,
      });
    }
    // Five wrong codes in a minute: even a good one is refused for a while, to Jon only.
    expect(await forge(jon, `buy:p:${month.id}:FINE`)).toMatchObject({
      text: '🎟 Too many wrong promo codes. Please try again in a while.',
    });
    expect(await forge(jon, `buy:pay:${month.id}:stars:FINE`)).toMatchObject({
      text: '🎟 Too many wrong promo codes. Please try again in a while.',
    });
    expect(t.fake.calls.some((c) => c.method === 'sendInvoice' && c.params.chat_id === jon.id)).toBe(false);
    const kim = person(711, 'Kim');
    expect(await forge(kim, `buy:p:${month.id}:FINE`)).not.toHaveProperty('text');
    expect(t.fake.lastMessageTo(kim.id)!.text).toMatch(/Promo code FINE: −10%/);
  });

  // Moves the clock: keep it last.
  it('an unpaid invoice expires: pre-checkout refuses it and a late payment is returned', async () => {
    const lea = person(712, 'Lea');
    const { orderId, amount } = await buyWithStars(lea);
    t.clock.advance(61 * 60_000);
    expect(await preCheckout(lea, orderId, amount)).toMatchObject({
      ok: false,
      error_message: 'This order has expired. Please start again with /buy.',
    });
    t.fake.sendUpdate(paid(lea, orderId, amount, 'charge-lea-late'));
    const refund = await t.fake.waitForCall((c) => c.method === 'refundStarPayment');
    expect(refund.params).toEqual({ user_id: lea.id, telegram_payment_charge_id: 'charge-lea-late' });
    expect((await t.fake.waitForReply(lea.id)).params.text).toMatch(/^⌛ This order had expired/);
    expect(t.services.payments.getOrder(orderId).state).toBe('expired');
    expect(t.services.keys.ownedBy(lea.id)).toEqual([]);
  });
});
