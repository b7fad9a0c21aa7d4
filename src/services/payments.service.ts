/**
 * Plans, promo codes, orders and payments. A payment is applied exactly once: the order's
 * claim (unique provider + provider payment id) and the key change happen in ONE
 * transaction, so concurrent duplicate deliveries apply once and a crash applies nothing
 * half-way. Provider specifics (signatures, APIs) live in ./payments/.
 */
import { and, asc, count, eq, gt, inArray, isNull, lte, or, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import {
  orders,
  plans,
  promoCodes,
  promoRedemptions,
  telegramUsers,
  type Key,
  type PromoKind,
} from '../db/schema.ts';
import type { AdminsService } from './admins.service.ts';
import type { Clock } from './clock.ts';
import { AppError, isAppError, reasonedError, type NotPayableReason } from './errors.ts';
import type { DbOrTx, EventsService } from './events.service.ts';
import { GB, type KeysService } from './keys.service.ts';
import type { OutboxService } from './outbox.service.ts';
import { paymentMismatch, recordMismatch } from './payments/match.ts';
import type { SettingsService } from './settings.service.ts';
import { createStrikes } from './strikes.ts';
import type { WebhooksService } from './webhooks.service.ts';

export type Plan = typeof plans.$inferSelect;
export type Order = typeof orders.$inferSelect;
export type PromoCode = typeof promoCodes.$inferSelect;

export const PROVIDERS = ['stars', 'cryptopay', 'yookassa', 'stripe', 'generic'] as const;
export type Provider = (typeof PROVIDERS)[number];

export interface PlanInput {
  name: string;
  days: number;
  trafficGb?: number | null;
  priceStars?: number | null;
  prices?: Record<string, number>;
  isTrial?: boolean;
  active?: boolean;
}

/** What a payment grants: days and/or traffic, onto a named key (created when absent). */
export interface Grant {
  days: number;
  trafficGb: number;
}

export interface ApplyInput {
  provider: Provider;
  /** The provider's id of the payment: the once-only key. */
  providerPaymentId: string;
  amount: number;
  currency: string;
  /** The provider's status of the payment, checked against the one meaning "paid". */
  status?: string;
  /** The payer's own order reference (generic webhook), kept with the payment. */
  externalRef?: string | null;
  /** The order this pays, when one was created first (bot purchases). */
  orderId?: number;
  /** Without an order: whose key, and what it grants. */
  telegramId?: number | null;
  keyName?: string | null;
  grant?: Grant;
  actor: string;
}

/** Wrong promo codes a person may try: 5 a minute, then none for 15 minutes. */
const PROMO_STRIKES = { max: 5, windowMs: 60_000, lockMs: 15 * 60_000 };

/** Order states that hold no promo reservation any more. */
const CLOSED_UNPAID = ['expired', 'failed'] as const;

type Redemption = typeof promoRedemptions.$inferSelect;

/** What an order remembers of its purchase. */
interface OrderData {
  grant?: Grant;
  keyName?: string | null;
  promo?: string | null;
  trial?: boolean;
  created?: boolean;
}

export type ApplyResult =
  | { status: 'applied'; order: Order; key: Key }
  | { status: 'duplicate'; order: Order | undefined }
  | { status: 'refused'; order: Order; reason: string };

/** Thrown inside the applying transaction when the payment was already claimed. */
class DuplicatePayment extends Error {}

function assertPlan(input: Partial<PlanInput>): void {
  if (input.name !== undefined && (input.name.trim().length === 0 || input.name.length > 32)) {
    throw new AppError('VALIDATION_FAILED', 'plan name must be 1-32 characters');
  }
  if (input.days !== undefined && !(Number.isInteger(input.days) && input.days > 0 && input.days <= 3650)) {
    throw new AppError('VALIDATION_FAILED', 'plan days must be a whole number from 1 to 3650');
  }
  if (input.trafficGb != null && !(input.trafficGb >= 0)) {
    throw new AppError('VALIDATION_FAILED', 'plan traffic must be 0 (unlimited) or more GB');
  }
  if (
    input.priceStars != null &&
    !(Number.isInteger(input.priceStars) && input.priceStars >= 1 && input.priceStars <= 10_000)
  ) {
    throw new AppError('VALIDATION_FAILED', 'a Stars price is a whole number from 1 to 10000');
  }
}

export function createPaymentsService(deps: {
  db: Db;
  clock: Clock;
  keys: KeysService;
  events: EventsService;
  outbox: OutboxService;
  admins: AdminsService;
  webhooks: Pick<WebhooksService, 'emit'>;
  settings: Pick<SettingsService, 'require'>;
}) {
  const { db, clock, keys, events, outbox, admins, webhooks, settings } = deps;
  const promoStrikes = createStrikes(() => clock.now().getTime(), PROMO_STRIKES);

  function getPlan(id: number): Plan {
    const plan = db.select().from(plans).where(eq(plans.id, id)).get();
    if (!plan) throw new AppError('NOT_FOUND', `no plan ${id}`);
    return plan;
  }

  function getOrder(id: number): Order {
    const order = db.select().from(orders).where(eq(orders.id, id)).get();
    if (!order) throw new AppError('NOT_FOUND', `no order ${id}`);
    return order;
  }

  function promoByCode(code: string, tx: DbOrTx = db): PromoCode | undefined {
    return tx
      .select()
      .from(promoCodes)
      .where(sql`lower(${promoCodes.code}) = lower(${code})`)
      .get();
  }

  /** On and not past its date (uses aside). */
  function isLive(promo: PromoCode | undefined): promo is PromoCode {
    return !!promo && promo.active && !(promo.expireAt && promo.expireAt.getTime() <= clock.now().getTime());
  }

  /** Whether an unpaid order is past its lifetime (its state may not say so yet). */
  function isPastDue(order: Order): boolean {
    return (
      order.state === 'expired' ||
      (order.state === 'created' &&
        order.expiresAt !== null &&
        order.expiresAt.getTime() <= clock.now().getTime())
    );
  }

  /** Open orders: not paid, not past their lifetime. */
  const isOpen = () =>
    and(eq(orders.state, 'created'), or(isNull(orders.expiresAt), gt(orders.expiresAt, clock.now())));

  /**
   * A promo code this person may use now, with their live reservation of it (an open
   * order of theirs holds it). Unknown, off, past its date, used up or used by them already:
   * all the same PROMO_INVALID, so the answer tells a prober nothing.
   */
  function usablePromo(
    code: string,
    telegramId: number,
    tx: DbOrTx = db,
  ): { promo: PromoCode; mine: Redemption | undefined } {
    const invalid = new AppError('PROMO_INVALID', 'this promo code is not valid');
    const promo = promoByCode(code, tx);
    if (!isLive(promo)) throw invalid;
    const redemption = tx
      .select()
      .from(promoRedemptions)
      .where(and(eq(promoRedemptions.promoId, promo.id), eq(promoRedemptions.telegramId, telegramId)))
      .get();
    if (redemption?.state === 'used') throw invalid;
    const holder = redemption && tx.select().from(orders).where(eq(orders.id, redemption.orderId)).get();
    // Held by an order of theirs being paid right now (neither open nor closed unpaid): taken.
    const closed = !holder || isPastDue(holder) || holder.state === 'failed';
    if (holder && !closed && holder.state !== 'created') throw invalid;
    const mine = holder && !closed ? redemption : undefined;
    if (!mine && promo.maxUses !== null) {
      const reserved =
        tx
          .select({ n: count() })
          .from(promoRedemptions)
          .innerJoin(orders, eq(orders.id, promoRedemptions.orderId))
          .where(
            and(eq(promoRedemptions.promoId, promo.id), eq(promoRedemptions.state, 'reserved'), isOpen()),
          )
          .get()?.n ?? 0;
      if (promo.uses + reserved >= promo.maxUses) throw invalid;
    }
    return { promo, mine };
  }

  /** usablePromo, with a person's wrong guesses counted and a lock once they are too many. */
  function guardedPromo(code: string, telegramId: number, tx: DbOrTx = db) {
    const wait = promoStrikes.lockedFor(telegramId);
    if (wait > 0) {
      throw new AppError('RATE_LIMITED', 'too many wrong promo codes: try again later', {
        retryAfterSeconds: Math.ceil(wait / 1000),
      });
    }
    try {
      return usablePromo(code, telegramId, tx);
    } catch (error) {
      if (isAppError(error, 'PROMO_INVALID')) promoStrikes.strike(telegramId);
      throw error;
    }
  }

  /**
   * Marks unpaid orders past their lifetime expired and releases the promo reservations of
   * every closed unpaid order; returns how many orders expired.
   */
  function expireDue(tx: DbOrTx): number {
    const expired = tx
      .update(orders)
      .set({ state: 'expired', updatedAt: clock.now() })
      .where(and(eq(orders.state, 'created'), lte(orders.expiresAt, clock.now())))
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

  /** The price of a plan in a currency after a promo; undefined when not sold in it. */
  function priceOf(plan: Plan, currency: string, promo: PromoCode | null): number | undefined {
    const base = currency === 'XTR' ? plan.priceStars : plan.prices[currency];
    if (base == null) return plan.isTrial ? 0 : undefined;
    return discounted(base, promo);
  }

  function notPayable(orderId: number, reason: NotPayableReason): AppError {
    return reasonedError('ORDER_NOT_PAYABLE', reason, `order ${orderId} cannot be paid: ${reason}`);
  }

  /** Price after a promo (never below 1 when the base price is positive). */
  function discounted(price: number, promo: PromoCode | null): number {
    if (!promo || price <= 0) return price;
    if (promo.kind === 'percent') return Math.max(1, Math.round((price * (100 - promo.value)) / 100));
    if (promo.kind === 'fixed') return Math.max(1, price - promo.value);
    return price;
  }

  /** The key a purchase of this person goes to: the named one, else their first key. */
  function targetKey(
    telegramId: number | null | undefined,
    keyName: string | null | undefined,
  ): Key | undefined {
    if (keyName) return keys.find(keyName);
    if (telegramId != null) return keys.ownedBy(telegramId)[0];
    return undefined;
  }

  /** A fresh key name for a buyer without a key. */
  function newKeyName(telegramId: number | null | undefined): string {
    const username = telegramId != null ? admins.get(telegramId)?.username : null;
    const base =
      (username ?? (telegramId != null ? `tg${telegramId}` : 'key'))
        .replace(/[^A-Za-z0-9_.\-@]/g, '')
        .slice(0, 28) || 'key';
    let name = base;
    for (let i = 2; keys.find(name); i++) name = `${base}-${i}`.slice(0, 32);
    return name;
  }

  /** Claims the payment inside the key's transaction; a second claim throws DuplicatePayment. */
  function claim(tx: DbOrTx, input: ApplyInput, key: Key, grant: Grant, created: boolean): Order {
    const now = clock.now();
    const data = { grant, created, keyName: key.name };
    try {
      if (input.orderId !== undefined) {
        const row = tx
          .update(orders)
          .set({
            state: 'applied',
            providerPaymentId: input.providerPaymentId,
            keyId: key.id,
            paidAt: now,
            appliedAt: now,
            updatedAt: now,
            data: sql`json_patch(coalesce(${orders.data}, '{}'), ${JSON.stringify(data)})`,
          })
          .where(and(eq(orders.id, input.orderId), isOpen()))
          .returning()
          .get();
        if (row) return row;
        // Still unpaid, so past its lifetime: refused, and the key change rolls back.
        if (getOrder(input.orderId).state === 'created') throw notPayable(input.orderId, 'expired');
        throw new DuplicatePayment();
      }
      return tx
        .insert(orders)
        .values({
          telegramId: input.telegramId ?? key.ownerTelegramId,
          keyId: key.id,
          provider: input.provider,
          providerPaymentId: input.providerPaymentId,
          externalRef: input.externalRef ?? null,
          amount: input.amount,
          currency: input.currency,
          state: 'applied',
          data,
          createdAt: now,
          paidAt: now,
          appliedAt: now,
          updatedAt: now,
        })
        .returning()
        .get();
    } catch (error) {
      if (error instanceof DuplicatePayment) throw error;
      if (error instanceof Error && /UNIQUE constraint failed/.test(error.message))
        throw new DuplicatePayment();
      throw error;
    }
  }

  /**
   * A payment for an expired order: refused (no key change), recorded as a warning and told
   * to the admins, who may return the money.
   */
  function refuseExpired(order: Order, input: ApplyInput): never {
    const data = {
      order: order.id,
      provider: input.provider,
      payment: input.providerPaymentId,
      amount: input.amount,
      currency: input.currency,
      reason: 'expired',
    };
    db.transaction((tx) => {
      expireDue(tx);
      events.record({ type: 'payment.refused', severity: 'warning', actor: input.actor, data }, tx);
      admins.alert({ type: 'payment.refused', severity: 'warning', data }, { tx, throttleMinutes: 0 });
    });
    throw notPayable(order.id, 'expired');
  }

  function findPayment(provider: Provider, providerPaymentId: string): Order | undefined {
    return db
      .select()
      .from(orders)
      .where(and(eq(orders.provider, provider), eq(orders.providerPaymentId, providerPaymentId)))
      .get();
  }

  return {
    getPlan,
    getOrder,
    findPayment,

    /** Seconds an order stays payable from now: a provider's link should not outlive it. */
    secondsToPay(order: Order): number {
      const lifetime = settings.require('orderLifetimeMinutes') * 60;
      return order.expiresAt ? (order.expiresAt.getTime() - clock.now().getTime()) / 1000 : lifetime;
    },

    listPlans(options: { activeOnly?: boolean } = {}): Plan[] {
      const all = db.select().from(plans).orderBy(asc(plans.id)).all();
      return options.activeOnly ? all.filter((p) => p.active) : all;
    },

    createPlan(input: PlanInput, actor: string): Plan {
      assertPlan(input);
      const now = clock.now();
      return db.transaction((tx) => {
        const plan = tx
          .insert(plans)
          .values({
            name: input.name.trim(),
            days: input.days,
            trafficGb: input.trafficGb || null,
            priceStars: input.priceStars ?? null,
            prices: input.prices ?? {},
            isTrial: input.isTrial ?? false,
            active: input.active ?? true,
            createdAt: now,
            updatedAt: now,
          })
          .returning()
          .get();
        events.record({ type: 'plan.created', actor, subject: plan.name, data: { id: plan.id } }, tx);
        return plan;
      });
    },

    updatePlan(id: number, patch: Partial<PlanInput>, actor: string): Plan {
      getPlan(id);
      assertPlan(patch);
      return db.transaction((tx) => {
        const plan = tx
          .update(plans)
          .set({ ...patch, ...(patch.trafficGb === 0 ? { trafficGb: null } : {}), updatedAt: clock.now() })
          .where(eq(plans.id, id))
          .returning()
          .get();
        events.record({ type: 'plan.modified', actor, subject: plan.name, data: { ...patch } }, tx);
        return plan;
      });
    },

    createPromo(
      input: {
        code: string;
        kind: PromoKind;
        value: number;
        maxUses?: number | null;
        expireAt?: Date | null;
      },
      actor: string,
    ): PromoCode {
      if (!/^[A-Za-z0-9_-]{3,32}$/.test(input.code)) {
        throw new AppError('VALIDATION_FAILED', 'a promo code is 3-32 letters, digits, _ or -');
      }
      const valid =
        Number.isInteger(input.value) && input.value > 0 && (input.kind !== 'percent' || input.value <= 100);
      if (!valid)
        throw new AppError(
          'VALIDATION_FAILED',
          'promo value must be a positive whole number (percent ≤ 100)',
        );
      try {
        return db
          .insert(promoCodes)
          .values({
            ...input,
            maxUses: input.maxUses ?? null,
            expireAt: input.expireAt ?? null,
            createdBy: actor,
            createdAt: clock.now(),
          })
          .returning()
          .get();
      } catch (error) {
        if (error instanceof Error && /UNIQUE/.test(error.message)) {
          throw new AppError('VALIDATION_FAILED', `promo code ${input.code} already exists`);
        }
        throw error;
      }
    },

    /** Changes a promo code's limits or switches it off/on (looked up without regard to case). */
    updatePromo(
      code: string,
      patch: { active?: boolean; maxUses?: number | null; expireAt?: Date | null },
      actor: string,
    ): PromoCode {
      const promo = promoByCode(code);
      if (!promo) throw new AppError('NOT_FOUND', `no promo code ${code}`);
      if (patch.maxUses != null && !(Number.isInteger(patch.maxUses) && patch.maxUses > 0)) {
        throw new AppError('VALIDATION_FAILED', 'max uses must be a positive whole number');
      }
      return db.transaction((tx) => {
        const updated = tx.update(promoCodes).set(patch).where(eq(promoCodes.id, promo.id)).returning().get();
        events.record({ type: 'promo.modified', actor, subject: promo.code, data: { ...patch } }, tx);
        return updated;
      });
    },

    /**
     * A promo code this person may use; PROMO_INVALID (one reason for every failure) or,
     * after too many wrong codes, RATE_LIMITED.
     */
    checkPromo: (code: string, telegramId: number) => guardedPromo(code, telegramId).promo,

    /** Expires unpaid orders past their lifetime, releasing their promo codes (the job). */
    expireOrders: (): number => db.transaction((tx) => expireDue(tx)),

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
        expireDue(tx);
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
      if (isPastDue(order) || order.state === 'failed') return 'expired';
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

    /**
     * Applies a payment exactly once: renews the buyer's key (days added to what is left,
     * traffic added) or creates one, records the order as applied, queues the notices —
     * all in one transaction. A repeat answers `duplicate` and changes nothing; a payment
     * that does not match its order (payments/match.ts) answers `refused` and grants nothing.
     */
    async apply(input: ApplyInput): Promise<ApplyResult> {
      const existing = findPayment(input.provider, input.providerPaymentId);
      if (existing) return { status: 'duplicate', order: existing };
      const order = input.orderId !== undefined ? getOrder(input.orderId) : undefined;
      if (order && isPastDue(order)) refuseExpired(order, input);
      if (order && order.state !== 'created') return { status: 'duplicate', order };
      const mismatch = order ? paymentMismatch(order, input) : null;
      if (order && mismatch) {
        recordMismatch({ db, events, admins }, order, input, mismatch);
        return { status: 'refused', order, reason: mismatch };
      }
      const orderData = (order?.data ?? {}) as OrderData;
      const grant = orderData.grant ?? input.grant;
      if (!grant || grant.days + grant.trafficGb <= 0) {
        throw new AppError(
          'VALIDATION_FAILED',
          'the payment grants nothing: give a plan, extend_days or add_traffic_gb',
        );
      }
      const telegramId = order?.telegramId ?? input.telegramId ?? null;
      const keyName = orderData.keyName ?? input.keyName ?? null;
      const after = (tx: DbOrTx, key: Key, created: boolean) => {
        const row = claim(tx, { ...input, telegramId }, key, grant, created);
        // The order's reservation becomes the use: once, as the claim is once.
        const used = tx
          .update(promoRedemptions)
          .set({ state: 'used' })
          .where(and(eq(promoRedemptions.orderId, row.id), eq(promoRedemptions.state, 'reserved')))
          .returning()
          .get();
        if (used) {
          tx.update(promoCodes)
            .set({ uses: sql`${promoCodes.uses} + 1` })
            .where(eq(promoCodes.id, used.promoId))
            .run();
        }
        if (orderData.trial && telegramId !== null) {
          tx.update(telegramUsers)
            .set({ trialUsedAt: clock.now() })
            .where(eq(telegramUsers.id, telegramId))
            .run();
        }
        // A renewal is told to the owner by keys.renew; a key this payment made is told here.
        if (created && telegramId !== null) {
          outbox.enqueue(
            'owner.notice',
            { telegramId, notice: 'purchased', key: key.name, trial: orderData.trial === true },
            tx,
          );
        }
        events.record(
          {
            type: 'payment.succeeded',
            actor: input.actor,
            subject: key.name,
            data: { provider: input.provider, amount: input.amount, currency: input.currency, order: row.id },
          },
          tx,
        );
        webhooks.emit(tx, 'payment.succeeded', () => ({
          order_id: row.id,
          username: key.name,
          provider: input.provider,
          amount: input.amount,
          currency: input.currency,
        }));
        admins.alert(
          {
            type: 'payment.received',
            severity: 'info',
            data: { key: key.name, amount: input.amount, currency: input.currency, provider: input.provider },
          },
          { tx, throttleMinutes: 0 },
        );
        appliedOrder = row;
      };
      let appliedOrder: Order | undefined;
      try {
        const existingKey = targetKey(telegramId, keyName);
        let key: Key;
        if (existingKey) {
          key = await keys.renew(
            existingKey.name,
            { extendDays: grant.days, addTrafficBytes: grant.trafficGb * GB },
            input.actor,
            (k, tx) => after(tx, k, false),
          );
        } else {
          key = await keys.create(
            {
              name: keyName ?? newKeyName(telegramId),
              ownerTelegramId: telegramId,
              trafficLimitBytes: grant.trafficGb > 0 ? grant.trafficGb * GB : null,
              expireAt: new Date(clock.now().getTime() + grant.days * 86_400_000),
            },
            input.actor,
            (k, tx) => after(tx, k, true),
          );
        }
        return { status: 'applied', order: appliedOrder!, key };
      } catch (error) {
        if (error instanceof DuplicatePayment) {
          return {
            status: 'duplicate',
            order: findPayment(input.provider, input.providerPaymentId) ?? order,
          };
        }
        throw error;
      }
    },

    /**
     * Marks an applied order refunded and takes back what it granted (the caller has
     * returned the money, e.g. with refundStarPayment), in ONE transaction: a second refund
     * of the order, even at the same moment, finds it refunded and changes nothing.
     */
    async refund(orderId: number, actor: string): Promise<Order> {
      const order = getOrder(orderId);
      const notApplied = (state: string) =>
        new AppError('VALIDATION_FAILED', `order ${orderId} is ${state}, not applied`);
      if (order.state !== 'applied') throw notApplied(order.state);
      const data = (order.data ?? {}) as OrderData;
      const key = order.keyId !== null ? keys.getById(order.keyId) : undefined;
      const settle = (tx: DbOrTx): Order => {
        const row = tx
          .update(orders)
          .set({ state: 'refunded', updatedAt: clock.now() })
          .where(and(eq(orders.id, orderId), eq(orders.state, 'applied')))
          .returning()
          .get();
        if (!row) throw notApplied(getOrder(orderId).state);
        events.record(
          {
            type: 'payment.refunded',
            severity: 'warning',
            actor,
            subject: key?.name ?? null,
            data: { order: orderId },
          },
          tx,
        );
        if (row.telegramId !== null) {
          outbox.enqueue(
            'owner.notice',
            {
              telegramId: row.telegramId,
              notice: 'refunded',
              key: key?.name ?? null,
              order: row.id,
              amount: row.amount,
              currency: row.currency,
            },
            tx,
          );
        }
        return row;
      };
      if (!key || !data.grant) return db.transaction(settle);
      let refunded: Order | undefined;
      await keys.revokeGrant(
        key.name,
        { days: data.grant.days, trafficBytes: data.grant.trafficGb * GB, disable: data.created === true },
        actor,
        (_key, tx) => (refunded = settle(tx)),
      );
      return refunded!;
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

    /** Every promo code, newest first. */
    listPromos(): PromoCode[] {
      return db
        .select()
        .from(promoCodes)
        .orderBy(sql`${promoCodes.id} DESC`)
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

export type PaymentsService = ReturnType<typeof createPaymentsService>;
