/**
 * `/new`: asking for a key under the policy in settings, and the admins' Approve / Decline
 * buttons on the request messages (rights and the request's state are checked on press).
 */
import { Composer } from 'grammy';
import { isAppError } from '../../../services/errors.ts';
import type { BotContext } from '../../context.ts';
import { sendKeyCard } from '../keys/card.ts';
import { requestButton, requestKeyboard, requestText } from './request.ts';
import { formatDate, ignoreNotModified, onButton, supportLine, trOf } from '../../kit/index.ts';
import type { UserDeps } from '../keys/index.ts';

/** Asks for a key for the sender and tells them what happened. */
export async function requestNewKey(ctx: BotContext, deps: UserDeps): Promise<void> {
  const { services } = deps;
  if (!(await deps.throttle.allow(ctx, 'newKey'))) return;
  const tr = await trOf(ctx);
  const { t } = tr;
  const result = await services.requests.request(ctx.from!.id);
  switch (result.outcome) {
    case 'created':
      await sendKeyCard(ctx.api, ctx.chatId!, result.key, tr, deps, t('new-key-created'));
      return;
    case 'requested':
      await ctx.reply(t('new-key-requested'));
      return;
    case 'pending':
      await ctx.reply(t('new-key-pending'));
      return;
    case 'recently':
      await ctx.reply(
        t('new-key-recently', {
          max: result.max,
          days: result.days,
          date: formatDate(result.nextAt, tr.locale),
        }),
      );
      return;
    case 'limit':
    case 'closed':
      // A limit of 0 keys means self-service is off: the same answer as a closed policy.
      if (result.outcome === 'limit' && result.max > 0) {
        await ctx.reply(t('new-key-limit', { max: result.max }));
      } else {
        await ctx.reply([t('new-key-closed'), ...supportLine(tr, services)].join('\n'));
      }
  }
}

/** `/new` and the admins' `req:ok|no:<id>` buttons. */
export function createNewKeyFeature(deps: UserDeps) {
  const { services } = deps;
  const feature = new Composer<BotContext>();

  feature.chatType('private').command('new', (ctx) => requestNewKey(ctx, deps));

  onButton(feature, requestButton, async (ctx, { decision, id }) => {
    const tr = await trOf(ctx);
    if (!services.admins.isAdmin(ctx.from.id)) {
      await ctx.answerCallbackQuery({ text: tr.t('refused-not-admin'), show_alert: true });
      return;
    }
    let answer: string;
    try {
      if (decision === 'ok') {
        const { key } = await services.requests.approve(id, ctx.from.id);
        answer = tr.t('request-done-approved', { key: key.name });
      } else {
        services.requests.reject(id, ctx.from.id);
        answer = tr.t('request-done-rejected');
      }
    } catch (error) {
      if (!isAppError(error, 'REQUEST_DECIDED') && !isAppError(error, 'NOT_FOUND')) throw error;
      answer = tr.t('request-already-decided');
    }
    const request = services.requests.get(id);
    if (request) {
      await ignoreNotModified(
        ctx.editMessageText(requestText(request, tr, services), {
          reply_markup: requestKeyboard(request, tr),
        }),
      );
    }
    await ctx.answerCallbackQuery({ text: answer });
  });

  return feature;
}
