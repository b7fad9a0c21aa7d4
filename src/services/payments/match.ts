/**
 * Does a payment match the order it names? Asked before anything is granted, whatever the
 * provider: its own "paid" status, the provider, the currency and the exact amount.
 *
 * xkeeper keeps a fiat amount in hundredths of the major unit whatever the currency
 * (`199.00 RUB` = 19900, `500 JPY` = 50000) and Stars as whole stars; the helpers here turn
 * a provider's amount into that form exactly (no rounding: a cent off is a mismatch).
 */
import type { Db } from '../../db/client.ts';
import type { AdminsService } from '../admins.service.ts';
import { AppError } from '../errors.ts';
import type { EventsService } from '../events.service.ts';

/** What the provider says was paid, in xkeeper's units. */
export interface PaidFacts {
  provider: string;
  /** The provider's status of the payment (Stripe `payment_status`, YooKassa / Crypto Pay `status`). */
  status?: string;
  amount: number;
  currency: string;
}

/** The status that means "the money arrived", for providers that report one. */
const PAID_STATUS: Record<string, string> = { stripe: 'paid', cryptopay: 'paid', yookassa: 'succeeded' };

/** Why `paid` does not settle `order`, or null when it does. */
export function paymentMismatch(
  order: { provider: string; amount: number; currency: string },
  paid: PaidFacts,
): string | null {
  const wanted = PAID_STATUS[paid.provider];
  if (wanted !== undefined && paid.status !== wanted) {
    return `the payment is ${paid.status ?? 'without a status'}, not ${wanted}`;
  }
  // The generic webhook is the operator's own billing: it may settle any order.
  if (paid.provider !== 'generic' && paid.provider !== order.provider) {
    return `the order is to be paid through ${order.provider}, not ${paid.provider}`;
  }
  if (paid.currency.toUpperCase() !== order.currency.toUpperCase()) {
    return `paid in ${paid.currency || 'no currency'}, the order is in ${order.currency}`;
  }
  if (paid.amount !== order.amount) return `paid ${paid.amount}, the order costs ${order.amount}`;
  return null;
}

/** A decimal string (`"199.00"`, `"5"`) in hundredths, or NaN when it is not exactly that. */
export function hundredthsOf(decimal: unknown): number {
  const match = typeof decimal === 'string' ? /^(\d{1,15})(?:\.(\d{1,18}))?$/.exec(decimal) : null;
  if (!match) return Number.NaN;
  const fraction = (match[2] ?? '').padEnd(2, '0');
  if (/[1-9]/.test(fraction.slice(2))) return Number.NaN;
  return Number(match[1]) * 100 + Number(fraction.slice(0, 2));
}

/** Stripe's zero- and three-decimal currencies (its amounts are in the currency's minor unit). */
const STRIPE_ZERO_DECIMAL = new Set(
  'BIF CLP DJF GNF JPY KMF KRW MGA PYG RWF UGX VND VUV XAF XOF XPF'.split(' '),
);
const STRIPE_THREE_DECIMAL = new Set('BHD JOD KWD OMR TND'.split(' '));

/** xkeeper's hundredths → Stripe's `unit_amount` in that currency. */
export function toStripeAmount(hundredths: number, currency: string): number {
  const code = currency.toUpperCase();
  if (STRIPE_THREE_DECIMAL.has(code)) return hundredths * 10;
  if (!STRIPE_ZERO_DECIMAL.has(code)) return hundredths;
  if (hundredths % 100 !== 0) {
    throw new AppError('VALIDATION_FAILED', `${code} has no fractions: the price must be whole`);
  }
  return hundredths / 100;
}

/** Stripe's `amount_total` → xkeeper's hundredths (NaN when absent or not whole hundredths). */
export function fromStripeAmount(amount: unknown, currency: string): number {
  if (typeof amount !== 'number' || !Number.isSafeInteger(amount)) return Number.NaN;
  const code = currency.toUpperCase();
  if (STRIPE_THREE_DECIMAL.has(code)) return amount % 10 === 0 ? amount / 10 : Number.NaN;
  return STRIPE_ZERO_DECIMAL.has(code) ? amount * 100 : amount;
}

/** An amount as people read it in an alert: `199.00 RUB`, `150 XTR`. */
function money(amount: number, currency: string): string {
  if (!Number.isFinite(amount)) return `? ${currency}`.trim();
  return `${currency === 'XTR' ? amount : (amount / 100).toFixed(2)} ${currency}`.trim();
}

/**
 * Records a refused payment: a `payment.mismatch` warning event and one admin alert per
 * payment (a redelivery does not alert again). Nothing is granted and the order stays open.
 */
export function recordMismatch(
  deps: { db: Db; events: EventsService; admins: Pick<AdminsService, 'alert'> },
  order: { id: number; amount: number; currency: string },
  paid: PaidFacts & { providerPaymentId: string; actor: string },
  reason: string,
): void {
  const data = {
    order: order.id,
    provider: paid.provider,
    payment: paid.providerPaymentId,
    status: paid.status ?? null,
    paid: money(paid.amount, paid.currency),
    expected: money(order.amount, order.currency),
    reason,
  };
  deps.db.transaction((tx) => {
    deps.events.record(
      { type: 'payment.mismatch', severity: 'warning', actor: paid.actor, subject: null, data },
      tx,
    );
    deps.admins.alert(
      { type: 'payment.mismatch', severity: 'warning', data },
      { tx, key: `${paid.provider}:${paid.providerPaymentId}` },
    );
  });
}
