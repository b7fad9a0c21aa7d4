/**
 * The checkout: a plan (and promo code) → an order → a Telegram Stars invoice or a
 * provider's payment link; a trial plan is free and given at once. The bot only shows
 * what this returns and sends the invoice.
 */
import type { Config } from '../../config.ts';
import { AppError } from '../errors.ts';
import type { Apply } from './apply.ts';
import type { Orders } from './orders.ts';
import type { Plans } from './plans.ts';
import {
  configuredProviders,
  createCryptoPayInvoice,
  createStripeCheckout,
  createYooKassaPayment,
} from './providers.ts';
import { STARS, type ApplyResult, type Order, type Plan } from './types.ts';

/** Providers that pay through a link, in the order their buttons appear. */
const LINK_PROVIDERS = {
  cryptopay: createCryptoPayInvoice,
  yookassa: createYooKassaPayment,
  stripe: createStripeCheckout,
} as const;
type LinkProvider = keyof typeof LINK_PROVIDERS;
export type PayMethod = 'stars' | LinkProvider;
export const PAY_METHODS = ['stars', ...(Object.keys(LINK_PROVIDERS) as LinkProvider[])] as const;

/** Invoice payloads name the order: `order:<id>`. */
const PAYLOAD_RE = /^order:(\d{1,15})$/;

/** The order id an invoice payload names, or undefined. */
export function orderIdOfPayload(payload: string): number | undefined {
  const match = PAYLOAD_RE.exec(payload);
  return match ? Number(match[1]) : undefined;
}

/** The first currency of a plan's fiat prices, which the link providers charge in. */
function fiatPrice(plan: Plan): [currency: string, amount: number] | undefined {
  return Object.entries(plan.prices)[0];
}

/** What to show the buyer: a Stars invoice to send, or a provider's link to open. */
export type Checkout =
  | { kind: 'invoice'; order: Order; plan: Plan; payload: string; currency: typeof STARS }
  | { kind: 'link'; order: Order; plan: Plan; url: string };

export function createCheckout(
  { config }: { config: Readonly<Config> },
  { planOnSale }: Plans,
  { createOrder, secondsToPay }: Orders,
  { apply }: Apply,
) {
  /** The ways this plan can be paid: Stars, and each configured provider when it has a fiat price. */
  function methodsOf(plan: Plan): PayMethod[] {
    const configured = configuredProviders(config);
    const links = fiatPrice(plan)
      ? (Object.keys(LINK_PROVIDERS) as LinkProvider[]).filter((p) => configured[p])
      : [];
    return [...(plan.priceStars != null ? (['stars'] as const) : []), ...links];
  }

  return {
    methodsOf,

    /**
     * Gives a trial plan at once: an order of price 0, applied as paid. Its key card (or
     * "renewed") reaches the person through the outbox. TRIAL_USED for a second one.
     */
    async startTrial(telegramId: number, planId: number): Promise<ApplyResult> {
      const plan = planOnSale(planId);
      if (!plan.isTrial) throw new AppError('PLAN_UNAVAILABLE', 'this plan is not a trial');
      const order = createOrder({ telegramId, planId: plan.id, provider: 'stars', currency: STARS });
      return apply({
        provider: 'stars',
        providerPaymentId: `trial:${order.id}`,
        orderId: order.id,
        amount: order.amount,
        currency: STARS,
        actor: `tg:${telegramId}`,
      });
    },

    /**
     * Opens an order for a plan paid one way: a Stars invoice to send, or a provider's
     * payment link (valid no longer than the order). PLAN_UNAVAILABLE when the plan is off
     * sale or this way cannot take it; PROMO_INVALID / RATE_LIMITED for the code;
     * PAYMENT_PROVIDER_FAILED when the provider does not answer.
     */
    async checkout(input: {
      telegramId: number;
      planId: number;
      method: PayMethod;
      promoCode?: string | null;
      /** The buyer's words for what is sold (the provider shows them). */
      description: string;
      /** Where the buyer returns after paying. */
      returnUrl: string;
    }): Promise<Checkout> {
      const plan = planOnSale(input.planId);
      const { method } = input;
      const fiat = fiatPrice(plan);
      if (method !== 'stars' && (!fiat || !configuredProviders(config)[method])) {
        throw new AppError('PLAN_UNAVAILABLE', `${method} cannot take this plan`);
      }
      const order = createOrder({
        telegramId: input.telegramId,
        planId: plan.id,
        provider: method,
        currency: method === 'stars' ? STARS : fiat![0],
        promoCode: input.promoCode ?? null,
      });
      if (method === 'stars') {
        return { kind: 'invoice', order, plan, payload: `order:${order.id}`, currency: STARS };
      }
      const link = await LINK_PROVIDERS[method](config, {
        orderId: order.id,
        amount: order.amount,
        currency: order.currency,
        description: `${plan.name}: ${input.description}`,
        returnUrl: input.returnUrl,
        payableForSeconds: secondsToPay(order),
      });
      return { kind: 'link', order, plan, url: link.url };
    },
  };
}
