/**
 * Payments, one facade over modules split by noun (./payments/): plans, promo codes,
 * orders, applying/refunding a payment, and the checkout (order → invoice or link, trials).
 * Provider specifics (signatures, APIs) live there too.
 */
import type { Config } from '../config.ts';
import { createApply } from './payments/apply.ts';
import { createCheckout } from './payments/checkout.ts';
import { createOrders } from './payments/orders.ts';
import { createPlans } from './payments/plans.ts';
import { createPromos } from './payments/promos.ts';
import type { PaymentsDeps } from './payments/types.ts';

export * from './payments/types.ts';
export { orderIdOfPayload, PAY_METHODS, type Checkout, type PayMethod } from './payments/checkout.ts';

export function createPaymentsService(deps: PaymentsDeps & { config: Readonly<Config> }) {
  const plans = createPlans(deps);
  const promos = createPromos(deps);
  const orders = createOrders(deps, plans, promos);
  const apply = createApply(deps, orders);
  const { createPromo, updatePromo, checkPromo, listPromos } = promos;
  return {
    ...plans,
    createPromo,
    updatePromo,
    checkPromo,
    listPromos,
    ...orders,
    ...apply,
    ...createCheckout(deps, plans, orders, apply),
  };
}

export type PaymentsService = ReturnType<typeof createPaymentsService>;
