/** `/start`: the greeting. */
import { Composer } from 'grammy';
import type { BotContext } from '../context.ts';

export const startFeature = new Composer<BotContext>();

startFeature.chatType('private').command('start', async (ctx) => {
  await ctx.reply(ctx.t('start-greeting', { name: ctx.from.first_name }));
});
