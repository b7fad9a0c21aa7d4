/** Provider webhooks over real HTTP handling: signatures, senders, re-fetch, exactly once. */
import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cryptoPaySignature, genericSignature } from '../../src/services/payments/signatures.ts';
import {
  createCryptoPayInvoice,
  createStripeCheckout,
  createYooKassaPayment,
} from '../../src/services/payments/providers.ts';
import { eq } from 'drizzle-orm';
import { events, outbox } from '../../src/db/schema.ts';
import { httpFixture } from './fixture.ts';

const SECRET = 'generic-webhook-secret-0123456789abcdef';
const CRYPTO_TOKEN = '123456789:AAzQcZWQqQAbsfgPnOLr4FHC8Doa4L7KryC';
const STRIPE_SECRET = 'whsec_test_secret';

/** A fake provider API recording requests and answering from a table. */
async function fakeProvider(
  answer: (req: { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }) => unknown,
) {
  const requests: Array<{ method: string; url: string; headers: http.IncomingHttpHeaders; body: string }> =
    [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const entry = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      requests.push(entry);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer(entry)));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const root = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { root, requests, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('payment webhooks', () => {
  let yookassa: Awaited<ReturnType<typeof fakeProvider>>;
  const yookassaPayments = new Map<string, { status: string; orderId: number; value?: string }>();
  let f: ReturnType<typeof httpFixture>;

  beforeAll(async () => {
    yookassa = await fakeProvider(({ url }) => {
      const id = decodeURIComponent(url.split('/').pop() ?? '');
      const p = yookassaPayments.get(id);
      return {
        id,
        status: p?.status ?? 'pending',
        amount: { value: p?.value ?? '199.00', currency: 'RUB' },
        metadata: { order_id: String(p?.orderId ?? 0) },
      };
    });
    f = httpFixture({
      PAYMENT_WEBHOOK_SECRET: SECRET,
      CRYPTOPAY_TOKEN: CRYPTO_TOKEN,
      STRIPE_SECRET_KEY: 'sk_test_0123456789abcdef',
      STRIPE_WEBHOOK_SECRET: STRIPE_SECRET,
      YOOKASSA_SHOP_ID: '1000',
      YOOKASSA_SECRET_KEY: 'test_0123456789abcdefghijkl',
      YOOKASSA_API_ROOT: yookassa.root,
      TRUST_PROXY: 'true',
    });
    f.services.admins.touch({ id: 700, username: 'payer' });
  });
  afterAll(async () => {
    await f.app.close();
    await yookassa.close();
  });

  const nowSec = () => Math.floor(f.clock.now().getTime() / 1000);

  function generic(body: Record<string, unknown>, options: { ts?: number; secret?: string } = {}) {
    const raw = JSON.stringify(body);
    const ts = String(options.ts ?? nowSec());
    return f.app.inject({
      method: 'POST',
      url: '/webhooks/payments/generic',
      headers: {
        'content-type': 'application/json',
        'x-timestamp': ts,
        'x-signature': `sha256=${genericSignature(options.secret ?? SECRET, ts, raw)}`,
      },
      payload: raw,
    });
  }

  it('generic: applies once; a repeat answers 200 duplicate', async () => {
    const body = { event_id: 'evt-1', username: 'shop1', extend_days: 30, amount: 500, currency: 'usd' };
    const first = await generic(body);
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ status: 'applied', username: 'shop1' });
    const again = await generic(body);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ status: 'duplicate' });
    expect(f.services.keys.get('shop1').expireAt).not.toBeNull();
  });

  it('generic: 20 concurrent duplicate deliveries are applied once', async () => {
    const body = { event_id: 'evt-burst', username: 'burst', extend_days: 10, amount: 1, currency: 'USD' };
    const answers = await Promise.all(Array.from({ length: 20 }, () => generic(body)));
    expect(answers.every((a) => a.statusCode === 200)).toBe(true);
    expect(answers.filter((a) => a.json().status === 'applied')).toHaveLength(1);
    const expiry = f.services.keys.get('burst').expireAt!.getTime();
    expect(expiry).toBe(f.clock.now().getTime() + 10 * 86_400_000);
  });

  it('generic: a bad signature, a stale timestamp or a missing header is 401 and changes nothing', async () => {
    const body = { event_id: 'evt-bad', username: 'nobody', extend_days: 1, amount: 1, currency: 'USD' };
    expect((await generic(body, { secret: 'wrong' })).statusCode).toBe(401);
    expect((await generic(body, { ts: nowSec() - 301 })).statusCode).toBe(401);
    const unsigned = await f.app.inject({
      method: 'POST',
      url: '/webhooks/payments/generic',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify(body),
    });
    expect(unsigned.statusCode).toBe(401);
    expect(unsigned.json().error.code).toBe('UNAUTHORIZED');
    expect(f.services.keys.find('nobody')).toBeUndefined();
  });

  it('Crypto Pay: a signed invoice_paid applies the order once; a bad signature is refused', async () => {
    const plan = f.services.payments.createPlan({ name: 'M', days: 30, prices: { USD: 300 } }, 't');
    const order = f.services.payments.createOrder({
      telegramId: 700,
      planId: plan.id,
      provider: 'cryptopay',
      currency: 'USD',
    });
    const raw = JSON.stringify({
      update_id: 9,
      update_type: 'invoice_paid',
      request_date: '2026-01-01',
      payload: {
        invoice_id: 4242,
        status: 'paid',
        payload: String(order.id),
        currency_type: 'fiat',
        fiat: 'USD',
        amount: '3.00',
      },
    });
    const send = (sig: string) =>
      f.app.inject({
        method: 'POST',
        url: '/webhooks/payments/cryptopay',
        headers: { 'content-type': 'application/json', 'crypto-pay-api-signature': sig },
        payload: raw,
      });
    expect((await send('0'.repeat(64))).statusCode).toBe(401);
    expect(f.services.payments.getOrder(order.id).state).toBe('created');
    const ok = await send(cryptoPaySignature(CRYPTO_TOKEN, raw));
    expect(ok.json()).toMatchObject({ status: 'applied', order_id: order.id });
    expect((await send(cryptoPaySignature(CRYPTO_TOKEN, raw))).json()).toMatchObject({ status: 'duplicate' });
    expect(f.services.payments.getOrder(order.id)).toMatchObject({
      state: 'applied',
      providerPaymentId: '4242',
    });
  });

  it('Stripe: checkout.session.completed applies the order; stale signatures are refused', async () => {
    const plan = f.services.payments.createPlan({ name: 'S', days: 7, prices: { EUR: 500 } }, 't');
    const order = f.services.payments.createOrder({
      telegramId: 700,
      planId: plan.id,
      provider: 'stripe',
      currency: 'EUR',
    });
    const raw = JSON.stringify({
      id: 'evt_1',
      type: 'checkout.session.completed',
      data: {
        object: {
          id: 'cs_1',
          client_reference_id: String(order.id),
          payment_status: 'paid',
          amount_total: 500,
          currency: 'eur',
        },
      },
    });
    const sign = (t: number) =>
      `t=${t},v1=${createHmac('sha256', STRIPE_SECRET).update(`${t}.${raw}`).digest('hex')}`;
    const send = (header: string) =>
      f.app.inject({
        method: 'POST',
        url: '/webhooks/payments/stripe',
        headers: { 'content-type': 'application/json', 'stripe-signature': header },
        payload: raw,
      });
    expect((await send(sign(nowSec() - 400))).statusCode).toBe(401);
    expect(f.services.payments.getOrder(order.id).state).toBe('created');
    expect((await send(sign(nowSec()))).json()).toMatchObject({ status: 'applied' });
  });

  it('YooKassa: only from its senders, and only once its API confirms the payment', async () => {
    const plan = f.services.payments.createPlan({ name: 'Y', days: 30, prices: { RUB: 19900 } }, 't');
    const order = f.services.payments.createOrder({
      telegramId: 700,
      planId: plan.id,
      provider: 'yookassa',
      currency: 'RUB',
    });
    const raw = JSON.stringify({
      type: 'notification',
      event: 'payment.succeeded',
      object: { id: 'pay-1', status: 'succeeded' },
    });
    const send = (ip: string) =>
      f.app.inject({
        method: 'POST',
        url: '/webhooks/payments/yookassa',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': ip },
        payload: raw,
      });

    expect((await send('203.0.113.9')).statusCode).toBe(403);
    yookassaPayments.set('pay-1', { status: 'pending', orderId: order.id });
    expect((await send('185.71.76.10')).json()).toMatchObject({ status: 'ignored' }); // the API says not paid
    expect(f.services.payments.getOrder(order.id).state).toBe('created');
    yookassaPayments.set('pay-1', { status: 'succeeded', orderId: order.id });
    expect((await send('185.71.76.10')).json()).toMatchObject({ status: 'applied' });
    const refetch = yookassa.requests.at(-1)!;
    expect(refetch).toMatchObject({ method: 'GET', url: '/v3/payments/pay-1' });
    expect(refetch.headers.authorization).toBe(
      `Basic ${Buffer.from('1000:test_0123456789abcdefghijkl').toString('base64')}`,
    );
  });

  describe('what was paid must match the order', () => {
    let buyer = 800;
    /** An open order of a fresh buyer who already has a key (so "not extended" can be seen). */
    async function openOrder(provider: 'stripe' | 'cryptopay' | 'yookassa', currency: string, price: number) {
      const telegramId = ++buyer;
      f.services.admins.touch({ id: telegramId, username: `buyer${telegramId}` });
      const expireAt = new Date(f.clock.now().getTime() + 5 * 86_400_000);
      await f.services.keys.create(
        { name: `buyer${telegramId}`, ownerTelegramId: telegramId, expireAt },
        't',
      );
      const plan = f.services.payments.createPlan(
        { name: `P${telegramId}`, days: 30, prices: { [currency]: price } },
        't',
      );
      const order = f.services.payments.createOrder({ telegramId, planId: plan.id, provider, currency });
      return { order, key: `buyer${telegramId}`, expireAt };
    }

    /** Nothing granted, the order still open, a warning event and one admin alert. */
    function expectRefused(opened: Awaited<ReturnType<typeof openOrder>>, paymentId: string) {
      expect(f.services.payments.getOrder(opened.order.id).state).toBe('created');
      expect(f.services.keys.get(opened.key).expireAt).toEqual(opened.expireAt);
      const event = f.db
        .select()
        .from(events)
        .where(eq(events.type, 'payment.mismatch'))
        .all()
        .find((e) => e.data?.order === opened.order.id);
      expect(event).toMatchObject({ severity: 'warning', data: { payment: paymentId } });
      const alerts = f.db
        .select()
        .from(outbox)
        .where(eq(outbox.kind, 'admin.alert'))
        .all()
        .filter((row) => row.payload.type === 'payment.mismatch' && row.payload.data);
      const mine = alerts.filter((row) => {
        const data = row.payload.data as { order: number; payment: string };
        return data.order === opened.order.id && data.payment === paymentId;
      });
      expect(mine).toHaveLength(1);
      expect(mine[0]!.payload).toMatchObject({ severity: 'warning' });
    }

    function stripe(session: Record<string, unknown>) {
      const raw = JSON.stringify({
        id: `evt_${String(session.id)}`,
        type: 'checkout.session.completed',
        data: { object: session },
      });
      const t = nowSec();
      const sig = createHmac('sha256', STRIPE_SECRET).update(`${t}.${raw}`).digest('hex');
      return f.app.inject({
        method: 'POST',
        url: '/webhooks/payments/stripe',
        headers: { 'content-type': 'application/json', 'stripe-signature': `t=${t},v1=${sig}` },
        payload: raw,
      });
    }

    function cryptoPay(invoice: Record<string, unknown>) {
      const raw = JSON.stringify({
        update_id: 1,
        update_type: 'invoice_paid',
        request_date: '2026-11-01',
        payload: invoice,
      });
      return f.app.inject({
        method: 'POST',
        url: '/webhooks/payments/cryptopay',
        headers: {
          'content-type': 'application/json',
          'crypto-pay-api-signature': cryptoPaySignature(CRYPTO_TOKEN, raw),
        },
        payload: raw,
      });
    }

    it('Stripe: amount_total 1 usd against a 199.00 RUB order is refused, recorded and alerted', async () => {
      const opened = await openOrder('stripe', 'RUB', 19_900);
      const session = {
        id: 'cs_cheap',
        client_reference_id: String(opened.order.id),
        payment_status: 'paid',
        amount_total: 1,
        currency: 'usd',
      };
      const answer = await stripe(session);
      expect(answer.statusCode).toBe(200);
      expect(answer.json()).toMatchObject({ status: 'refused', order_id: opened.order.id });
      expect(answer.json().reason).toMatch(/USD/);
      expectRefused(opened, 'cs_cheap');
      const [event] = f.db.select().from(events).where(eq(events.type, 'payment.mismatch')).all();
      expect(event!.data).toMatchObject({ provider: 'stripe', paid: '0.01 USD', expected: '199.00 RUB' });
      // A redelivery is refused again without a second alert.
      expect((await stripe(session)).json()).toMatchObject({ status: 'refused' });
      expectRefused(opened, 'cs_cheap');
    });

    it('Stripe: a no_payment_required session is not a payment; the right amount in RUB is', async () => {
      const opened = await openOrder('stripe', 'RUB', 19_900);
      const session = {
        id: 'cs_free',
        client_reference_id: String(opened.order.id),
        payment_status: 'no_payment_required',
        amount_total: 19_900,
        currency: 'rub',
      };
      expect((await stripe(session)).json()).toMatchObject({ status: 'refused' });
      expectRefused(opened, 'cs_free');
      const paid = await stripe({ ...session, id: 'cs_paid', payment_status: 'paid', amount_total: 19_899 });
      expect(paid.json()).toMatchObject({ status: 'refused' });
      const right = await stripe({ ...session, id: 'cs_right', payment_status: 'paid' });
      expect(right.json()).toMatchObject({ status: 'applied', username: opened.key });
      expect(f.services.keys.get(opened.key).expireAt!.getTime()).toBe(
        opened.expireAt.getTime() + 30 * 86_400_000,
      );
    });

    it('Stripe: a zero-decimal currency is compared in its own unit (500 JPY = amount_total 500)', async () => {
      const opened = await openOrder('stripe', 'JPY', 50_000);
      const session = {
        client_reference_id: String(opened.order.id),
        payment_status: 'paid',
        currency: 'jpy',
      };
      expect((await stripe({ ...session, id: 'cs_jpy_cents', amount_total: 50_000 })).json()).toMatchObject({
        status: 'refused',
      });
      expect((await stripe({ ...session, id: 'cs_jpy', amount_total: 500 })).json()).toMatchObject({
        status: 'applied',
      });
    });

    it('Crypto Pay: the invoice amount and fiat currency must be the order’s', async () => {
      const opened = await openOrder('cryptopay', 'USD', 300);
      const invoice = { status: 'paid', payload: String(opened.order.id), currency_type: 'fiat' };
      const cases = [
        { invoice_id: 901, fiat: 'USD', amount: '0.01' },
        { invoice_id: 902, fiat: 'EUR', amount: '3.00' },
        { invoice_id: 903, fiat: 'USD', amount: '3.001' },
        { invoice_id: 904, fiat: 'USD' },
        { invoice_id: 905, currency_type: 'crypto', asset: 'USDT', amount: '3' },
      ];
      for (const wrong of cases) {
        expect((await cryptoPay({ ...invoice, ...wrong })).json()).toMatchObject({ status: 'refused' });
      }
      expectRefused(opened, '901');
      expect(
        (await cryptoPay({ ...invoice, invoice_id: 906, fiat: 'USD', amount: '3' })).json(),
      ).toMatchObject({
        status: 'applied',
      });
    });

    it('YooKassa: the re-fetched amount.value must be the order’s', async () => {
      const opened = await openOrder('yookassa', 'RUB', 19_900);
      yookassaPayments.set('pay-cheap', { status: 'succeeded', orderId: opened.order.id, value: '1.00' });
      const answer = await f.app.inject({
        method: 'POST',
        url: '/webhooks/payments/yookassa',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': '185.71.76.10' },
        // The notification claims the full price: only the API's answer counts.
        payload: JSON.stringify({
          event: 'payment.succeeded',
          object: { id: 'pay-cheap', status: 'succeeded', amount: { value: '199.00', currency: 'RUB' } },
        }),
      });
      expect(answer.json()).toMatchObject({ status: 'refused', order_id: opened.order.id });
      expectRefused(opened, 'pay-cheap');
    });

    it('generic: a numeric order_id is paid only with its amount and currency', async () => {
      const opened = await openOrder('stripe', 'RUB', 19_900);
      const body = { order_id: opened.order.id, amount: 100, currency: 'RUB' };
      expect((await generic({ ...body, event_id: 'gen-cheap' })).json()).toMatchObject({ status: 'refused' });
      expectRefused(opened, 'gen-cheap');
      expect((await generic({ ...body, event_id: 'gen-ok', amount: 19_900 })).json()).toMatchObject({
        status: 'applied',
        order_id: opened.order.id,
      });
    });
  });

  describe('generic: the sender’s own order reference', () => {
    it('is stored with the payment; the event id stays the once-only key', async () => {
      const body = {
        order_id: 'shop-7781/a',
        username: 'extshop',
        extend_days: 30,
        amount: 990,
        currency: 'EUR',
      };
      const first = await generic({ ...body, event_id: 'ext-1' });
      expect(first.statusCode).toBe(200);
      expect(first.json()).toMatchObject({ status: 'applied', username: 'extshop' });
      const order = f.services.payments.getOrder(first.json().order_id as number);
      expect(order).toMatchObject({
        externalRef: 'shop-7781/a',
        provider: 'generic',
        providerPaymentId: 'ext-1',
      });
      expect((await generic({ ...body, event_id: 'ext-1' })).json()).toMatchObject({ status: 'duplicate' });
      // A second event for the same shop order is another payment.
      expect((await generic({ ...body, event_id: 'ext-2' })).json()).toMatchObject({ status: 'applied' });
      // A numeric-looking string is still the shop's reference, not an xkeeper order.
      const numeric = await generic({ ...body, order_id: '1', event_id: 'ext-3' });
      expect(f.services.payments.getOrder(numeric.json().order_id as number).externalRef).toBe('1');
    });

    it('takes up to 128 characters, and needs a key to go to', async () => {
      const body = { username: 'extlong', extend_days: 1, amount: 1, currency: 'EUR' };
      expect((await generic({ ...body, order_id: 'x'.repeat(128), event_id: 'long-ok' })).statusCode).toBe(
        200,
      );
      const tooLong = await generic({ ...body, order_id: 'x'.repeat(129), event_id: 'long-no' });
      expect(tooLong.statusCode).toBe(400);
      const nobody = await generic({
        order_id: 'shop-1',
        extend_days: 1,
        amount: 1,
        currency: 'EUR',
        event_id: 'no-key',
      });
      expect(nobody.statusCode).toBe(400);
      expect(f.services.payments.findPayment('generic', 'long-no')).toBeUndefined();
    });
  });
});

describe('provider invoice APIs (local fakes)', () => {
  it('create invoices with each provider auth and idempotency headers', async () => {
    const fake = await fakeProvider(({ url }) =>
      url.startsWith('/api/createInvoice')
        ? { ok: true, result: { invoice_id: 1, bot_invoice_url: 'https://t.me/CryptoBot?start=x' } }
        : url.startsWith('/v3/payments')
          ? { id: 'yk-1', confirmation: { confirmation_url: 'https://yoomoney.example/pay' } }
          : { id: 'cs_9', url: 'https://checkout.example/cs_9' },
    );
    try {
      const { config } = httpFixture({
        CRYPTOPAY_TOKEN: CRYPTO_TOKEN,
        CRYPTOPAY_API_ROOT: fake.root,
        YOOKASSA_SHOP_ID: '1000',
        YOOKASSA_SECRET_KEY: 'test_0123456789abcdefghijkl',
        YOOKASSA_API_ROOT: fake.root,
        STRIPE_SECRET_KEY: 'sk_test_0123456789abcdef',
        STRIPE_API_ROOT: fake.root,
      });
      const req = {
        orderId: 77,
        amount: 19900,
        currency: 'RUB',
        description: 'Month',
        returnUrl: 'https://t.me/bot',
        payableForSeconds: 2400,
      };
      expect(await createCryptoPayInvoice(config, req)).toEqual({
        providerId: '1',
        url: 'https://t.me/CryptoBot?start=x',
      });
      expect(await createYooKassaPayment(config, req)).toEqual({
        providerId: 'yk-1',
        url: 'https://yoomoney.example/pay',
      });
      expect(await createStripeCheckout(config, req)).toEqual({
        providerId: 'cs_9',
        url: 'https://checkout.example/cs_9',
      });
      const [crypto, yk, stripe] = fake.requests;
      expect(crypto!.headers['crypto-pay-api-token']).toBe(CRYPTO_TOKEN);
      expect(JSON.parse(crypto!.body)).toMatchObject({
        fiat: 'RUB',
        amount: '199.00',
        payload: '77',
        expires_in: 2400,
      });
      expect(yk!.headers['idempotence-key']).toBe('xkeeper-order-77');
      expect(JSON.parse(yk!.body)).toMatchObject({
        amount: { value: '199.00', currency: 'RUB' },
        metadata: { order_id: '77' },
      });
      expect(stripe!.headers['idempotency-key']).toBe('xkeeper-order-77');
      expect(stripe!.headers.authorization).toBe('Bearer sk_test_0123456789abcdef');
      expect(new URLSearchParams(stripe!.body).get('client_reference_id')).toBe('77');
      // Stripe's session expires with the order (no sooner than Stripe's 30-minute minimum).
      const expiresAt = Number(new URLSearchParams(stripe!.body).get('expires_at'));
      expect(Math.abs(expiresAt - (Date.now() / 1000 + 2400))).toBeLessThan(60);

      // Stripe counts yen whole and dinars in thousandths; xkeeper keeps hundredths.
      await createStripeCheckout(config, { ...req, amount: 50_000, currency: 'JPY' });
      await createStripeCheckout(config, { ...req, amount: 1_250, currency: 'KWD' });
      const unit = (i: number) =>
        new URLSearchParams(fake.requests[i]!.body).get('line_items[0][price_data][unit_amount]');
      expect([unit(3), unit(4)]).toEqual(['500', '12500']);
    } finally {
      await fake.close();
    }
  });
});
