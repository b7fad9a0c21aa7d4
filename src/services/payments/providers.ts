/**
 * Payment provider APIs: creating an invoice or payment link for an order, and, for
 * YooKassa (whose notifications are unsigned), fetching a payment to confirm its status.
 * Roots come from config so tests point them at local fakes.
 */
import type { Config } from '../../config.ts';
import { AppError } from '../errors.ts';
import { toStripeAmount } from './match.ts';

export interface PaymentLink {
  /** The provider's id of the invoice / session / payment. */
  providerId: string;
  url: string;
}

export interface InvoiceRequest {
  orderId: number;
  /** Hundredths of the major unit for fiat (19900 = 199.00), whatever the currency. */
  amount: number;
  currency: string;
  description: string;
  /** Where the buyer returns after paying (the bot's t.me link). */
  returnUrl: string;
  /** Seconds the order stays payable: the provider's link should not outlive it. */
  payableForSeconds: number;
}

const TIMEOUT_MS = 15_000;

async function call<T>(url: string, init: RequestInit, provider: string): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (error) {
    throw new AppError('PAYMENT_PROVIDER_FAILED', `${provider} is unreachable (${(error as Error).message})`);
  }
  const text = await response.text();
  if (!response.ok) {
    throw new AppError(
      'PAYMENT_PROVIDER_FAILED',
      `${provider} answered ${response.status}: ${text.slice(0, 200)}`,
    );
  }
  return JSON.parse(text) as T;
}

const major = (amount: number) => (amount / 100).toFixed(2);

/** Which providers are configured. */
export function configuredProviders(config: Readonly<Config>) {
  return {
    cryptopay: Boolean(config.CRYPTOPAY_TOKEN),
    yookassa: Boolean(config.YOOKASSA_SHOP_ID && config.YOOKASSA_SECRET_KEY),
    stripe: Boolean(config.STRIPE_SECRET_KEY),
  };
}

/** Crypto Pay `createInvoice` in fiat; the order id travels in `payload`. */
export async function createCryptoPayInvoice(
  config: Readonly<Config>,
  req: InvoiceRequest,
): Promise<PaymentLink> {
  const result = await call<{ ok: boolean; result: { invoice_id: number; bot_invoice_url: string } }>(
    `${config.CRYPTOPAY_API_ROOT}/api/createInvoice`,
    {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'Crypto-Pay-API-Token': config.CRYPTOPAY_TOKEN ?? '' },
      body: JSON.stringify({
        currency_type: 'fiat',
        fiat: req.currency,
        amount: major(req.amount),
        payload: String(req.orderId),
        description: req.description,
        // Crypto Pay takes 1 s to 31 days; a link that outlives the order would take money for nothing.
        expires_in: Math.min(Math.max(Math.floor(req.payableForSeconds), 1), 2_678_400),
      }),
    },
    'Crypto Pay',
  );
  return { providerId: String(result.result.invoice_id), url: result.result.bot_invoice_url };
}

function yookassaAuth(config: Readonly<Config>): string {
  return `Basic ${Buffer.from(`${config.YOOKASSA_SHOP_ID}:${config.YOOKASSA_SECRET_KEY}`).toString('base64')}`;
}

/** YooKassa payment with a redirect confirmation; `Idempotence-Key` makes retries safe. */
export async function createYooKassaPayment(
  config: Readonly<Config>,
  req: InvoiceRequest,
): Promise<PaymentLink> {
  const result = await call<{ id: string; confirmation: { confirmation_url: string } }>(
    `${config.YOOKASSA_API_ROOT}/v3/payments`,
    {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: yookassaAuth(config),
        'Idempotence-Key': `xkeeper-order-${req.orderId}`,
      },
      body: JSON.stringify({
        amount: { value: major(req.amount), currency: req.currency },
        capture: true,
        confirmation: { type: 'redirect', return_url: req.returnUrl },
        description: req.description,
        metadata: { order_id: String(req.orderId) },
      }),
    },
    'YooKassa',
  );
  return { providerId: result.id, url: result.confirmation.confirmation_url };
}

/** Re-fetches a YooKassa payment: notifications carry no signature, the API is the truth. */
export async function fetchYooKassaPayment(
  config: Readonly<Config>,
  paymentId: string,
): Promise<{
  id: string;
  status: string;
  amount: { value: string; currency: string };
  metadata?: Record<string, string>;
}> {
  return call(
    `${config.YOOKASSA_API_ROOT}/v3/payments/${encodeURIComponent(paymentId)}`,
    { headers: { authorization: yookassaAuth(config) } },
    'YooKassa',
  );
}

/** Stripe Checkout session (form-encoded, idempotent per order). */
export async function createStripeCheckout(
  config: Readonly<Config>,
  req: InvoiceRequest,
): Promise<PaymentLink> {
  const form = new URLSearchParams({
    mode: 'payment',
    success_url: req.returnUrl,
    cancel_url: req.returnUrl,
    client_reference_id: String(req.orderId),
    'metadata[order_id]': String(req.orderId),
    'line_items[0][quantity]': '1',
    'line_items[0][price_data][currency]': req.currency.toLowerCase(),
    'line_items[0][price_data][unit_amount]': String(toStripeAmount(req.amount, req.currency)),
    'line_items[0][price_data][product_data][name]': req.description,
    // Stripe takes 30 min to 24 h; a payment after the order expired is refused and alerted.
    expires_at: String(
      Math.floor(Date.now() / 1000) + Math.min(Math.max(req.payableForSeconds, 1860), 86_400),
    ),
  });
  const result = await call<{ id: string; url: string }>(
    `${config.STRIPE_API_ROOT}/v1/checkout/sessions`,
    {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Bearer ${config.STRIPE_SECRET_KEY}`,
        'Idempotency-Key': `xkeeper-order-${req.orderId}`,
      },
      body: form.toString(),
    },
    'Stripe',
  );
  return { providerId: result.id, url: result.url };
}

/** YooKassa's notification senders (their documented list). */
export const YOOKASSA_SENDERS = [
  '185.71.76.0/27',
  '185.71.77.0/27',
  '77.75.153.0/25',
  '77.75.154.128/25',
  '77.75.156.11/32',
  '77.75.156.35/32',
  '2a02:5180::/32',
];
