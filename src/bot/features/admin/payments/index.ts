/**
 * Plans & payments (admin menu `a:pp`): plans (create in a dialog, stop or resume selling,
 * edit the price), promo codes (list, create in a dialog) and the latest orders, where a
 * paid Telegram Stars order can be refunded: `refundStarPayment` first, and only when
 * Telegram agrees is the order marked refunded and what it granted taken back (the buyer
 * hears through the outbox).
 */
import { Composer, GrammyError } from 'grammy';
import { PLAN, PROMO } from '../../../conversations/ids.ts';
import type { BotContext } from '../../../context.ts';
import { confirmScreen, esc, onButton, show } from '../../../kit/index.ts';
import { formatAmount } from '../../../render/money.ts';
import { actorOf, enterDialog, personLabel, type AdminDeps } from '../common.ts';
import {
  isRefundable,
  newPlanButton,
  newPromoButton,
  ordersButton,
  ordersView,
  paymentsButton,
  planButton,
  planCardView,
  planPriceButton,
  planSaleButton,
  plansView,
  promosButton,
  promosView,
  refundButton,
  refundConfirmed,
} from './screens.ts';

export function paymentsFeature(deps: AdminDeps): Composer<BotContext> {
  const { payments, admins, keys } = deps.services;
  const feature = new Composer<BotContext>();

  onButton(feature, paymentsButton, (ctx) => show(ctx, plansView(deps, ctx)));
  onButton(feature, newPlanButton, (ctx) => enterDialog(ctx, PLAN, { kind: 'create' }));
  onButton(feature, planButton, (ctx, { id }) => show(ctx, planCardView(ctx, payments.getPlan(id))));
  onButton(feature, planSaleButton, (ctx, { sale, id }) => {
    const plan = payments.updatePlan(id, { active: sale === 'on' }, actorOf(ctx));
    return show(ctx, planCardView(ctx, plan));
  });
  onButton(feature, planPriceButton, (ctx, { id }) =>
    enterDialog(ctx, PLAN, { kind: 'price', planId: payments.getPlan(id).id }),
  );

  onButton(feature, promosButton, (ctx) => show(ctx, promosView(deps, ctx)));
  onButton(feature, newPromoButton, (ctx) => enterDialog(ctx, PROMO));

  onButton(feature, ordersButton, (ctx) => show(ctx, ordersView(deps, ctx)));
  onButton(feature, refundButton, async (ctx, { id }) => {
    const order = payments.getOrder(id);
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
    await show(
      ctx,
      confirmScreen(ctx, question, refundConfirmed.pack({ id: order.id }), ordersButton.pack({})),
    );
  });
  onButton(feature, refundConfirmed, async (ctx, { id }) => {
    const order = payments.getOrder(id);
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
