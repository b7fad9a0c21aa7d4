import { describe, expect, it } from 'vitest';
import { outbox } from '../../src/db/schema.ts';
import { GB } from '../../src/services/keys.service.ts';
import { testServices } from '../helpers/db.ts';
import { createMemoryCore } from '../helpers/memory-core.ts';

const DAY = 86_400_000;

function setup() {
  const t = testServices();
  const mem = createMemoryCore();
  t.services.attachCore(mem.core);
  t.services.admins.touch({ id: 500, username: 'buyer' });
  const month = t.services.payments.createPlan(
    { name: 'Month', days: 30, trafficGb: 100, priceStars: 150, prices: { USD: 299 } },
    'test',
  );
  return { ...t, mem, month };
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
    expect(services.payments.payableReason(order.id, 150, 'XTR')).toBeNull();
    expect(services.payments.payableReason(order.id, 100, 'XTR')).toBe('amount changed');
    services.payments.updatePlan(month.id, { active: false }, 'test');
    expect(services.payments.payableReason(order.id, 150, 'XTR')).toBe('plan no longer sold');
    services.payments.updatePlan(month.id, { active: true }, 'test');
    await services.payments.apply({
      provider: 'stars',
      providerPaymentId: 'a',
      orderId: order.id,
      amount: 150,
      currency: 'XTR',
      actor: 't',
    });
    expect(services.payments.payableReason(order.id, 150, 'XTR')).toBe('order already paid');
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
    expect(() => services.payments.checkPromo('HALF')).toThrow(/used up/);
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
