/** Amounts of orders and prices as people read them. */
import { STARS } from '../../services/payments.service.ts';

export { STARS };

/** `100 ⭐` for Stars; other currencies from minor units, e.g. `199.00 RUB`. */
export function formatAmount(amount: number, currency: string): string {
  return currency === STARS ? `${amount} ⭐` : `${(amount / 100).toFixed(2)} ${currency}`;
}

/** Every price of a plan: `100 ⭐ · 199.00 RUB`. */
export function formatPrices(plan: { priceStars: number | null; prices: Record<string, number> }): string {
  return [
    ...(plan.priceStars != null ? [formatAmount(plan.priceStars, STARS)] : []),
    ...Object.entries(plan.prices).map(([currency, amount]) => formatAmount(amount, currency)),
  ].join(' · ');
}
