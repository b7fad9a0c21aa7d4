import { describe, expect, it } from 'vitest';
import { outbox, promoCodes } from '../../src/db/schema.ts';
import type { AppError } from '../../src/services/errors.ts';
import { GB } from '../../src/services/keys.service.ts';
import { memoryCoreServices } from '../helpers/db.ts';

const DAY = 86_400_000;

function setup() {
  const t = memoryCoreServices();
  t.services.admins.touch({ id: 500, username: 'buyer' });
  const month = t.services.payments.createPlan(
    { name: 'Month', days: 30, trafficGb: 100, priceStars: 150, prices: { USD: 299 } },
    'test',
  );
  return { ...t, month };
}

/** An order of `month` in Stars (or as `extra` says) for a person. */
function orderOf(
  t: ReturnType<typeof setup>,
  telegramId: number,
  extra: { provider?: 'cryptopay'; currency?: string; promoCode?: string } = {},
) {
  return t.services.payments.createOrder({
    telegramId,
    planId: t.month.id,
    provider: extra.provider ?? 'stars',
    currency: extra.currency ?? 'XTR',
    promoCode: extra.promoCode,
  });
}

describe('payments', () => {
  it('creates a key for a first purchase and renews it on the next, adding to what is left', async () => {
    const { services, month, clock, mem } = setup();
    const first = services.payments.createOrder({
      telegramId: 500,
      planId: month.id,
      provider: 'stars',
      currency: 'XTR',
    });
    expect(first).toMatchObject({ amount: 150, state: 'created' });
    const paid = await services.payments.apply({
      provider: 'stars',
      providerPaymentId: 'ch_1',
      orderId: first.id,
      amount: 150,
      currency: 'XTR',
      actor: 'tg:500',
    });
    expect(paid.status).toBe('applied');
    if (paid.status !== 'applied') return;
    expect(paid.key).toMatchObject({
      name: 'buyer',
      ownerTelegramId: 500,
      trafficLimitBytes: 100 * GB,
      status: 'active',
    });
    expect(mem.users.has('buyer')).toBe(true);
    const expiry = paid.key.expireAt!.getTime();
    expect(expiry).toBe(clock.now().getTime() + 30 * DAY);

    clock.advance(10 * DAY);
    const second = services.payments.createOrder({
      telegramId: 500,
      planId: month.id,
      provider: 'stars',
      currency: 'XTR',
    });
    const renewed = await services.payments.apply({
      provider: 'stars',
      providerPaymentId: 'ch_2',
      orderId: second.id,
      amount: 150,
      currency: 'XTR',
      actor: 'tg:500',
    });
    if (renewed.status !== 'applied') throw new Error('not applied');
    expect(renewed.key.expireAt!.getTime()).toBe(expiry + 30 * DAY);
    expect(renewed.key.trafficLimitBytes).toBe(200 * GB);
    expect(services.keys.ownedBy(500)).toHaveLength(1);
  });

  it('names a first purchase’s key as key requests do: the whole username, else tg<ID>, numbered when taken', async () => {
    const t = setup();
    const { services } = t;
    const long = 'x'.repeat(32);
    services.admins.touch({ id: 501, username: long });
    services.admins.touch({ id: 502 });
    await services.keys.create({ name: long }, 'test');
    const names: string[] = [];
    for (const [telegramId, charge] of [
      [501, 'ch_long'],
      [502, 'ch_plain'],
    ] as const) {
      const order = orderOf(t, telegramId);
      const paid = await services.payments.apply({
        provider: 'stars',
        providerPaymentId: charge,
        orderId: order.id,
        amount: 150,
        currency: 'XTR',
        actor: `tg:${telegramId}`,
      });
      if (paid.status !== 'applied') throw new Error('not applied');
      names.push(paid.key.name);
    }
    expect(names).toEqual([`${'x'.repeat(30)}-2`, 'tg502']);
  });

  it('applies 20 concurrent duplicate deliveries exactly once', async () => {
    const { services, db } = setup();
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        services.payments.apply({
          provider: 'generic',
          providerPaymentId: 'evt-42',
          keyName: 'shop-user',
          grant: { days: 30, trafficGb: 0 },
          amount: 500,
          currency: 'USD',
          actor: 'webhook:generic',
        }),
      ),
    );
    expect(results.filter((r) => r.status === 'applied')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'duplicate')).toHaveLength(19);
    expect(
      db.$client.prepare("SELECT count(*) AS n FROM orders WHERE provider_payment_id = 'evt-42'").get(),
    ).toEqual({ n: 1 });
    expect(services.keys.get('shop-user').expireAt).not.toBeNull();
    const events = services.events.list({ type: 'payment.succeeded' });
    expect(events.total).toBe(1);
  });

  it('re-checks an order before payment and refuses a second payment of it', async () => {
    const { services, month } = setup();
    const order = services.payments.createOrder({
      telegramId: 500,
      planId: month.id,
      provider: 'stars',
      currency: 'XTR',
    });
    const pay = (amount: number) => ({ amount, currency: 'XTR', telegramId: 500 });
    expect(services.payments.payableReason(order.id, pay(150))).toBeNull();
    expect(services.payments.payableReason(order.id, pay(100))).toBe('price_changed');
    services.payments.updatePlan(month.id, { active: false }, 'test');
    expect(services.payments.payableReason(order.id, pay(150))).toBe('plan_unavailable');
    services.payments.updatePlan(month.id, { active: true }, 'test');
    await services.payments.apply({
      provider: 'stars',
      providerPaymentId: 'a',
      orderId: order.id,
      amount: 150,
      currency: 'XTR',
      actor: 't',
    });
    expect(services.payments.payableReason(order.id, pay(150))).toBe('paid');
    const again = await services.payments.apply({
      provider: 'stars',
      providerPaymentId: 'b',
      orderId: order.id,
      amount: 150,
      currency: 'XTR',
      actor: 't',
    });
    expect(again.status).toBe('duplicate');
  });

  it('gives the trial once per person and applies promo codes', async () => {
    const { services, month } = setup();
    const trial = services.payments.createPlan(
      { name: 'Trial', days: 3, trafficGb: 5, isTrial: true },
      'test',
    );
    const order = services.payments.createOrder({
      telegramId: 500,
      planId: trial.id,
      provider: 'stars',
      currency: 'XTR',
    });
    expect(order.amount).toBe(0);
    await services.payments.apply({
      provider: 'stars',
      providerPaymentId: `trial-${order.id}`,
      orderId: order.id,
      amount: 0,
      currency: 'XTR',
      actor: 't',
    });
    expect(() =>
      services.payments.createOrder({
        telegramId: 500,
        planId: trial.id,
        provider: 'stars',
        currency: 'XTR',
      }),
    ).toThrow(/once/);

    services.payments.createPromo({ code: 'HALF', kind: 'percent', value: 50, maxUses: 1 }, 'test');
    const discounted = services.payments.createOrder({
      telegramId: 500,
      planId: month.id,
      provider: 'stars',
      currency: 'XTR',
      promoCode: 'half',
    });
    expect(discounted.amount).toBe(75);
    await services.payments.apply({
      provider: 'stars',
      providerPaymentId: 'p1',
      orderId: discounted.id,
      amount: 75,
      currency: 'XTR',
      actor: 't',
    });
    expect(() => services.payments.checkPromo('HALF', 501)).toThrow(/not valid/);
    services.payments.createPromo({ code: 'BONUS7', kind: 'days', value: 7 }, 'test');
    const bonus = services.payments.createOrder({
      telegramId: 500,
      planId: month.id,
      provider: 'stars',
      currency: 'XTR',
      promoCode: 'BONUS7',
    });
    expect(bonus).toMatchObject({ amount: 150, data: { grant: { days: 37, trafficGb: 100 } } });
  });

  it('a refund takes back what the payment granted', async () => {
    const { services, month, clock } = setup();
    await services.keys.create(
      {
        name: 'buyer',
        ownerTelegramId: 500,
        expireAt: new Date(clock.now().getTime() + 5 * DAY),
        trafficLimitBytes: GB,
      },
      't',
    );
    const order = services.payments.createOrder({
      telegramId: 500,
      planId: month.id,
      provider: 'stars',
      currency: 'XTR',
    });
    const paid = await services.payments.apply({
      provider: 'stars',
      providerPaymentId: 'r1',
      orderId: order.id,
      amount: 150,
      currency: 'XTR',
      actor: 't',
    });
    if (paid.status !== 'applied') throw new Error('not applied');
    const refunded = await services.payments.refund(paid.order.id, 'tg:1');
    expect(refunded.state).toBe('refunded');
    const key = services.keys.get('buyer');
    expect(key.expireAt!.getTime()).toBe(clock.now().getTime() + 5 * DAY);
    expect(key.trafficLimitBytes).toBe(GB);
    await expect(services.payments.refund(paid.order.id, 'tg:1')).rejects.toThrow(/refunded/);
  });

  it('reserves a single-use code with the order and frees it when the order expires', async () => {
    const t = setup();
    const { services, clock } = t;
    const { payments } = services;
    payments.createPromo({ code: 'ONCE90', kind: 'percent', value: 90, maxUses: 1 }, 'test');
    const order = (telegramId: number) => orderOf(t, telegramId, { promoCode: 'once90' });
    const first = order(500);
    expect(first).toMatchObject({ amount: 15, expiresAt: new Date(clock.now().getTime() + 3_600_000) });
    // The one use is held: nobody else can start an order with it, nor see it as valid.
    expect(() => order(501)).toThrow(/not valid/);
    expect(() => payments.checkPromo('ONCE90', 502)).toThrow(/not valid/);
    // The holder may open a new invoice: it takes the reservation over, the old order closes.
    const second = order(500);
    expect(payments.getOrder(first.id).state).toBe('expired');
    expect(payments.payableReason(first.id, { amount: 15, currency: 'XTR', telegramId: 500 })).toBe(
      'expired',
    );
    expect(() => order(501)).toThrow(/not valid/);

    clock.advance(61 * 60_000);
    expect(payments.payableReason(second.id, { amount: 15, currency: 'XTR', telegramId: 500 })).toBe(
      'expired',
    );
    const third = order(501); // the expired order gave the use back
    expect(payments.getOrder(second.id).state).toBe('expired');
    const results = await Promise.all(
      [1, 2, 3].map(() =>
        payments.apply({
          provider: 'stars',
          providerPaymentId: 'once-1',
          orderId: third.id,
          amount: 15,
          currency: 'XTR',
          actor: 'tg:501',
        }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual(['applied', 'duplicate', 'duplicate']);
    expect(payments.listPromos()[0]).toMatchObject({ code: 'ONCE90', uses: 1 });
    expect(() => order(500)).toThrow(/not valid/);
    expect(() => order(501)).toThrow(/not valid/);
  });

  it('refuses a payment of an expired order: no key change, a warning and an admin alert', async () => {
    const t = setup();
    const { services, clock, db } = t;
    const order = orderOf(t, 500, { provider: 'cryptopay', currency: 'USD' });
    clock.advance(60 * 60_000);
    await expect(
      services.payments.apply({
        provider: 'cryptopay',
        providerPaymentId: 'inv-late',
        orderId: order.id,
        amount: 299,
        currency: 'USD',
        actor: 'webhook:cryptopay',
      }),
    ).rejects.toMatchObject({ code: 'ORDER_NOT_PAYABLE', details: { reason: 'expired' } });
    expect(services.payments.getOrder(order.id).state).toBe('expired');
    expect(services.keys.ownedBy(500)).toEqual([]);
    expect(services.events.list({ type: 'payment.refused' }).items).toEqual([
      expect.objectContaining({ severity: 'warning', data: expect.objectContaining({ reason: 'expired' }) }),
    ]);
    const alerts = db
      .select()
      .from(outbox)
      .all()
      .filter((r) => r.kind === 'admin.alert')
      .map((r) => (r.payload as { type: string }).type);
    expect(alerts).toEqual(['payment.refused']);
  });

  it('pre-checkout re-checks the order against the plan and promo code as sold now', () => {
    const t = setup();
    const { services, month } = t;
    const { payments } = services;
    payments.createPromo({ code: 'TENOFF', kind: 'fixed', value: 10 }, 'test');
    const order = orderOf(t, 500, { promoCode: 'TENOFF' });
    const pay = { amount: 140, currency: 'XTR', telegramId: 500 };
    expect(payments.payableReason(order.id, pay)).toBeNull();
    expect(payments.payableReason(order.id, { ...pay, telegramId: 501 })).toBe('not_yours');
    payments.updatePlan(month.id, { priceStars: 300 }, 'test');
    expect(payments.payableReason(order.id, pay)).toBe('price_changed');
    payments.updatePlan(month.id, { priceStars: 150 }, 'test');
    expect(payments.payableReason(order.id, pay)).toBeNull();
    services.db.update(promoCodes).set({ active: false }).run();
    expect(payments.payableReason(order.id, pay)).toBe('price_changed');
  });

  it('answers unknown, used-up and expired codes alike and locks out a prober', () => {
    const t = setup();
    const { services, clock } = t;
    const { payments } = services;
    payments.createPromo({ code: 'GONE', kind: 'percent', value: 50, maxUses: 1 }, 'test');
    orderOf(t, 501, { promoCode: 'GONE' });
    payments.createPromo(
      { code: 'OLD', kind: 'percent', value: 50, expireAt: new Date(clock.now().getTime() - 1) },
      'test',
    );
    payments.createPromo({ code: 'GOOD', kind: 'percent', value: 10 }, 'test');
    const refusal = (code: string) => {
      try {
        payments.checkPromo(code, 500);
      } catch (error) {
        return { code: (error as AppError).code, message: (error as AppError).message };
      }
      return undefined;
    };
    const invalid = { code: 'PROMO_INVALID', message: 'this promo code is not valid' };
    expect([refusal('NOPE'), refusal('GONE'), refusal('OLD')]).toEqual([invalid, invalid, invalid]);
    expect(refusal('GOOD')).toBeUndefined();
    expect(refusal('GUESS4')).toEqual(invalid);
    expect(refusal('GUESS5')).toEqual(invalid); // the 5th wrong code within a minute locks
    expect(refusal('GOOD')).toMatchObject({ code: 'RATE_LIMITED' });
    expect(() => orderOf(t, 500, { promoCode: 'GOOD' })).toThrow(/too many wrong promo codes/);
    expect(payments.checkPromo('GOOD', 502).code).toBe('GOOD'); // per person
    clock.advance(15 * 60_000);
    expect(refusal('GOOD')).toBeUndefined();
  });

  it('refunds an order once even when two refunds run at the same moment', async () => {
    const t = setup();
    const { services, clock } = t;
    const left = clock.now().getTime() + 5 * DAY;
    await services.keys.create(
      { name: 'buyer', ownerTelegramId: 500, expireAt: new Date(left), trafficLimitBytes: GB },
      't',
    );
    const order = orderOf(t, 500);
    await services.payments.apply({
      provider: 'stars',
      providerPaymentId: 'twice',
      orderId: order.id,
      amount: 150,
      currency: 'XTR',
      actor: 't',
    });
    const outcomes = await Promise.allSettled([
      services.payments.refund(order.id, 'tg:1'),
      services.payments.refund(order.id, 'tg:2'),
    ]);
    expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
    const key = services.keys.get('buyer');
    expect(key.expireAt!.getTime()).toBe(left);
    expect(key.trafficLimitBytes).toBe(GB);
    expect(services.events.list({ type: 'key.grant_revoked' }).total).toBe(1);
    expect(services.events.list({ type: 'payment.refunded' }).total).toBe(1);
  });

  it('queues the payment webhook and admin alert with the change', async () => {
    const { services, db } = setup();
    services.settings.set('webhookUrls', ['http://127.0.0.1:9/hook']);
    await services.payments.apply({
      provider: 'generic',
      providerPaymentId: 'w1',
      keyName: 'x1',
      grant: { days: 1, trafficGb: 0 },
      amount: 1,
      currency: 'USD',
      actor: 't',
    });
    const kinds = db
      .select()
      .from(outbox)
      .all()
      .map(
        (r) =>
          `${r.kind}:${(r.payload as { event?: string; type?: string }).event ?? (r.payload as { type?: string }).type}`,
      );
    expect(kinds).toEqual(
      expect.arrayContaining([
        'webhook.event:user.created',
        'webhook.event:payment.succeeded',
        'admin.alert:payment.received',
      ]),
    );
  });
});
