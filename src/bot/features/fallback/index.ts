/**
 * The last handler: a private message no feature took (an unknown command, free text outside a
 * dialog) gets a short hint with the main menu instead of silence. Groups never get here: the
 * private-chat middleware answers there.
 */
import { Composer } from 'grammy';
import type { Menu } from '@grammyjs/menu';
import type { BotContext } from '../../context.ts';
import { escapeHtml, trOf } from '../../kit/index.ts';

/** The hint, with `menu` (installed by the start feature) under it. */
export function createFallbackFeature(menu: Menu<BotContext>) {
  const feature = new Composer<BotContext>();

  feature.chatType('private').on('message:text', async (ctx) => {
    // A dialog that skipped this message still owns the chat: it says what it waits for.
    if (Object.keys(ctx.conversation.active()).length > 0) return;
    const { t } = await trOf(ctx);
    const command = ctx.entities('bot_command').find((entity) => entity.offset === 0)?.text;
    const lines = command
      ? [t('fallback-unknown-command', { command: escapeHtml(command) }), t('fallback-hint')]
      : [t('fallback-hint')];
    await ctx.reply(lines.join('\n'), { reply_markup: menu });
  });

  return feature;
}
