/**
 * Orders: a plan bought at today's price (after a promo code, whose use the order reserves),
 * payable for a while; whether one can be paid now; the lists of them.
 */
import { and, eq, sql } from 'drizzle-orm';
import { orders, plans, promoRedemptions } from '../../db/schema.ts';
import { AppError, reasonedError, type NotPayableReason } from '../errors.ts';
import { expireDue, isPastDue } from './order-state.ts';
import { priceOf, type Plans } from './plans.ts';
import type { Promos } from './promos.ts';
import type { Grant, Order, OrderData, PaymentsDeps, Provider } from './types.ts';

export function notPayable(orderId: number, reason: NotPayableReason): AppError {
  return reasonedError('ORDER_NOT_PAYABLE', reason, `order ${orderId} cannot be paid: ${reason}`);
}

export function createOrders(
  { db, clock, admins, settings }: Pick<PaymentsDeps, 'db' | 'clock' | 'admins' | 'settings'>,
  { getPlan }: Plans,
  { guardedPromo, promoByCode, isLive }: Promos,
) {
  function getOrder(id: number): Order {
    const order = db.select().from(orders).where(eq(orders.id, id)).get();
    if (!order) throw new AppError('NOT_FOUND', `no order ${id}`);
    return order;
  }

  return {
    getOrder,

    /** Seconds an order stays payable from now: a provider's link should not outlive it. */
    secondsToPay(order: Order): number {
      const lifetime = settings.require('orderLifetimeMinutes') * 60;
      return order.expiresAt ? (order.expiresAt.getTime() - clock.now().getTime()) / 1000 : lifetime;
    },

    findPayment(provider: Provider, providerPaymentId: string): Order | undefined {
      return db
        .select()
        .from(orders)
        .where(and(eq(orders.provider, provider), eq(orders.providerPaymentId, providerPaymentId)))
        .get();
    },

    /** Expires unpaid orders past their lifetime, releasing their promo codes (the job). */
    expireOrders: (): number => db.transaction((tx) => expireDue(tx, clock.now())),

    /**
     * Creates an order for a plan: the price (after a promo) in Stars or the provider's
     * currency, payable for `orderLifetimeMinutes`. A trial plan is refused to anyone who
     * had one. A promo code's use is reserved with the order (one per person, counted
     * against its uses); the person's older open order with the same code gives it up and
     * closes.
     */
    createOrder(input: {
      telegramId: number;
      planId: number;
      provider: Provider;
      currency: string;
      promoCode?: string | null;
      keyName?: string | null;
    }): Order {
      const plan = getPlan(input.planId);
      if (!plan.active) throw new AppError('PLAN_UNAVAILABLE', 'this plan is no longer sold');
      if (plan.isTrial && admins.get(input.telegramId)?.trialUsedAt) {
        throw new AppError('TRIAL_USED', 'the trial can be taken once');
      }
      if (priceOf(plan, input.currency, null) === undefined) {
        throw new AppError('PLAN_UNAVAILABLE', `this plan has no price in ${input.currency}`);
      }
      const now = clock.now();
      const expiresAt = new Date(now.getTime() + settings.require('orderLifetimeMinutes') * 60_000);
      return db.transaction((tx) => {
        expireDue(tx, now);
        const found = input.promoCode ? guardedPromo(input.promoCode, input.telegramId, tx) : undefined;
        const promo = found?.promo ?? null;
        const grant: Grant = {
          days: plan.days + (promo?.kind === 'days' ? promo.value : 0),
          trafficGb: plan.trafficGb ?? 0,
        };
        const order = tx
          .insert(orders)
          .values({
            telegramId: input.telegramId,
            planId: plan.id,
            provider: input.provider,
            amount: priceOf(plan, input.currency, promo)!,
            currency: input.currency,
            state: 'created',
            data: { grant, promo: promo?.code ?? null, keyName: input.keyName ?? null, trial: plan.isTrial },
            createdAt: now,
            expiresAt,
            updatedAt: now,
          })
          .returning()
          .get();
        if (found?.mine) {
          tx.update(orders)
            .set({ state: 'expired', updatedAt: now })
            .where(and(eq(orders.id, found.mine.orderId), eq(orders.state, 'created')))
            .run();
          tx.update(promoRedemptions)
            .set({ orderId: order.id })
            .where(eq(promoRedemptions.id, found.mine.id))
            .run();
        } else if (promo) {
          tx.insert(promoRedemptions)
            .values({ promoId: promo.id, telegramId: input.telegramId, orderId: order.id, state: 'reserved' })
            .run();
        }
        return order;
      });
    },

    /**
     * Whether an order can be paid now, as Telegram's pre-checkout asks: by this person, not
     * paid or expired, and at the price its plan (and promo code) is sold for now in its
     * currency. The reason when not.
     */
    payableReason(
      orderId: number,
      payment: { amount: number; currency: string; telegramId: number },
    ): NotPayableReason | null {
      const order = db.select().from(orders).where(eq(orders.id, orderId)).get();
      if (!order) return 'not_found';
      if (order.telegramId !== payment.telegramId) return 'not_yours';
      if (isPastDue(order, clock.now()) || order.state === 'failed') return 'expired';
      if (order.state !== 'created') return 'paid';
      if (order.planId !== null) {
        const plan = db.select().from(plans).where(eq(plans.id, order.planId)).get();
        if (!plan?.active) return 'plan_unavailable';
        const code = (order.data as OrderData | null)?.promo;
        const promo = code ? promoByCode(code) : null;
        if (code && !isLive(promo ?? undefined)) return 'price_changed';
        const price = priceOf(plan, order.currency, promo ?? null);
        if (price === undefined) return 'plan_unavailable';
        if (price !== order.amount) return 'price_changed';
      }
      if (order.amount !== payment.amount || order.currency !== payment.currency) return 'price_changed';
      return null;
    },

    /** The newest orders of everyone (the admins' list). */
    recentOrders(limit = 10): Order[] {
      return db
        .select()
        .from(orders)
        .orderBy(sql`${orders.id} DESC`)
        .limit(limit)
        .all();
    },

    /** Orders of one person, newest first. */
    ordersOf(telegramId: number): Order[] {
      return db
        .select()
        .from(orders)
        .where(eq(orders.telegramId, telegramId))
        .orderBy(sql`${orders.id} DESC`)
        .all();
    },
  };
}

export type Orders = ReturnType<typeof createOrders>;
