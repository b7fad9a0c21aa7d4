/** `/help`: set-up guides per platform, how to import the subscription, the support contact. */
import { Composer, InlineKeyboard } from 'grammy';
import type { BotContext, FeatureDeps } from '../../context.ts';
import {
  callbackData,
  ignoreNotModified,
  oneOf,
  onButton,
  supportLine,
  trOf,
  type Tr,
} from '../../kit/index.ts';

const PLATFORMS = ['android', 'ios', 'windows', 'macos'] as const;
/** A page of the help: a platform's guide, or the overview (`main`). */
const helpButton = callbackData('help', { page: oneOf([...PLATFORMS, 'main']) });

function mainKeyboard(tr: Tr): InlineKeyboard {
  const keyboard = new InlineKeyboard();
  PLATFORMS.forEach((p, i) => {
    keyboard.text(tr.t(`help-btn-${p}`), helpButton.pack({ page: p }));
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
  await ctx.reply(mainText(tr, deps), { reply_markup: mainKeyboard(tr) });
}

/** `/help` and its `help:<platform>` pages. */
export function createHelpFeature(deps: FeatureDeps) {
  const feature = new Composer<BotContext>();
  const privateChats = feature.chatType('private');

  privateChats.command('help', (ctx) => sendHelp(ctx, deps));

  // The guide replaces the help text in place; Back brings the overview again.
  onButton(privateChats, helpButton, async (ctx, { page }) => {
    const tr = await trOf(ctx);
    const edit =
      page === 'main'
        ? ctx.editMessageText(mainText(tr, deps), { reply_markup: mainKeyboard(tr) })
        : ctx.editMessageText([tr.t(`help-${page}`), ...supportLine(tr, deps.services)].join('\n\n'), {
            reply_markup: new InlineKeyboard().text(tr.t('help-btn-back'), helpButton.pack({ page: 'main' })),
          });
    await ignoreNotModified(edit);
    await ctx.answerCallbackQuery();
  });

  return feature;
}
