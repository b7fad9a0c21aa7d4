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
import { isAppError, reasonOf } from '../../services/errors.ts';
import {
  orderIdOfPayload,
  PAY_METHODS,
  type PayMethod,
  type Plan,
  type PromoCode,
} from '../../services/payments.service.ts';
import type { BotContext } from '../context.ts';
import { NOT_PAYABLE_TEXT, refusalText } from '../render/errors.ts';
import { formatAmount, formatPrices, STARS } from '../render/money.ts';
import { escapeHtml, HTML, ignoreNotModified, supportLine, trOf, type Tr } from '../render/text.ts';
import type { UserDeps } from './keys.ts';

/** How long "send your promo code" waits for the code. */
const PROMO_WAIT_MS = 10 * 60_000;
/** The session's note that the next message is a promo code for a plan. */
interface PromoWait {
  plan: number;
  until: number;
}

const PROMO_RE = '([A-Za-z0-9_-]{3,32})';

/** A screen of this feature: HTML text and its buttons. */
interface Screen {
  text: string;
  keyboard?: InlineKeyboard;
}

/** "30 days, 50 GB". */
function planTerms(plan: Plan, tr: Tr): string {
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

/** Runs a step of the purchase; a known refusal is told (alert under a button, else a reply). */
async function attempt(ctx: BotContext, tr: Tr, step: () => Promise<void>): Promise<void> {
  try {
    await step();
  } catch (error) {
    const text = refusalText(error, tr);
    if (text === undefined) throw error;
    if (ctx.callbackQuery) await ctx.answerCallbackQuery({ text, show_alert: true });
    else await ctx.reply(text, HTML);
  }
}

/** The answer to "Buy / renew": the plans this person may buy. */
export async function sendBuy(ctx: BotContext, deps: UserDeps): Promise<void> {
  const screen = plansScreen(ctx, deps, await trOf(ctx));
  await ctx.reply(screen.text, { ...HTML, reply_markup: screen.keyboard });
}

/** Active plans, the trial only to people who never had it. */
function plansScreen(ctx: BotContext, deps: UserDeps, tr: Tr): Screen {
  const { services } = deps;
  const trialUsed = Boolean(ctx.person?.trialUsedAt);
  const plans = services.payments.listPlans({ activeOnly: true }).filter((p) => !(p.isTrial && trialUsed));
  if (plans.length === 0) return { text: [tr.t('buy-none'), ...supportLine(tr, services)].join('\n\n') };
  const key = services.keys.ownedBy(ctx.from!.id)[0];
  const keyboard = new InlineKeyboard();
  for (const plan of plans) {
    keyboard
      .text(plan.isTrial ? tr.t('buy-btn-trial', { name: plan.name }) : plan.name, `buy:p:${plan.id}`)
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
function planScreen(
  plan: Plan,
  promo: PromoCode | undefined,
  deps: UserDeps,
  tr: Tr,
  notice?: string,
): Screen {
  const methods = deps.services.payments.methodsOf(plan);
  const suffix = promo ? `:${promo.code}` : '';
  const keyboard = new InlineKeyboard();
  for (const method of methods)
    keyboard.text(tr.t(`buy-btn-${method}`), `buy:pay:${plan.id}:${method}${suffix}`).row();
  if (methods.length > 0) keyboard.text(tr.t('buy-btn-promo'), `buy:promo:${plan.id}`).row();
  keyboard.text(tr.t('buy-btn-plans'), 'buy:list');
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

/** `/buy`, the purchase buttons (`buy:…`), the promo code message, and Stars settlement. */
export function createBuyFeature(deps: UserDeps) {
  const { services } = deps;
  const { payments } = services;
  const feature = new Composer<BotContext>();
  const privateChats = feature.chatType('private');

  /** Shows a screen in place of the message whose button was pressed. */
  const edit = (ctx: BotContext, screen: Screen) =>
    ignoreNotModified(ctx.editMessageText(screen.text, { ...HTML, reply_markup: screen.keyboard }));

  privateChats.command('buy', (ctx) => sendBuy(ctx, deps));

  privateChats.callbackQuery('buy:list', async (ctx) => {
    await edit(ctx, plansScreen(ctx, deps, await trOf(ctx)));
    await ctx.answerCallbackQuery();
  });

  privateChats.callbackQuery(new RegExp(`^buy:p:(\\d{1,9})(?::${PROMO_RE})?$`), async (ctx) => {
    const tr = await trOf(ctx);
    await attempt(ctx, tr, async () => {
      const plan = payments.planOnSale(Number(ctx.match[1]));
      if (!plan.isTrial) {
        const promo = ctx.match[2] ? payments.checkPromo(ctx.match[2], ctx.from.id) : undefined;
        await edit(ctx, planScreen(plan, promo, deps, tr));
        await ctx.answerCallbackQuery();
        return;
      }
      // A trial is free: given at once; its key card (or "renewed") comes through the outbox.
      await payments.startTrial(ctx.from.id, plan.id);
      await edit(ctx, { text: tr.t('buy-trial-started') });
      await ctx.answerCallbackQuery();
    });
  });

  privateChats.callbackQuery(/^buy:promo:(\d{1,9})$/, async (ctx) => {
    const wait: PromoWait = {
      plan: Number(ctx.match[1]),
      until: services.clock.now().getTime() + PROMO_WAIT_MS,
    };
    ctx.session.buyPromo = wait;
    await ctx.reply(ctx.t('buy-ask-promo'), HTML);
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
      const screen = planScreen(plan, promo, deps, tr, notice);
      await ctx.reply(screen.text, { ...HTML, reply_markup: screen.keyboard });
    });
  });

  privateChats.callbackQuery(
    new RegExp(`^buy:pay:(\\d{1,9}):(${PAY_METHODS.join('|')})(?::${PROMO_RE})?$`),
    async (ctx) => {
      // Each press may call a provider's API: throttled for admins too.
      if (!(await deps.throttle.allow(ctx, 'invoice', 'answer'))) return;
      const tr = await trOf(ctx);
      await attempt(ctx, tr, async () => {
        const plan = payments.planOnSale(Number(ctx.match[1]));
        const description = tr.t('buy-invoice-description', { terms: planTerms(plan, tr) });
        const checkout = await payments.checkout({
          telegramId: ctx.from.id,
          planId: plan.id,
          method: ctx.match[2] as PayMethod,
          promoCode: ctx.match[3] ?? null,
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
            ...HTML,
            reply_markup: new InlineKeyboard().url(tr.t('buy-btn-pay', { price }), checkout.url),
          });
        }
        await ctx.answerCallbackQuery();
      });
    },
  );

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
      await ctx.reply(ctx.t('pay-late-refunded'), HTML);
      ctx.log.warn({ order: orderId }, 'Stars payment for an expired order returned');
      return;
    }
    ctx.log.info({ order: orderId, status: result.status }, 'Stars payment');
  });

  return feature;
}
