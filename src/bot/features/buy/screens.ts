/** The shop's screens: the plans on sale, and one plan with its payment methods; their buttons. */
import { InlineKeyboard } from 'grammy';
import { PAY_METHODS, type Plan, type PromoCode } from '../../../services/payments.service.ts';
import type { Services } from '../../../services/index.ts';
import {
  callbackData,
  escapeHtml,
  int,
  oneOf,
  optional,
  supportLine,
  word,
  type Screen,
  type Tr,
} from '../../kit/index.ts';
import { formatPrices } from '../../render/money.ts';

/** A promo code as buttons carry it (the service checks it again on every press). */
const promoCode = optional(word('[A-Za-z0-9_-]{3,32}'));

/** Back to the plans. */
export const plansButton = callbackData('buy:list');
/** Plan `plan` (a trial is given at once), with the promo code given so far. */
export const planButton = callbackData('buy:p', { plan: int, promo: promoCode });
/** "I have a promo code" for plan `plan`: the next message is the code. */
export const promoButton = callbackData('buy:promo', { plan: int });
/** Pay for plan `plan` this way, with the promo code given so far. */
export const payButton = callbackData('buy:pay', { plan: int, method: oneOf(PAY_METHODS), promo: promoCode });

/** "30 days, 50 GB". */
export function planTerms(plan: Plan, tr: Tr): string {
  const traffic = plan.trafficGb
    ? tr.t('buy-traffic-gb', { gb: plan.trafficGb })
    : tr.t('buy-traffic-unlimited');
  return tr.t('buy-terms', { days: plan.days, traffic });
}

/** "100 ⭐ · 199.00 RUB", or "free" for a trial. */
function planPrice(plan: Plan, tr: Tr): string {
  return plan.isTrial ? tr.t('buy-free') : formatPrices(plan);
}

/** What a promo code does, e.g. "−20%". */
function promoEffect(promo: PromoCode, tr: Tr): string {
  return tr.t(`buy-promo-${promo.kind}`, { value: promo.value });
}

/** Active plans, the trial only to people who never had it. */
export function plansScreen(services: Services, buyer: { id: number; trialUsed: boolean }, tr: Tr): Screen {
  const plans = services.payments
    .listPlans({ activeOnly: true })
    .filter((p) => !(p.isTrial && buyer.trialUsed));
  if (plans.length === 0) return { text: [tr.t('buy-none'), ...supportLine(tr, services)].join('\n\n') };
  const key = services.keys.ownedBy(buyer.id)[0];
  const keyboard = new InlineKeyboard();
  for (const plan of plans) {
    keyboard
      .text(
        plan.isTrial ? tr.t('buy-btn-trial', { name: plan.name }) : plan.name,
        planButton.pack({ plan: plan.id, promo: undefined }),
      )
      .row();
  }
  const lines = plans.map((plan) =>
    tr.t('buy-plan-line', {
      name: escapeHtml(plan.name),
      terms: planTerms(plan, tr),
      price: planPrice(plan, tr),
    }),
  );
  return {
    text: [
      tr.t('buy-title'),
      key ? tr.t('buy-renews', { key: escapeHtml(key.name) }) : tr.t('buy-makes-key'),
      '',
      ...lines,
      '',
      tr.t('buy-pick-plan'),
    ].join('\n'),
    keyboard,
  };
}

/** A plan with its price, the promo code given, and a button per payment method. */
export function planScreen(
  services: Services,
  plan: Plan,
  promo: PromoCode | undefined,
  tr: Tr,
  notice?: string,
): Screen {
  const methods = services.payments.methodsOf(plan);
  const keyboard = new InlineKeyboard();
  for (const method of methods) {
    keyboard
      .text(tr.t(`buy-btn-${method}`), payButton.pack({ plan: plan.id, method, promo: promo?.code }))
      .row();
  }
  if (methods.length > 0) keyboard.text(tr.t('buy-btn-promo'), promoButton.pack({ plan: plan.id })).row();
  keyboard.text(tr.t('buy-btn-plans'), plansButton.pack({}));
  const text = [
    ...(notice ? [notice, ''] : []),
    tr.t('buy-plan', { name: escapeHtml(plan.name), terms: planTerms(plan, tr), price: planPrice(plan, tr) }),
    ...(promo
      ? [tr.t('buy-promo-line', { code: escapeHtml(promo.code), effect: promoEffect(promo, tr) })]
      : []),
    '',
    tr.t(methods.length > 0 ? 'buy-choose-method' : 'buy-no-method'),
  ].join('\n');
  return { text, keyboard };
}
