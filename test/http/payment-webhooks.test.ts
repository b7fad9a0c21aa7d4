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
import { httpFixture } from './fixture.ts';

const SECRET = 'generic-webhook-secret';
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
  const yookassaPayments = new Map<string, { status: string; orderId: number }>();
  let f: ReturnType<typeof httpFixture>;

  beforeAll(async () => {
    yookassa = await fakeProvider(({ url }) => {
      const id = decodeURIComponent(url.split('/').pop() ?? '');
      const p = yookassaPayments.get(id);
      return {
        id,
        status: p?.status ?? 'pending',
        amount: { value: '199.00', currency: 'RUB' },
        metadata: { order_id: String(p?.orderId ?? 0) },
      };
    });
    f = httpFixture({
      PAYMENT_WEBHOOK_SECRET: SECRET,
      CRYPTOPAY_TOKEN: CRYPTO_TOKEN,
      STRIPE_SECRET_KEY: 'sk_test',
      STRIPE_WEBHOOK_SECRET: STRIPE_SECRET,
      YOOKASSA_SHOP_ID: '1000',
      YOOKASSA_SECRET_KEY: 'test_secret',
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
      payload: { invoice_id: 4242, status: 'paid', payload: String(order.id) },
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
    expect(refetch.headers.authorization).toBe(`Basic ${Buffer.from('1000:test_secret').toString('base64')}`);
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
        YOOKASSA_SECRET_KEY: 'k',
        YOOKASSA_API_ROOT: fake.root,
        STRIPE_SECRET_KEY: 'sk_test_1',
        STRIPE_API_ROOT: fake.root,
      });
      const req = {
        orderId: 77,
        amount: 19900,
        currency: 'RUB',
        description: 'Month',
        returnUrl: 'https://t.me/bot',
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
      expect(JSON.parse(crypto!.body)).toMatchObject({ fiat: 'RUB', amount: '199.00', payload: '77' });
      expect(yk!.headers['idempotence-key']).toBe('xkeeper-order-77');
      expect(JSON.parse(yk!.body)).toMatchObject({
        amount: { value: '199.00', currency: 'RUB' },
        metadata: { order_id: '77' },
      });
      expect(stripe!.headers['idempotency-key']).toBe('xkeeper-order-77');
      expect(stripe!.headers.authorization).toBe('Bearer sk_test_1');
      expect(new URLSearchParams(stripe!.body).get('client_reference_id')).toBe('77');
    } finally {
      await fake.close();
    }
  });
});
