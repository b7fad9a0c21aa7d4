/** The API keys screen, its buttons, and the terms line the create dialog shows too. */
import { InlineKeyboard } from 'grammy';
import type { ApiKeyJson } from '../../../../services/api-keys.service.ts';
import {
  callbackData,
  esc,
  formatDateTime,
  int,
  localeOf,
  type Screen,
  type Translator,
} from '../../../kit/index.ts';
import { menuButton } from '../common.ts';

export const apiKeysButton = callbackData('a:ak');
export const newApiKeyButton = callbackData('a:ak:new');
/** Revoke key `id` (asks first; `rv!` confirms). */
export const revokeButton = callbackData('a:ak:rv', { id: int });
export const revokeConfirmed = callbackData('a:ak:rv!', { id: int });
/** Deletes the message that showed a new key once. */
export const deleteMessageButton = callbackData('a:del');

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
export function apiKeysView(ctx: Translator, keys: ApiKeyJson[]): Screen {
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
          revokeButton.pack({ id: key.id }),
        )
        .row();
    }
  }
  if (keys.length === 0) lines.push(ctx.t('admin-apikeys-none'));
  keyboard
    .text(ctx.t('admin-btn-create-apikey'), newApiKeyButton.pack({}))
    .row()
    .text(ctx.t('admin-btn-menu'), menuButton.pack({}));
  return { text: lines.join('\n'), keyboard };
}
