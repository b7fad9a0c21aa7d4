import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Order } from '../../src/services/payments.service.ts';
import { OWNER, startAdminBot, until, USER, type AdminHarness } from '../helpers/admin-harness.ts';

const DAY = 86_400_000;
const REFUSAL = 'This command is for administrators only.';

let h: AdminHarness;

beforeAll(async () => {
  h = await startAdminBot();
});
afterAll(() => h.stop());

/** USER buys `planId` with Stars (as the bot's settlement would apply it). */
async function starsOrder(planId: number, chargeId: string): Promise<Order> {
  const { payments } = h.services;
  const order = payments.createOrder({ telegramId: USER.id, planId, provider: 'stars', currency: 'XTR' });
  const result = await payments.apply({
    provider: 'stars',
    providerPaymentId: chargeId,
    orderId: order.id,
    amount: order.amount,
    currency: 'XTR',
    actor: `tg:${USER.id}`,
  });
  if (result.status !== 'applied') throw new Error('not applied');
  return result.order;
}

describe('admin: plans & payments', () => {
  it('creates a plan in a dialog, takes it off sale and back, and changes its price', async () => {
    await h.send(OWNER, '/admin');
    expect(await h.press(OWNER, '💳 Plans & payments')).toMatch(/Plans: 0\nNo plans yet/);
    expect(await h.press(OWNER, '➕ New plan')).toMatch(/New plan \(1\/5\)/);
    expect(await h.send(OWNER, 'x'.repeat(40))).toBe('Send a name of 1–32 characters.');
    expect(await h.send(OWNER, 'Month')).toMatch(/\(2\/5\) How many days/);
    expect(await h.press(OWNER, '30')).toMatch(/\(3\/5\) How many GB/);
    expect(await h.press(OWNER, '50 GB')).toMatch(/\(4\/5\) Price in Telegram Stars/);
    expect(await h.send(OWNER, '100, rubles')).toMatch(/^Send a whole number of Stars from 0 to 10000/);
    const summary = await h.send(OWNER, '100, RUB 199.00');
    expect(summary).toMatch(/Name: Month\nDays: 30\nTraffic: 50 GB\nPrice: 100 ⭐ · 199.00 RUB/);
    expect(await h.press(OWNER, '✅ Create')).toBe('✅ Plan created.');
    await h.settle();
    expect(h.lastText(OWNER)).toMatch(/Plan #1 Month · on sale/);
    expect(h.services.payments.listPlans()).toEqual([
      expect.objectContaining({
        name: 'Month',
        days: 30,
        trafficGb: 50,
        priceStars: 100,
        prices: { RUB: 19900 },
        isTrial: false,
        active: true,
      }),
    ]);

    expect(await h.press(OWNER, '⏸ Stop selling')).toMatch(/Month · ⏸ not sold/);
    expect(h.services.payments.getPlan(1).active).toBe(false);
    expect(await h.press(OWNER, '▶️ Sell again')).toMatch(/Month · on sale/);
    expect(h.services.payments.getPlan(1).active).toBe(true);

    expect(await h.press(OWNER, '💰 Edit price')).toMatch(/now: 100 ⭐ · 199.00 RUB/);
    expect(await h.send(OWNER, '150')).toBe('✅ Price changed.');
    expect(h.services.payments.getPlan(1)).toMatchObject({ priceStars: 150, prices: {}, isTrial: false });
  });

  it('creates a promo code in a dialog', async () => {
    await h.send(OWNER, '/admin');
    await h.press(OWNER, '💳 Plans & payments');
    expect(await h.press(OWNER, '🎟 Promo codes')).toMatch(/Promo codes: 0\nNo promo codes yet/);
    expect(await h.press(OWNER, '➕ New promo code')).toMatch(/New promo code \(1\/6\)/);
    expect(await h.send(OWNER, 'no spaces')).toMatch(/^A code is 3–32 letters/);
    expect(await h.send(OWNER, 'SPRING')).toMatch(/\(2\/6\) What does it give/);
    expect(await h.press(OWNER, '% off')).toMatch(/\(3\/6\) How many percent off/);
    expect(await h.send(OWNER, '120')).toBe('Send a whole number from 1 to 100.');
    expect(await h.send(OWNER, '20')).toMatch(/\(4\/6\)/);
    expect(await h.press(OWNER, '10')).toMatch(/\(5\/6\)/);
    expect(await h.press(OWNER, 'Skip »')).toMatch(/Code: SPRING\nGives: −20%\nUses: 10\nDays: never/);
    expect(await h.press(OWNER, '✅ Create')).toBe('✅ Promo code created.');
    await h.settle();
    expect(h.lastText(OWNER)).toMatch(/SPRING · −20% · used 0 of 10 · expires: never/);
    expect(h.services.payments.listPromos()).toEqual([
      expect.objectContaining({ code: 'SPRING', kind: 'percent', value: 20, maxUses: 10, expireAt: null }),
    ]);
  });

  it('refunds a Stars order: Telegram first, then the key is reverted and the buyer told', async () => {
    const left = new Date(h.clock.now().getTime() + 10 * DAY);
    await h.services.keys.create({ name: 'mallory', ownerTelegramId: USER.id, expireAt: left }, 'test');
    const order = await starsOrder(1, 'stars-charge-1');
    expect(h.services.keys.get('mallory').expireAt!.getTime()).toBe(left.getTime() + 30 * DAY);
    await h.services.outbox.deliverDue(); // the "renewed" notice

    await h.send(OWNER, '/admin');
    await h.press(OWNER, '💳 Plans & payments');
    const list = await h.press(OWNER, '🧾 Orders');
    expect(list).toMatch(
      new RegExp(`#${order.id} · .* · @mallory \\(500\\) · Month · 150 ⭐ · stars · ✅ paid`),
    );
    expect(await h.press(OWNER, `↩️ Refund #${order.id}`)).toMatch(
      /Refund order #\d+: 150 ⭐ to @mallory \(500\)\? .* key mallory is taken back/,
    );

    // Telegram says no: nothing changes.
    h.fake.failNext('refundStarPayment', { error_code: 400, description: 'Bad Request: CHARGE_NOT_FOUND' });
    expect(await h.pressForAnswer(OWNER, '✅ Yes')).toBe(
      'Telegram refused the refund: Bad Request: CHARGE_NOT_FOUND',
    );
    expect(h.services.payments.getOrder(order.id).state).toBe('applied');

    expect(await h.pressForAnswer(OWNER, '✅ Yes')).toBe('Refunded.');
    const refunds = h.fake.calls.filter((c) => c.method === 'refundStarPayment');
    expect(refunds.at(-1)!.params).toEqual({
      user_id: USER.id,
      telegram_payment_charge_id: 'stars-charge-1',
    });
    expect(h.services.payments.getOrder(order.id).state).toBe('refunded');
    expect(h.services.keys.get('mallory').expireAt!.getTime()).toBe(left.getTime());
    await h.settle();
    expect(h.lastText(OWNER)).toMatch(/↩️ refunded/);
    expect(h.buttons(OWNER).some((b) => b.startsWith('↩️ Refund'))).toBe(false);

    await h.services.outbox.deliverDue();
    await until(() => /was refunded/.test(h.lastText(USER)));
    expect(h.lastText(USER)).toBe(
      `↩️ Your payment of 150 ⭐ (order #${order.id}) was refunded. What it added to key mallory was taken back.`,
    );
  });

  it('applies a payment that arrives while the admin is in a dialog', async () => {
    const order = h.services.payments.createOrder({
      telegramId: OWNER.id,
      planId: 1,
      provider: 'stars',
      currency: 'XTR',
    });
    await h.send(OWNER, '/admin');
    await h.press(OWNER, '💳 Plans & payments');
    expect(await h.press(OWNER, '➕ New plan')).toMatch(/New plan \(1\/5\)/);
    await h.settle();
    h.fake.sendUpdate({
      message: {
        message_id: (h.fake.lastMessageTo(OWNER.id)?.message_id ?? 0) + 1000,
        date: Math.floor(Date.now() / 1000),
        chat: { id: OWNER.id, type: 'private', first_name: OWNER.first_name! },
        from: { id: OWNER.id, is_bot: false, first_name: OWNER.first_name! },
        successful_payment: {
          currency: 'XTR',
          total_amount: order.amount,
          invoice_payload: `order:${order.id}`,
          telegram_payment_charge_id: 'stars-charge-owner',
          provider_payment_charge_id: '',
        },
      },
    });
    await until(() => h.services.payments.getOrder(order.id).state === 'applied');
    // The dialog is still waiting for the plan's name.
    expect(await h.send(OWNER, 'Week')).toMatch(/\(2\/5\) How many days/);
    expect(await h.press(OWNER, '✖ Cancel')).toBe('Cancelled.');
  });

  it('refuses forged payments buttons from an ordinary user and changes nothing', async () => {
    const order = await starsOrder(1, 'stars-charge-2');
    const snapshot = () => ({
      plans: h.services.payments.listPlans(),
      promos: h.services.payments.listPromos(),
      order: h.services.payments.getOrder(order.id),
      key: h.services.keys.get('mallory'),
    });
    const before = snapshot();
    const refundsBefore = h.fake.calls.filter((c) => c.method === 'refundStarPayment').length;
    for (const data of [
      'a:pp',
      'a:pp:new',
      'a:pp:off:1',
      'a:pp:e:1',
      'a:pp:pr:new',
      'a:pp:o',
      `a:pp:rf!:${order.id}`,
    ]) {
      await h.settle();
      const update = h.forgeCallback(USER, data);
      const answer = await h.fake.waitForCall(
        (c) => c.method === 'answerCallbackQuery' && c.params.callback_query_id === update.callback_query!.id,
      );
      expect(answer.params).toMatchObject({ text: REFUSAL, show_alert: true });
    }
    await h.settle();
    expect(snapshot()).toEqual(before);
    expect(h.fake.calls.filter((c) => c.method === 'refundStarPayment')).toHaveLength(refundsBefore);
  });
});
