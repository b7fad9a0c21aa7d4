/** `/buy`: payments are not in the bot yet; says so and how to renew meanwhile. */
import { Composer } from 'grammy';
import type { BotContext, FeatureDeps } from '../context.ts';
import { HTML, supportLine, trOf } from '../render/text.ts';

/** The answer to "Buy / renew". */
export async function sendBuy(ctx: BotContext, deps: FeatureDeps): Promise<void> {
  const tr = await trOf(ctx);
  await ctx.reply([tr.t('buy-soon'), ...supportLine(tr, deps.services)].join('\n\n'), HTML);
}

/** `/buy`. */
export function createBuyFeature(deps: FeatureDeps) {
  const feature = new Composer<BotContext>();
  feature.chatType('private').command('buy', (ctx) => sendBuy(ctx, deps));
  return feature;
}
