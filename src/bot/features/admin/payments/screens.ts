/**
 * The Plans & payments screens (admin menu `a:pp`): plans, one plan, promo codes and the
 * latest orders, with their buttons.
 */
import { InlineKeyboard } from 'grammy';
import type { Order, Plan, PromoCode } from '../../../../services/payments.service.ts';
import {
  callbackData,
  esc,
  formatDateTime,
  int,
  localeOf,
  oneOf,
  type Screen,
  type Translator,
} from '../../../kit/index.ts';
import { formatAmount, formatPrices } from '../../../render/money.ts';
import { menuButton, personLabel, type AdminDeps } from '../common.ts';

export const paymentsButton = callbackData('a:pp');
export const newPlanButton = callbackData('a:pp:new');
/** Plan `id`'s card. */
export const planButton = callbackData('a:pp:p', { id: int });
/** Sells plan `id` again (`on`) or stops selling it (`off`). */
export const planSaleButton = callbackData('a:pp', { sale: oneOf(['on', 'off']), id: int });
/** Opens the dialog of a new price for plan `id`. */
export const planPriceButton = callbackData('a:pp:e', { id: int });
export const promosButton = callbackData('a:pp:pr');
export const newPromoButton = callbackData('a:pp:pr:new');
export const ordersButton = callbackData('a:pp:o');
/** Refund of order `id` (asks first; `rf!` is the confirmed one). */
export const refundButton = callbackData('a:pp:rf', { id: int });
export const refundConfirmed = callbackData('a:pp:rf!', { id: int });

/** Orders the list shows. */
const ORDERS_SHOWN = 15;

/** A plan's price as admins read it: `100 ⭐ · 199.00 RUB`, or "free trial". */
export function adminPlanPrice(
  ctx: Translator,
  plan: Pick<Plan, 'isTrial' | 'priceStars' | 'prices'>,
): string {
  return plan.isTrial ? ctx.t('admin-plan-trial') : formatPrices(plan);
}

/** GB of a plan, or "unlimited". */
export function adminPlanTraffic(ctx: Translator, gb: number | null): string {
  return gb ? `${gb} GB` : ctx.t('admin-unlimited');
}

/** What a promo code gives: `−20%`, `−50 ⭐`, `+7 d`. */
export function promoEffect(ctx: Translator, promo: Pick<PromoCode, 'kind' | 'value'>): string {
  return ctx.t(`admin-promo-${promo.kind}`, { value: promo.value });
}

/** The plans screen, with the ways to promo codes and orders. */
export function plansView(deps: AdminDeps, ctx: Translator): Screen {
  const plans = deps.services.payments.listPlans();
  const lines = [ctx.t('admin-plans-title', { total: plans.length })];
  const keyboard = new InlineKeyboard();
  for (const plan of plans) {
    lines.push(
      ctx.t('admin-plan-line', {
        id: plan.id,
        name: esc(plan.name),
        days: plan.days,
        traffic: adminPlanTraffic(ctx, plan.trafficGb),
        price: adminPlanPrice(ctx, plan),
        state: ctx.t(plan.active ? 'admin-plan-on' : 'admin-plan-off'),
      }),
    );
    keyboard
      .text(ctx.t('admin-btn-plan', { id: plan.id, name: plan.name }), planButton.pack({ id: plan.id }))
      .row();
  }
  if (plans.length === 0) lines.push(ctx.t('admin-plans-none'));
  keyboard
    .text(ctx.t('admin-btn-new-plan'), newPlanButton.pack({}))
    .row()
    .text(ctx.t('admin-btn-promos'), promosButton.pack({}))
    .text(ctx.t('admin-btn-orders'), ordersButton.pack({}))
    .row()
    .text(ctx.t('admin-btn-menu'), menuButton.pack({}));
  return { text: lines.join('\n'), keyboard };
}

/** One plan with its actions. */
export function planCardView(ctx: Translator, plan: Plan): Screen {
  const text = ctx.t('admin-plan-card', {
    id: plan.id,
    name: esc(plan.name),
    state: ctx.t(plan.active ? 'admin-plan-on' : 'admin-plan-off'),
    days: plan.days,
    traffic: adminPlanTraffic(ctx, plan.trafficGb),
    price: adminPlanPrice(ctx, plan),
  });
  const keyboard = new InlineKeyboard()
    .text(
      ctx.t(plan.active ? 'admin-btn-plan-off' : 'admin-btn-plan-on'),
      planSaleButton.pack({ sale: plan.active ? 'off' : 'on', id: plan.id }),
    )
    .text(ctx.t('admin-btn-plan-price'), planPriceButton.pack({ id: plan.id }))
    .row()
    .text(ctx.t('admin-btn-plans'), paymentsButton.pack({}));
  return { text, keyboard };
}

/** The promo codes screen. */
export function promosView(deps: AdminDeps, ctx: Translator): Screen {
  const promos = deps.services.payments.listPromos();
  const lines = [ctx.t('admin-promos-title', { total: promos.length })];
  for (const promo of promos) {
    lines.push(
      ctx.t('admin-promo-line', {
        code: esc(promo.code),
        effect: promoEffect(ctx, promo),
        uses: promo.uses,
        max: promo.maxUses ?? '∞',
        expires: promo.expireAt ? formatDateTime(promo.expireAt, localeOf(ctx)) : ctx.t('admin-never'),
      }),
    );
  }
  if (promos.length === 0) lines.push(ctx.t('admin-promos-none'));
  const keyboard = new InlineKeyboard()
    .text(ctx.t('admin-btn-new-promo'), newPromoButton.pack({}))
    .row()
    .text(ctx.t('admin-btn-plans'), paymentsButton.pack({}));
  return { text: lines.join('\n'), keyboard };
}

/** A paid Stars order that Telegram can refund (trials cost nothing). */
export function isRefundable(
  order: Order,
): order is Order & { telegramId: number; providerPaymentId: string } {
  return (
    order.provider === 'stars' &&
    order.state === 'applied' &&
    order.amount > 0 &&
    order.telegramId !== null &&
    order.providerPaymentId !== null
  );
}

/** The latest orders, with a refund button on each refundable one. */
export function ordersView(deps: AdminDeps, ctx: Translator): Screen {
  const { payments, admins } = deps.services;
  const orders = payments.recentOrders(ORDERS_SHOWN);
  const planNames = new Map(payments.listPlans().map((p) => [p.id, p.name]));
  const lines = [ctx.t('admin-orders-title')];
  const keyboard = new InlineKeyboard();
  for (const order of orders) {
    lines.push(
      ctx.t('admin-order-line', {
        id: order.id,
        date: formatDateTime(order.createdAt, localeOf(ctx)),
        person: order.telegramId === null ? '—' : personLabel(order.telegramId, admins.get(order.telegramId)),
        plan: esc(order.planId === null ? '—' : (planNames.get(order.planId) ?? '—')),
        amount: formatAmount(order.amount, order.currency),
        provider: order.provider,
        state: ctx.t(`admin-order-${order.state}`),
      }) +
        (order.externalRef === null
          ? ''
          : ctx.t('admin-order-external-ref', { ref: esc(order.externalRef) })),
    );
    if (isRefundable(order))
      keyboard.text(ctx.t('admin-btn-refund', { id: order.id }), refundButton.pack({ id: order.id })).row();
  }
  if (orders.length === 0) lines.push(ctx.t('admin-orders-none'));
  keyboard.text(ctx.t('admin-btn-plans'), paymentsButton.pack({}));
  return { text: lines.join('\n'), keyboard };
}
