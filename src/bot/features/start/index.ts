/** `/start [invite code]`: the greeting with the main menu; a deep-link invite gives a key at once. */
import type { Menu } from '@grammyjs/menu';
import { Composer } from 'grammy';
import type { BotContext } from '../../context.ts';
import { createMainMenu } from './main-menu.ts';
import { sendKeyCard } from '../keys/card.ts';
import { escapeHtml, trOf } from '../../kit/index.ts';
import type { UserDeps } from '../keys/index.ts';

/** The `/start` command and the main menu's buttons (the menu is installed here). */
export function createStartFeature(deps: UserDeps, menu: Menu<BotContext> = createMainMenu(deps)) {
  const feature = new Composer<BotContext>();
  const privateChats = feature.chatType('private');
  privateChats.use(menu);

  privateChats.command('start', async (ctx) => {
    const tr = await trOf(ctx);
    await ctx.reply(tr.t('start-greeting', { name: escapeHtml(ctx.from.first_name) }), {
      reply_markup: menu,
    });
    const code = ctx.match.trim();
    if (!code) return;
    const result = await deps.services.invites.redeem(code, ctx.from.id);
    if (result.ok) await sendKeyCard(ctx.api, ctx.chat.id, result.key, tr, deps, tr.t('invite-accepted'));
    else await ctx.reply(tr.t(`invite-refused-${result.reason.replace(/_/g, '-')}`));
  });

  return feature;
}
