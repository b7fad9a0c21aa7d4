/**
 * Payments, one facade over modules split by noun (./payments/): plans, promo codes,
 * orders, applying/refunding a payment. Provider specifics (signatures, APIs) live there too.
 */
import { createApply } from './payments/apply.ts';
import { createOrders } from './payments/orders.ts';
import { createPlans } from './payments/plans.ts';
import { createPromos } from './payments/promos.ts';
import type { PaymentsDeps } from './payments/types.ts';

export * from './payments/types.ts';

export function createPaymentsService(deps: PaymentsDeps) {
  const plans = createPlans(deps);
  const promos = createPromos(deps);
  const orders = createOrders(deps, plans, promos);
  const { createPromo, updatePromo, checkPromo, listPromos } = promos;
  return {
    ...plans,
    createPromo,
    updatePromo,
    checkPromo,
    listPromos,
    ...orders,
    ...createApply(deps, orders),
  };
}

export type PaymentsService = ReturnType<typeof createPaymentsService>;
