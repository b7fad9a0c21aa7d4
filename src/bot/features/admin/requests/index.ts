/**
 * Key requests waiting for an admin (policy `approval`): approve (the key is made with the
 * default terms and the person hears) or reject. Buttons elsewhere (the new-request alert)
 * may use the same buttons: {@link requestDecisionButton}.
 */
import { Composer, InlineKeyboard } from 'grammy';
import type { PendingRequest } from '../../../../services/requests.service.ts';
import type { BotContext } from '../../../context.ts';
import {
  callbackData,
  esc,
  formatDateTime,
  int,
  localeOf,
  oneOf,
  onButton,
  show,
  type Screen,
  type Translator,
} from '../../../kit/index.ts';
import { menuButton, personLabel, type AdminDeps } from '../common.ts';

const SHOWN = 10;

export const requestsButton = callbackData('a:rq');
/** Approve (`ok`) or reject (`no`) request `id`. */
export const requestDecisionButton = callbackData('a:rq', { decision: oneOf(['ok', 'no']), id: int });

/** The pending requests screen, oldest first. */
function requestsView(ctx: Translator, pending: PendingRequest[]): Screen {
  const lines = [ctx.t('admin-requests-title', { total: pending.length })];
  const keyboard = new InlineKeyboard();
  for (const request of pending.slice(0, SHOWN)) {
    lines.push(
      `#${request.id} ${personLabel(request.telegramId, request)} — ${esc(formatDateTime(request.createdAt, localeOf(ctx)))}`,
    );
    keyboard
      .text(
        ctx.t('admin-btn-approve', { id: String(request.id) }),
        requestDecisionButton.pack({ decision: 'ok', id: request.id }),
      )
      .text(
        ctx.t('admin-btn-reject', { id: String(request.id) }),
        requestDecisionButton.pack({ decision: 'no', id: request.id }),
      )
      .row();
  }
  if (pending.length === 0) lines.push(ctx.t('admin-requests-none'));
  keyboard
    .text(ctx.t('admin-btn-refresh'), requestsButton.pack({}))
    .text(ctx.t('admin-btn-menu'), menuButton.pack({}));
  return { text: lines.join('\n'), keyboard };
}

export function requestsFeature(deps: AdminDeps): Composer<BotContext> {
  const { requests } = deps.services;
  const feature = new Composer<BotContext>();
  const list = (ctx: BotContext) => show(ctx, requestsView(ctx, requests.pending()));

  onButton(feature, requestsButton, list);
  onButton(feature, requestDecisionButton, async (ctx, { decision, id }) => {
    if (decision === 'ok') {
      const { key } = await requests.approve(id, ctx.from.id);
      await ctx.answerCallbackQuery({ text: ctx.t('admin-done-approved', { name: key.name }) });
    } else {
      requests.reject(id, ctx.from.id);
      await ctx.answerCallbackQuery({ text: ctx.t('admin-done-rejected') });
    }
    await list(ctx);
  });
  return feature;
}
