/**
 * `/apikeys`: keys of the HTTP API — list, create (a dialog; the key is shown once, in a
 * message that offers to delete itself) and revoke (asked first).
 */
import { Composer, InlineKeyboard } from 'grammy';
import type { ApiKeyJson } from '../../../services/api-keys.service.ts';
import { API_KEY } from '../../conversations/ids.ts';
import type { BotContext } from '../../context.ts';
import { localeOf } from '../../i18n.ts';
import { formatDateTime } from '../../render/text.ts';
import { confirmView, esc, type Translator, type View } from '../../menus/admin/view.ts';
import { actorOf, enterDialog, show, type AdminDeps } from './common.ts';

/** Rate limits and expiry of an API key as one line. */
export function apiKeyTerms(
  ctx: Translator,
  key: Pick<ApiKeyJson, 'rate_limit_per_minute' | 'rate_limit_per_hour' | 'expire_at'>,
): string {
  return ctx.t('admin-apikey-terms', {
    minute: key.rate_limit_per_minute,
    hour: key.rate_limit_per_hour,
    expires: key.expire_at ? formatDateTime(key.expire_at, localeOf(ctx)) : ctx.t('admin-never'),
  });
}

/** The API keys screen. */
function apiKeysView(ctx: Translator, keys: ApiKeyJson[]): View {
  const lines = [ctx.t('admin-apikeys-title', { total: keys.length })];
  const keyboard = new InlineKeyboard();
  for (const key of keys) {
    lines.push(
      ctx.t('admin-apikey-line', {
        id: String(key.id),
        name: esc(key.name),
        prefix: esc(key.prefix),
        status: ctx.t(`admin-apikey-status-${key.status}`),
        scopes: esc(key.scopes.join(', ')),
        terms: apiKeyTerms(ctx, key),
        used: key.last_used_at ? formatDateTime(key.last_used_at, localeOf(ctx)) : ctx.t('admin-never'),
      }),
    );
    if (key.status !== 'revoked') {
      keyboard
        .text(
          ctx.t('admin-btn-revoke', { id: String(key.id), name: key.name.slice(0, 24) }),
          `a:ak:rv:${key.id}`,
        )
        .row();
    }
  }
  if (keys.length === 0) lines.push(ctx.t('admin-apikeys-none'));
  keyboard.text(ctx.t('admin-btn-create-apikey'), 'a:ak:new').row().text(ctx.t('admin-btn-menu'), 'a:m');
  return { text: lines.join('\n'), keyboard };
}

export function apiKeysFeature(deps: AdminDeps): Composer<BotContext> {
  const { apiKeys } = deps.services;
  const feature = new Composer<BotContext>();
  const list = (ctx: BotContext) => show(ctx, apiKeysView(ctx, apiKeys.list()));

  feature.command('apikeys', list);
  feature.callbackQuery('a:ak', list);
  feature.callbackQuery('a:ak:new', (ctx) => enterDialog(ctx, API_KEY));
  feature.callbackQuery(/^a:ak:rv:(\d{1,9})$/, (ctx) => {
    const key = apiKeys.get(Number(ctx.match[1]));
    const question = ctx.t('admin-confirm-revoke', { id: String(key.id), name: esc(key.name) });
    return show(ctx, confirmView(ctx, question, `a:ak:rv!:${key.id}`, 'a:ak'));
  });
  feature.callbackQuery(/^a:ak:rv!:(\d{1,9})$/, async (ctx) => {
    apiKeys.revoke(Number(ctx.match[1]), actorOf(ctx));
    await ctx.answerCallbackQuery({ text: ctx.t('admin-done-revoked') });
    await list(ctx);
  });
  // The message that showed a new key once deletes itself when asked.
  feature.callbackQuery('a:del', async (ctx) => {
    await ctx.deleteMessage();
  });
  return feature;
}
