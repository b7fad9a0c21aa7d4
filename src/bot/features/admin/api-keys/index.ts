/**
 * `/apikeys`: keys of the HTTP API — list, create (a dialog; the key is shown once, in a
 * message that offers to delete itself) and revoke (asked first).
 */
import { Composer } from 'grammy';
import { API_KEY } from '../../../conversations/ids.ts';
import type { BotContext } from '../../../context.ts';
import { confirmScreen, esc, onButton, show } from '../../../kit/index.ts';
import { actorOf, enterDialog, type AdminDeps } from '../common.ts';
import {
  apiKeysButton,
  apiKeysView,
  deleteMessageButton,
  newApiKeyButton,
  revokeButton,
  revokeConfirmed,
} from './screens.ts';

export function apiKeysFeature(deps: AdminDeps): Composer<BotContext> {
  const { apiKeys } = deps.services;
  const feature = new Composer<BotContext>();
  const list = (ctx: BotContext) => show(ctx, apiKeysView(ctx, apiKeys.list()));

  feature.command('apikeys', list);
  onButton(feature, apiKeysButton, list);
  onButton(feature, newApiKeyButton, (ctx) => enterDialog(ctx, API_KEY));
  onButton(feature, revokeButton, (ctx, { id }) => {
    const key = apiKeys.get(id);
    const question = ctx.t('admin-confirm-revoke', { id: String(key.id), name: esc(key.name) });
    return show(
      ctx,
      confirmScreen(ctx, question, revokeConfirmed.pack({ id: key.id }), apiKeysButton.pack({})),
    );
  });
  onButton(feature, revokeConfirmed, async (ctx, { id }) => {
    apiKeys.revoke(id, actorOf(ctx));
    await ctx.answerCallbackQuery({ text: ctx.t('admin-done-revoked') });
    await list(ctx);
  });
  // The message that showed a new key once deletes itself when asked.
  onButton(feature, deleteMessageButton, async (ctx) => {
    await ctx.deleteMessage();
  });
  return feature;
}
