/**
 * Key requests waiting for an admin (policy `approval`): approve (the key is made with the
 * default terms and the person hears) or reject. Buttons elsewhere (the new-request alert)
 * may use the same callback data: {@link requestDecisionData}.
 */
import { Composer, InlineKeyboard } from 'grammy';
import type { PendingRequest } from '../../../services/requests.service.ts';
import type { BotContext } from '../../context.ts';
import { personLabel } from '../../menus/admin/keys.ts';
import { localeOf } from '../../i18n.ts';
import { formatDateTime } from '../../render/text.ts';
import { esc, type Translator, type View } from '../../menus/admin/view.ts';
import { show, type AdminDeps } from './common.ts';

const SHOWN = 10;

/** Callback data of approving (`ok`) or rejecting (`no`) request `id`. */
export function requestDecisionData(decision: 'ok' | 'no', id: number): string {
  return `a:rq:${decision}:${id}`;
}

/** The pending requests screen, oldest first. */
function requestsView(ctx: Translator, pending: PendingRequest[]): View {
  const lines = [ctx.t('admin-requests-title', { total: pending.length })];
  const keyboard = new InlineKeyboard();
  for (const request of pending.slice(0, SHOWN)) {
    lines.push(
      `#${request.id} ${personLabel(request.telegramId, request)} — ${esc(formatDateTime(request.createdAt, localeOf(ctx)))}`,
    );
    keyboard
      .text(ctx.t('admin-btn-approve', { id: String(request.id) }), requestDecisionData('ok', request.id))
      .text(ctx.t('admin-btn-reject', { id: String(request.id) }), requestDecisionData('no', request.id))
      .row();
  }
  if (pending.length === 0) lines.push(ctx.t('admin-requests-none'));
  keyboard.text(ctx.t('admin-btn-refresh'), 'a:rq').text(ctx.t('admin-btn-menu'), 'a:m');
  return { text: lines.join('\n'), keyboard };
}

export function requestsFeature(deps: AdminDeps): Composer<BotContext> {
  const { requests } = deps.services;
  const feature = new Composer<BotContext>();
  const list = (ctx: BotContext) => show(ctx, requestsView(ctx, requests.pending()));

  feature.callbackQuery('a:rq', list);
  feature.callbackQuery(/^a:rq:ok:(\d{1,9})$/, async (ctx) => {
    const { key } = await requests.approve(Number(ctx.match[1]), ctx.from.id);
    await ctx.answerCallbackQuery({ text: ctx.t('admin-done-approved', { name: key.name }) });
    await list(ctx);
  });
  feature.callbackQuery(/^a:rq:no:(\d{1,9})$/, async (ctx) => {
    requests.reject(Number(ctx.match[1]), ctx.from.id);
    await ctx.answerCallbackQuery({ text: ctx.t('admin-done-rejected') });
    await list(ctx);
  });
  return feature;
}
