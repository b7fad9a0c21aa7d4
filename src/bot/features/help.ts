/** `/help`: set-up guides per platform, how to import the subscription, the support contact. */
import { Composer, InlineKeyboard } from 'grammy';
import type { BotContext, FeatureDeps } from '../context.ts';
import { HTML, ignoreNotModified, supportLine, trOf, type Tr } from '../render/text.ts';

const PLATFORMS = ['android', 'ios', 'windows', 'macos'] as const;

function mainKeyboard(tr: Tr): InlineKeyboard {
  const keyboard = new InlineKeyboard();
  PLATFORMS.forEach((p, i) => {
    keyboard.text(tr.t(`help-btn-${p}`), `help:${p}`);
    if (i % 2 === 1) keyboard.row();
  });
  return keyboard;
}

function mainText(tr: Tr, deps: FeatureDeps): string {
  return [tr.t('help-main'), ...supportLine(tr, deps.services)].join('\n\n');
}

/** The help message with a button per platform. */
export async function sendHelp(ctx: BotContext, deps: FeatureDeps): Promise<void> {
  const tr = await trOf(ctx);
  await ctx.reply(mainText(tr, deps), { ...HTML, reply_markup: mainKeyboard(tr) });
}

/** `/help` and its `help:<platform>` pages. */
export function createHelpFeature(deps: FeatureDeps) {
  const feature = new Composer<BotContext>();
  const privateChats = feature.chatType('private');

  privateChats.command('help', (ctx) => sendHelp(ctx, deps));

  // The guide replaces the help text in place; Back brings the overview again.
  privateChats.callbackQuery(/^help:(android|ios|windows|macos|main)$/, async (ctx) => {
    const tr = await trOf(ctx);
    const page = ctx.match[1]!;
    const edit =
      page === 'main'
        ? ctx.editMessageText(mainText(tr, deps), { ...HTML, reply_markup: mainKeyboard(tr) })
        : ctx.editMessageText([tr.t(`help-${page}`), ...supportLine(tr, deps.services)].join('\n\n'), {
            ...HTML,
            reply_markup: new InlineKeyboard().text(tr.t('help-btn-back'), 'help:main'),
          });
    await ignoreNotModified(edit);
    await ctx.answerCallbackQuery();
  });

  return feature;
}
