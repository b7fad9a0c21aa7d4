/** The admin order list shows the sender's own order reference of a generic webhook payment. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createServer } from '../../src/http/index.ts';
import { genericSignature } from '../../src/services/payments/signatures.ts';
import { silentLogger } from '../helpers/db.ts';
import { OWNER, startAdminBot, type AdminHarness } from './admin-harness.ts';

const SECRET = 'generic-webhook-secret';
let h: AdminHarness;
let http: ReturnType<typeof createServer>;

beforeAll(async () => {
  h = await startAdminBot({ env: { PAYMENT_WEBHOOK_SECRET: SECRET } });
  http = createServer({
    config: h.config,
    services: h.services,
    logger: silentLogger,
    health: { isReady: () => true, coreStatus: async () => ({ running: true }) },
  });
});
afterAll(async () => {
  await http.close();
  await h.stop();
});

it('a generic payment with a string order_id is listed with that reference', async () => {
  const raw = JSON.stringify({
    event_id: 'shop-evt-1',
    order_id: 'INV-2026/<77>',
    username: 'shopper',
    extend_days: 30,
    amount: 990,
    currency: 'EUR',
  });
  const ts = String(Math.floor(h.clock.now().getTime() / 1000));
  const answer = await http.inject({
    method: 'POST',
    url: '/webhooks/payments/generic',
    headers: {
      'content-type': 'application/json',
      'x-timestamp': ts,
      'x-signature': `sha256=${genericSignature(SECRET, ts, raw)}`,
    },
    payload: raw,
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
