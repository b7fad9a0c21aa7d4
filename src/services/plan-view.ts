/** Plans and promo codes as the HTTP API and the CLI show them (snake_case, ISO dates). */
import type { Plan, PromoCode } from './payments.service.ts';

export interface PlanJson {
  id: number;
  name: string;
  days: number;
  /** null = unlimited */
  traffic_gb: number | null;
  price_stars: number | null;
  /** Price per currency in minor units, e.g. {"RUB": 19900}. */
  prices: Record<string, number>;
  trial: boolean;
  active: boolean;
  created_at: string;
}

export interface PromoJson {
  code: string;
  /** `percent` off, `fixed` amount off (Stars or minor units), or extra `days`. */
  kind: PromoCode['kind'];
  value: number;
  max_uses: number | null;
  uses: number;
  expire_at: string | null;
  active: boolean;
  created_at: string;
}

export function toPlanJson(plan: Plan): PlanJson {
  return {
    id: plan.id,
    name: plan.name,
    days: plan.days,
    traffic_gb: plan.trafficGb,
    price_stars: plan.priceStars,
    prices: plan.prices,
    trial: plan.isTrial,
    active: plan.active,
    created_at: plan.createdAt.toISOString(),
  };
}

export function toPromoJson(promo: PromoCode): PromoJson {
  return {
    code: promo.code,
    kind: promo.kind,
    value: promo.value,
    max_uses: promo.maxUses,
    uses: promo.uses,
    expire_at: promo.expireAt?.toISOString() ?? null,
    active: promo.active,
    created_at: promo.createdAt.toISOString(),
  };
}
