/** Plans: what is sold, for how long, at which prices. */
import { asc, eq } from 'drizzle-orm';
import { plans } from '../../db/schema.ts';
import { AppError } from '../errors.ts';
import { STARS, type PaymentsDeps, type Plan, type PlanInput, type PromoCode } from './types.ts';

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

/** Price after a promo (never below 1 when the base price is positive). */
function discounted(price: number, promo: PromoCode | null): number {
  if (!promo || price <= 0) return price;
  if (promo.kind === 'percent') return Math.max(1, Math.round((price * (100 - promo.value)) / 100));
  if (promo.kind === 'fixed') return Math.max(1, price - promo.value);
  return price;
}

/** The price of a plan in a currency after a promo; undefined when not sold in it. */
export function priceOf(plan: Plan, currency: string, promo: PromoCode | null): number | undefined {
  const base = currency === STARS ? plan.priceStars : plan.prices[currency];
  if (base == null) return plan.isTrial ? 0 : undefined;
  return discounted(base, promo);
}

export function createPlans({ db, clock, events }: Pick<PaymentsDeps, 'db' | 'clock' | 'events'>) {
  function getPlan(id: number): Plan {
    const plan = db.select().from(plans).where(eq(plans.id, id)).get();
    if (!plan) throw new AppError('NOT_FOUND', `no plan ${id}`);
    return plan;
  }

  return {
    getPlan,

    /** A plan on sale, or PLAN_UNAVAILABLE. */
    planOnSale(id: number): Plan {
      const plan = getPlan(id);
      if (!plan.active) throw new AppError('PLAN_UNAVAILABLE', 'this plan is no longer sold');
      return plan;
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
  };
}

export type Plans = ReturnType<typeof createPlans>;
