/**
 * What admins see of payment webhooks in the bot: the alert of a refused payment, and the
 * sender's own order reference of a generic payment in the order list.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { genericSignature } from '../../src/services/payments/signatures.ts';
import { testHttpServer } from '../helpers/http-server.ts';
import { OWNER, startAdminBot, USER, type AdminHarness } from '../helpers/admin-harness.ts';

const SECRET = 'generic-webhook-secret-0123456789abcdef';
let h: AdminHarness;
let http: ReturnType<typeof testHttpServer>;

beforeAll(async () => {
  h = await startAdminBot({ env: { PAYMENT_WEBHOOK_SECRET: SECRET } });
  http = testHttpServer({ config: h.config, services: h.services });
});
afterAll(async () => {
  await http.close();
  await h.stop();
});

/** A correctly signed delivery to the generic payment webhook. */
function generic(body: Record<string, unknown>) {
  const raw = JSON.stringify(body);
  const ts = String(Math.floor(h.clock.now().getTime() / 1000));
  return http.inject({
    method: 'POST',
    url: '/webhooks/payments/generic',
    headers: {
      'content-type': 'application/json',
      'x-timestamp': ts,
      'x-signature': `sha256=${genericSignature(SECRET, ts, raw)}`,
    },
    payload: raw,
  });
}

it('a payment that does not match its order alerts every admin and grants nothing', async () => {
  const plan = h.services.payments.createPlan({ name: 'Month', days: 30, prices: { RUB: 19_900 } }, 't');
  const order = h.services.payments.createOrder({
    telegramId: USER.id,
    planId: plan.id,
    provider: 'yookassa',
    currency: 'RUB',
  });
  const answer = await generic({ event_id: 'cheap-1', order_id: order.id, amount: 1, currency: 'USD' });
  expect(answer.json()).toMatchObject({ status: 'refused', order_id: order.id });
  expect(h.services.keys.ownedBy(USER.id)).toEqual([]);

  await h.settle();
  const from = h.fake.calls.length;
  await h.services.outbox.deliverDue();
  const toOwner = h.fake.calls
    .slice(from)
    .filter((c) => c.method === 'sendMessage' && Number(c.params.chat_id) === OWNER.id)
    .map((c) => String(c.params.text));
  expect(toOwner).toEqual([
    `⚠️ <b>Payment refused</b> for order #${order.id} (generic): paid 0.01 USD, the order costs 199.00 RUB ` +
      '(paid in USD, the order is in RUB). Nothing was granted; refund or settle it by hand.',
  ]);
});

it('a generic payment with a string order_id is listed with that reference', async () => {
  const answer = await generic({
    event_id: 'shop-evt-1',
    order_id: 'INV-2026/<77>',
    username: 'shopper',
    extend_days: 30,
    amount: 990,
    currency: 'EUR',
  });
  expect(answer.json()).toMatchObject({ status: 'applied', username: 'shopper' });
  const orderId = answer.json().order_id as number;

  await h.send(OWNER, '/admin');
  await h.press(OWNER, '💳 Plans & payments');
  const list = await h.press(OWNER, '🧾 Orders');
  // The reference is escaped HTML (the harness strips tags and unescapes).
  expect(list).toMatch(
    new RegExp(`#${orderId} · .* · 9\\.90 EUR · generic · ✅ paid · their order INV-2026/<77>`),
  );
});
