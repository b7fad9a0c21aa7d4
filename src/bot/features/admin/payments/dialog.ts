/**
 * The plan dialogs — a new plan (name → days → GB → price → confirm) or a new price for
 * one — and the promo code dialog (code → kind → value → uses → days → confirm). Prices are
 * typed as Stars, then other currencies: `100, RUB 199.00`; 0 Stars makes a free trial.
 */
import { PROMO_KINDS, type PromoKind } from '../../../../services/model.ts';
import { expiryFromDays } from '../../../../services/keys/rules.ts';
import type { ConversationContext } from '../../../context.ts';
import {
  ask,
  askConfirm,
  cancelled,
  choiceRow,
  commit,
  esc,
  field,
  numberIn,
  parseNumber,
  runSteps,
  textOf,
  textWhere,
  type AdminConversation,
  type Input,
  type Parsed,
} from '../../../kit/index.ts';
import { actorOf, type AdminDeps } from '../common.ts';
import { adminPlanPrice, adminPlanTraffic, planCardView, promoEffect, promosView } from './screens.ts';

/** What the plan dialog is for: a new plan, or a new price for one. */
export type PlanRequest = { kind: 'create' } | { kind: 'price'; planId: number };

/** A plan's price as typed: Stars (null for a trial), other currencies in minor units. */
interface Price {
  priceStars: number | null;
  prices: Record<string, number>;
  isTrial: boolean;
}

const CURRENCY_PRICE_RE = /^([A-Za-z]{3,5})\s+(\d{1,9}(?:\.\d{1,2})?)$/;

/**
 * A typed price: whole Stars (0–10000), then `CUR 12.34` items, comma-separated; 0 Stars
 * (alone) is a free trial. Undefined when it is not one.
 */
function parsePrice(text: string | undefined): Price | undefined {
  const [first, ...rest] = (text ?? '').split(',').map((part) => part.trim());
  const stars = parseNumber(first, { min: 0, max: 10_000, integer: true });
  if (stars === undefined || (stars === 0 && rest.length > 0)) return undefined;
  const prices: Record<string, number> = {};
  for (const part of rest) {
    const match = CURRENCY_PRICE_RE.exec(part);
    const minor = match ? Math.round(Number(match[2]) * 100) : 0;
    if (!match || minor <= 0) return undefined;
    prices[match[1]!.toUpperCase()] = minor;
  }
  return { priceStars: stars || null, prices, isTrial: stars === 0 };
}

const VALUE_LIMITS: Record<PromoKind, { min: number; max: number }> = {
  percent: { min: 1, max: 100 },
  fixed: { min: 1, max: 1_000_000 },
  days: { min: 1, max: 3650 },
};

export function planConversation(deps: AdminDeps) {
  const { payments } = deps.services;

  return async function planDialog(
    conversation: AdminConversation,
    ctx: ConversationContext,
    request: PlanRequest,
  ) {
    const whole = (range: { min: number; max: number }, errorKey: string) =>
      numberIn(ctx, { ...range, integer: true }, errorKey);
    const price = (a: Input): Parsed<Price> => {
      const value = parsePrice(textOf(a));
      return value ? { ok: true, value } : { ok: false, error: ctx.t('admin-bad-plan-price') };
    };

    if (request.kind === 'price') {
      const plan = await conversation.external(() => {
        const { id, name, isTrial, priceStars, prices } = payments.getPlan(request.planId);
        return { id, name, isTrial, priceStars, prices };
      });
      const question = ctx.t('admin-ask-plan-new-price', {
        name: esc(plan.name),
        price: adminPlanPrice(ctx, plan),
      });
      const answer = await ask(conversation, ctx, question, {}, price);
      if ('nav' in answer) return cancelled(ctx);
      await commit(
        conversation,
        ctx,
        deps,
        () => planCardView(ctx, payments.updatePlan(plan.id, answer.value, actorOf(ctx))),
        { done: ctx.t('admin-done-plan-price') },
      );
      return;
    }

    const draft = {
      name: '',
      days: 0,
      trafficGb: 0,
      price: { priceStars: null, prices: {}, isTrial: false } as Price,
    };
    const completed = await runSteps([
      field(
        () =>
          ask(
            conversation,
            ctx,
            ctx.t('admin-ask-plan-name'),
            {},
            textWhere(ctx, (name) => name.length <= 32, 'admin-bad-plan-name'),
          ),
        (value) => (draft.name = value),
      ),
      field(
        () =>
          ask(
            conversation,
            ctx,
            ctx.t('admin-ask-plan-days'),
            { back: true, choices: [choiceRow(['7', '30', '90', '365'])] },
            whole({ min: 1, max: 3650 }, 'admin-bad-plan-days'),
          ),
        (value) => (draft.days = value),
      ),
      field(
        () =>
          ask(
            conversation,
            ctx,
            ctx.t('admin-ask-plan-gb'),
            {
              back: true,
              choices: [
                [...choiceRow(['50', '100', '500'], (gb) => `${gb} GB`), [ctx.t('admin-unlimited'), '0']],
              ],
            },
            whole({ min: 0, max: 1_000_000 }, 'admin-bad-plan-gb'),
          ),
        (value) => (draft.trafficGb = value),
      ),
      field(
        () => ask(conversation, ctx, ctx.t('admin-ask-plan-price'), { back: true }, price),
        (value) => (draft.price = value),
      ),
      async () => {
        const summary = ctx.t('admin-plan-summary', {
          name: esc(draft.name),
          days: draft.days,
          traffic: adminPlanTraffic(ctx, draft.trafficGb),
          price: adminPlanPrice(ctx, draft.price),
        });
        const answer = await askConfirm(conversation, ctx, summary, ctx.t('admin-btn-create'));
        if ('nav' in answer) return answer.nav;
        const outcome = await commit(
          conversation,
          ctx,
          deps,
          () =>
            planCardView(
              ctx,
              payments.createPlan(
                { name: draft.name, days: draft.days, trafficGb: draft.trafficGb, ...draft.price },
                actorOf(ctx),
              ),
            ),
          { done: ctx.t('admin-done-plan-created') },
        );
        return outcome === 'failed' ? 'back' : outcome === 'refused' ? 'cancel' : 'next';
      },
    ]);
    if (!completed) await cancelled(ctx);
  };
}

export function promoConversation(deps: AdminDeps) {
  const { payments, clock } = deps.services;

  return async function promoDialog(conversation: AdminConversation, ctx: ConversationContext) {
    const draft = {
      code: '',
      kind: 'percent' as PromoKind,
      value: 0,
      maxUses: null as number | null,
      days: null as number | null,
    };
    const whole = (range: { min: number; max: number }) =>
      numberIn(ctx, { ...range, integer: true }, 'admin-bad-promo-number');

    const completed = await runSteps([
      field(
        () =>
          ask(
            conversation,
            ctx,
            ctx.t('admin-ask-promo-code'),
            {},
            textWhere(ctx, (code) => /^[A-Za-z0-9_-]{3,32}$/.test(code), 'admin-bad-promo-code'),
          ),
        (value) => (draft.code = value),
      ),
      field(
        () =>
          ask(
            conversation,
            ctx,
            ctx.t('admin-ask-promo-kind'),
            { back: true, choices: PROMO_KINDS.map((k) => [[ctx.t(`admin-promo-kind-${k}`), k]]) },
            (a): Parsed<PromoKind> => {
              const kind = PROMO_KINDS.find((k) => k === textOf(a));
              return kind ? { ok: true, value: kind } : { ok: false, error: ctx.t('admin-press-button') };
            },
          ),
        (value) => (draft.kind = value),
      ),
      field(
        () =>
          ask(
            conversation,
            ctx,
            ctx.t(`admin-ask-promo-${draft.kind}`),
            { back: true },
            whole(VALUE_LIMITS[draft.kind]),
          ),
        (value) => (draft.value = value),
      ),
      field(
        () =>
          ask(
            conversation,
            ctx,
            ctx.t('admin-ask-promo-uses'),
            { back: true, skip: true, choices: [choiceRow(['1', '10', '100'])] },
            whole({ min: 1, max: 1_000_000 }),
          ),
        (value) => (draft.maxUses = value),
        { skipped: null },
      ),
      field(
        () =>
          ask(
            conversation,
            ctx,
            ctx.t('admin-ask-promo-valid'),
            { back: true, skip: true, choices: [choiceRow(['7', '30', '90'])] },
            whole({ min: 1, max: 3650 }),
          ),
        (value) => (draft.days = value),
        { skipped: null },
      ),
      async () => {
        const summary = ctx.t('admin-promo-summary', {
          code: esc(draft.code),
          effect: promoEffect(ctx, draft),
          max: draft.maxUses ?? '∞',
          days: draft.days ?? ctx.t('admin-never'),
        });
        const answer = await askConfirm(conversation, ctx, summary, ctx.t('admin-btn-create'));
        if ('nav' in answer) return answer.nav;
        const outcome = await commit(
          conversation,
          ctx,
          deps,
          () => {
            const expireAt = expiryFromDays(clock.now(), draft.days);
            payments.createPromo(
              { code: draft.code, kind: draft.kind, value: draft.value, maxUses: draft.maxUses, expireAt },
              actorOf(ctx),
            );
            return promosView(deps, ctx);
          },
          { done: ctx.t('admin-done-promo-created') },
        );
        // A failure here is most likely the code taken: ask for another.
        if (outcome === 'failed') return 0;
        return outcome === 'refused' ? 'cancel' : 'next';
      },
    ]);
    if (!completed) await cancelled(ctx);
  };
}
