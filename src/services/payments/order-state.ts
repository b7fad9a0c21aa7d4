/** When an unpaid order is open, past due or closed, and the job that expires the past-due ones. */
import { and, eq, gt, inArray, isNull, lte, or } from 'drizzle-orm';
import { orders, promoRedemptions } from '../../db/schema.ts';
import type { DbOrTx } from '../events.service.ts';
import type { Order } from './types.ts';

/** Order states that hold no promo reservation any more. */
const CLOSED_UNPAID = ['expired', 'failed'] as const;

/** Whether an unpaid order is past its lifetime (its state may not say so yet). */
export function isPastDue(order: Order, now: Date): boolean {
  return (
    order.state === 'expired' ||
    (order.state === 'created' && order.expiresAt !== null && order.expiresAt.getTime() <= now.getTime())
  );
}

/** Open orders: not paid, not past their lifetime. */
export const isOpen = (now: Date) =>
  and(eq(orders.state, 'created'), or(isNull(orders.expiresAt), gt(orders.expiresAt, now)));

/**
 * Marks unpaid orders past their lifetime expired and releases the promo reservations of
 * every closed unpaid order; returns how many orders expired.
 */
export function expireDue(tx: DbOrTx, now: Date): number {
  const expired = tx
    .update(orders)
    .set({ state: 'expired', updatedAt: now })
    .where(and(eq(orders.state, 'created'), lte(orders.expiresAt, now)))
    .run().changes;
  tx.delete(promoRedemptions)
    .where(
      and(
        eq(promoRedemptions.state, 'reserved'),
        inArray(
          promoRedemptions.orderId,
          tx.select({ id: orders.id }).from(orders).where(inArray(orders.state, CLOSED_UNPAID)),
        ),
      ),
    )
    .run();
  return expired;
}
