/**
 * `/buy` and the main menu's Buy / renew: plans → payment method → optional promo code →
 * a Telegram Stars invoice or a provider's payment link; a trial plan is given at once. The
 * checkout itself (orders, providers, trials) is the payments service's; this renders it.
 * Stars payments are settled here: the pre-checkout query is checked against the order and
 * a successful payment is applied exactly once. What a payment did reaches the buyer through
 * the outbox, queued with the change (a new key's card, or "renewed until …"), so a repeated
 * delivery changes nothing and says nothing.
 */
import { Composer, InlineKeyboard } from 'grammy';
import { isAppError, reasonOf } from '../../../services/errors.ts';
import { orderIdOfPayload, type PromoCode } from '../../../services/payments.service.ts';
import type { BotContext } from '../../context.ts';
import { escapeHtml, onButton, show, trOf, type Tr } from '../../kit/index.ts';
import { NOT_PAYABLE_TEXT, refusalText } from '../../render/errors.ts';
import { formatAmount, STARS } from '../../render/money.ts';
import type { UserDeps } from '../keys/index.ts';
import {
  payButton,
  planButton,
  plansButton,
  planScreen,
  plansScreen,
  planTerms,
  promoButton,
} from './screens.ts';

/** How long "send your promo code" waits for the code. */
const PROMO_WAIT_MS = 10 * 60_000;
/** The session's note that the next message is a promo code for a plan. */
interface PromoWait {
  plan: number;
  until: number;
}

/** Runs a step of the purchase; a known refusal is told (alert under a button, else a reply). */
async function attempt(ctx: BotContext, tr: Tr, step: () => Promise<void>): Promise<void> {
  try {
    await step();
  } catch (error) {
    const text = refusalText(error, tr);
    if (text === undefined) throw error;
    if (ctx.callbackQuery) await ctx.answerCallbackQuery({ text, show_alert: true });
    else await ctx.reply(text);
  }
}

/** Who is buying, as the plans screen needs it. */
function buyerOf(ctx: BotContext) {
  return { id: ctx.from!.id, trialUsed: Boolean(ctx.person?.trialUsedAt) };
}

/** The answer to "Buy / renew": the plans this person may buy. */
export async function sendBuy(ctx: BotContext, deps: UserDeps): Promise<void> {
  const screen = plansScreen(deps.services, buyerOf(ctx), await trOf(ctx));
  await ctx.reply(screen.text, { reply_markup: screen.keyboard });
}

/** `/buy`, the purchase buttons (`buy:…`), the promo code message, and Stars settlement. */
export function createBuyFeature(deps: UserDeps) {
  const { services } = deps;
  const { payments } = services;
  const feature = new Composer<BotContext>();
  const privateChats = feature.chatType('private');

  privateChats.command('buy', (ctx) => sendBuy(ctx, deps));

  onButton(privateChats, plansButton, async (ctx) => {
    await show(ctx, plansScreen(services, buyerOf(ctx), await trOf(ctx)));
    await ctx.answerCallbackQuery();
  });

  onButton(privateChats, planButton, async (ctx, { plan: planId, promo: code }) => {
    const tr = await trOf(ctx);
    await attempt(ctx, tr, async () => {
      const plan = payments.planOnSale(planId);
      if (!plan.isTrial) {
        const promo = code ? payments.checkPromo(code, ctx.from.id) : undefined;
        await show(ctx, planScreen(services, plan, promo, tr));
        await ctx.answerCallbackQuery();
        return;
      }
      // A trial is free: given at once; its key card (or "renewed") comes through the outbox.
      await payments.startTrial(ctx.from.id, plan.id);
      await show(ctx, { text: tr.t('buy-trial-started') });
      await ctx.answerCallbackQuery();
    });
  });

  onButton(privateChats, promoButton, async (ctx, { plan }) => {
    const wait: PromoWait = { plan, until: services.clock.now().getTime() + PROMO_WAIT_MS };
    ctx.session.buyPromo = wait;
    await ctx.reply(ctx.t('buy-ask-promo'));
    await ctx.answerCallbackQuery();
  });

  // The message after "I have a promo code": the plan again, with the code or the reason it fails.
  privateChats.on('message:text', async (ctx, next) => {
    const wait = ctx.session.buyPromo as PromoWait | undefined;
    if (!wait || ctx.message.text.startsWith('/')) return next();
    delete ctx.session.buyPromo;
    if (wait.until < services.clock.now().getTime()) return next();
    const tr = await trOf(ctx);
    await attempt(ctx, tr, async () => {
      const plan = payments.planOnSale(wait.plan);
      let promo: PromoCode | undefined;
      let notice: string | undefined;
      try {
        promo = payments.checkPromo(ctx.message.text.trim(), ctx.from.id);
      } catch (error) {
        if (!isAppError(error, 'PROMO_INVALID') && !isAppError(error, 'RATE_LIMITED')) throw error;
        notice = refusalText(error, tr);
      }
      const screen = planScreen(services, plan, promo, tr, notice);
      await ctx.reply(screen.text, { reply_markup: screen.keyboard });
    });
  });

  onButton(privateChats, payButton, async (ctx, { plan: planId, method, promo }) => {
    // Each press may call a provider's API: throttled for admins too.
    if (!(await deps.throttle.allow(ctx, 'invoice', 'answer'))) return;
    const tr = await trOf(ctx);
    await attempt(ctx, tr, async () => {
      const plan = payments.planOnSale(planId);
      const description = tr.t('buy-invoice-description', { terms: planTerms(plan, tr) });
      const checkout = await payments.checkout({
        telegramId: ctx.from.id,
        planId: plan.id,
        method,
        promoCode: promo ?? null,
        description,
        returnUrl: `https://t.me/${ctx.me.username}`,
      });
      const { order } = checkout;
      if (checkout.kind === 'invoice') {
        await ctx.replyWithInvoice(
          plan.name,
          description,
          checkout.payload,
          checkout.currency,
          [{ label: plan.name, amount: order.amount }],
          { provider_token: '' },
        );
      } else {
        const price = formatAmount(order.amount, order.currency);
        await ctx.reply(tr.t('buy-link', { order: order.id, name: escapeHtml(plan.name), price }), {
          reply_markup: new InlineKeyboard().url(tr.t('buy-btn-pay', { price }), checkout.url),
        });
      }
      await ctx.answerCallbackQuery();
    });
  });

  // Telegram waits 10 s for this answer: only local reads happen before it.
  feature.on('pre_checkout_query', async (ctx) => {
    const query = ctx.preCheckoutQuery;
    const orderId = orderIdOfPayload(query.invoice_payload);
    const reason =
      orderId === undefined
        ? 'not_found'
        : payments.payableReason(orderId, {
            amount: query.total_amount,
            currency: query.currency,
            telegramId: query.from.id,
          });
    if (reason === null) await ctx.answerPreCheckoutQuery(true);
    else await ctx.answerPreCheckoutQuery(false, { error_message: ctx.t(NOT_PAYABLE_TEXT[reason]) });
  });

  feature.on('message:successful_payment', async (ctx) => {
    const payment = ctx.message.successful_payment;
    const orderId = orderIdOfPayload(payment.invoice_payload);
    if (orderId === undefined || payment.currency !== STARS) {
      // The money is taken but names no order of ours: the error boundary alerts the admins.
      throw new Error(`a payment with an unknown payload: ${payment.invoice_payload.slice(0, 64)}`);
    }
    let result;
    try {
      result = await payments.apply({
        provider: 'stars',
        providerPaymentId: payment.telegram_payment_charge_id,
        orderId,
        amount: payment.total_amount,
        currency: STARS,
        actor: `tg:${ctx.from.id}`,
      });
    } catch (error) {
      if (reasonOf(error, 'ORDER_NOT_PAYABLE') !== 'expired') throw error;
      // Paid after the order expired (the service refused it and told the admins): Stars go back.
      await ctx.api.refundStarPayment(ctx.from.id, payment.telegram_payment_charge_id);
      await ctx.reply(ctx.t('pay-late-refunded'));
      ctx.log.warn({ order: orderId }, 'Stars payment for an expired order returned');
      return;
    }
    ctx.log.info({ order: orderId, status: result.status }, 'Stars payment');
  });

  return feature;
}
