/**
 * Applying a payment and refunding it. A payment is applied exactly once: the order's claim
 * (unique provider + provider payment id) and the key change happen in ONE transaction, so
 * concurrent duplicate deliveries apply once and a crash applies nothing half-way.
 */
import { and, eq, sql } from 'drizzle-orm';
import { orders, promoCodes, promoRedemptions, telegramUsers, type Key } from '../../db/schema.ts';
import { AppError } from '../errors.ts';
import type { DbOrTx } from '../events.service.ts';
import { GB } from '../keys.service.ts';
import { freeKeyName } from '../keys/rules.ts';
import { paymentMismatch, recordMismatch } from './match.ts';
import { expireDue, isOpen, isPastDue } from './order-state.ts';
import { notPayable, type Orders } from './orders.ts';
import type { ApplyInput, ApplyResult, Grant, Order, OrderData, PaymentsDeps } from './types.ts';

/** Thrown inside the applying transaction when the payment was already claimed. */
class DuplicatePayment extends Error {}

export function createApply(deps: PaymentsDeps, { getOrder, findPayment }: Orders) {
  const { db, clock, keys, events, outbox, admins, webhooks } = deps;

  /** The key a purchase of this person goes to: the named one, else their first key. */
  function targetKey(
    telegramId: number | null | undefined,
    keyName: string | null | undefined,
  ): Key | undefined {
    if (keyName) return keys.find(keyName);
    if (telegramId != null) return keys.ownedBy(telegramId)[0];
    return undefined;
  }

  /** A fresh key name for a buyer without a key (the same rule as key requests). */
  function newKeyName(telegramId: number | null | undefined): string {
    const id = telegramId ?? null;
    const username = id === null ? null : admins.get(id)?.username;
    return freeKeyName((name) => keys.find(name) !== undefined, { id, username });
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
          .where(and(eq(orders.id, input.orderId), isOpen(clock.now())))
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
      expireDue(tx, clock.now());
      events.record({ type: 'payment.refused', severity: 'warning', actor: input.actor, data }, tx);
      admins.alert({ type: 'payment.refused', severity: 'warning', data }, { tx, throttleMinutes: 0 });
    });
    throw notPayable(order.id, 'expired');
  }

  return {
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
      if (order && isPastDue(order, clock.now())) refuseExpired(order, input);
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
  };
}

export type Apply = ReturnType<typeof createApply>;
