/**
 * Promo codes: creating them, and whether a person may use one now (with their reservation
 * of it). Wrong guesses are counted per person and lock them out for a while.
 */
import { and, count, eq, sql } from 'drizzle-orm';
import { orders, promoCodes, promoRedemptions, type PromoKind } from '../../db/schema.ts';
import { AppError, isAppError } from '../errors.ts';
import type { DbOrTx } from '../events.service.ts';
import { createStrikes } from '../strikes.ts';
import { isOpen, isPastDue } from './order-state.ts';
import type { PaymentsDeps, PromoCode, Redemption } from './types.ts';

/** Wrong promo codes a person may try: 5 a minute, then none for 15 minutes. */
const PROMO_STRIKES = { max: 5, windowMs: 60_000, lockMs: 15 * 60_000 };

export function createPromos({ db, clock, events }: Pick<PaymentsDeps, 'db' | 'clock' | 'events'>) {
  const promoStrikes = createStrikes(() => clock.now().getTime(), PROMO_STRIKES);

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
    const closed = !holder || isPastDue(holder, clock.now()) || holder.state === 'failed';
    if (holder && !closed && holder.state !== 'created') throw invalid;
    const mine = holder && !closed ? redemption : undefined;
    if (!mine && promo.maxUses !== null) {
      const reserved =
        tx
          .select({ n: count() })
          .from(promoRedemptions)
          .innerJoin(orders, eq(orders.id, promoRedemptions.orderId))
          .where(
            and(
              eq(promoRedemptions.promoId, promo.id),
              eq(promoRedemptions.state, 'reserved'),
              isOpen(clock.now()),
            ),
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

  return {
    promoByCode,
    isLive,
    guardedPromo,

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

    /** Every promo code, newest first. */
    listPromos(): PromoCode[] {
      return db
        .select()
        .from(promoCodes)
        .orderBy(sql`${promoCodes.id} DESC`)
        .all();
    },
  };
}

export type Promos = ReturnType<typeof createPromos>;
