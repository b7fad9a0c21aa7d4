/**
 * Plans & payments (admin menu `a:pp`): plans (create in a dialog, stop or resume selling,
 * edit the price), promo codes (list, create in a dialog) and the latest orders, where a
 * paid Telegram Stars order can be refunded: `refundStarPayment` first, and only when
 * Telegram agrees is the order marked refunded and what it granted taken back (the buyer
 * hears through the outbox).
 */
import { Composer, GrammyError, InlineKeyboard } from 'grammy';
import type { Order, Plan, PromoCode } from '../../../services/payments.service.ts';
import { PLAN, PROMO } from '../../conversations/ids.ts';
import type { BotContext } from '../../context.ts';
import { personLabel } from '../../menus/admin/keys.ts';
import { localeOf } from '../../i18n.ts';
import { formatDateTime } from '../../render/text.ts';
import { confirmView, esc, type Translator, type View } from '../../menus/admin/view.ts';
import { formatAmount, formatPrices } from '../../render/money.ts';
import { actorOf, enterDialog, show, type AdminDeps } from './common.ts';

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
function plansView(deps: AdminDeps, ctx: Translator): View {
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
    keyboard.text(ctx.t('admin-btn-plan', { id: plan.id, name: plan.name }), `a:pp:p:${plan.id}`).row();
  }
  if (plans.length === 0) lines.push(ctx.t('admin-plans-none'));
  keyboard
    .text(ctx.t('admin-btn-new-plan'), 'a:pp:new')
    .row()
    .text(ctx.t('admin-btn-promos'), 'a:pp:pr')
    .text(ctx.t('admin-btn-orders'), 'a:pp:o')
    .row()
    .text(ctx.t('admin-btn-menu'), 'a:m');
  return { text: lines.join('\n'), keyboard };
}

/** One plan with its actions. */
export function planCardView(ctx: Translator, plan: Plan): View {
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
      `a:pp:${plan.active ? 'off' : 'on'}:${plan.id}`,
    )
    .text(ctx.t('admin-btn-plan-price'), `a:pp:e:${plan.id}`)
    .row()
    .text(ctx.t('admin-btn-plans'), 'a:pp');
  return { text, keyboard };
}

/** The promo codes screen. */
export function promosView(deps: AdminDeps, ctx: Translator): View {
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
    .text(ctx.t('admin-btn-new-promo'), 'a:pp:pr:new')
    .row()
    .text(ctx.t('admin-btn-plans'), 'a:pp');
  return { text: lines.join('\n'), keyboard };
}

/** A paid Stars order that Telegram can refund (trials cost nothing). */
function isRefundable(order: Order): order is Order & { telegramId: number; providerPaymentId: string } {
  return (
    order.provider === 'stars' &&
    order.state === 'applied' &&
    order.amount > 0 &&
    order.telegramId !== null &&
    order.providerPaymentId !== null
  );
}

/** The latest orders, with a refund button on each refundable one. */
function ordersView(deps: AdminDeps, ctx: Translator): View {
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
      keyboard.text(ctx.t('admin-btn-refund', { id: order.id }), `a:pp:rf:${order.id}`).row();
  }
  if (orders.length === 0) lines.push(ctx.t('admin-orders-none'));
  keyboard.text(ctx.t('admin-btn-plans'), 'a:pp');
  return { text: lines.join('\n'), keyboard };
}

export function paymentsFeature(deps: AdminDeps): Composer<BotContext> {
  const { payments, admins, keys } = deps.services;
  const feature = new Composer<BotContext>();

  feature.callbackQuery('a:pp', (ctx) => show(ctx, plansView(deps, ctx)));
  feature.callbackQuery('a:pp:new', (ctx) => enterDialog(ctx, PLAN, { kind: 'create' }));
  feature.callbackQuery(/^a:pp:p:(\d{1,9})$/, (ctx) =>
    show(ctx, planCardView(ctx, payments.getPlan(Number(ctx.match[1])))),
  );
  feature.callbackQuery(/^a:pp:(on|off):(\d{1,9})$/, (ctx) => {
    const plan = payments.updatePlan(Number(ctx.match[2]), { active: ctx.match[1] === 'on' }, actorOf(ctx));
    return show(ctx, planCardView(ctx, plan));
  });
  feature.callbackQuery(/^a:pp:e:(\d{1,9})$/, (ctx) =>
    enterDialog(ctx, PLAN, { kind: 'price', planId: payments.getPlan(Number(ctx.match[1])).id }),
  );

  feature.callbackQuery('a:pp:pr', (ctx) => show(ctx, promosView(deps, ctx)));
  feature.callbackQuery('a:pp:pr:new', (ctx) => enterDialog(ctx, PROMO));

  feature.callbackQuery('a:pp:o', (ctx) => show(ctx, ordersView(deps, ctx)));
  feature.callbackQuery(/^a:pp:rf:(\d{1,9})$/, async (ctx) => {
    const order = payments.getOrder(Number(ctx.match[1]));
    if (!isRefundable(order)) {
      await ctx.answerCallbackQuery({ text: ctx.t('admin-refund-not-refundable'), show_alert: true });
      return;
    }
    const key = order.keyId === null ? undefined : keys.getById(order.keyId);
    const question = ctx.t('admin-confirm-refund', {
      id: order.id,
      amount: formatAmount(order.amount, order.currency),
      person: personLabel(order.telegramId, admins.get(order.telegramId)),
      key: esc(key?.name ?? '—'),
    });
    await show(ctx, confirmView(ctx, question, `a:pp:rf!:${order.id}`, 'a:pp:o'));
  });
  feature.callbackQuery(/^a:pp:rf!:(\d{1,9})$/, async (ctx) => {
    const order = payments.getOrder(Number(ctx.match[1]));
    if (!isRefundable(order)) {
      await ctx.answerCallbackQuery({ text: ctx.t('admin-refund-not-refundable'), show_alert: true });
      return;
    }
    try {
      await ctx.api.refundStarPayment(order.telegramId, order.providerPaymentId);
    } catch (error) {
      if (!(error instanceof GrammyError)) throw error;
      const text = ctx.t('admin-refund-failed', { error: error.description });
      await ctx.answerCallbackQuery({ text: text.slice(0, 200), show_alert: true });
      return;
    }
    await payments.refund(order.id, actorOf(ctx));
    await ctx.answerCallbackQuery({ text: ctx.t('admin-done-refunded') });
    await show(ctx, ordersView(deps, ctx));
  });
  return feature;
}
