/** `/lang`: English or Russian. The choice is stored, so every later update uses it. */
import { Composer, InlineKeyboard } from 'grammy';
import type { BotContext, FeatureDeps } from '../../context.ts';
import { SUPPORTED_LANGUAGES } from '../../i18n.ts';
import { callbackData, oneOf, onButton } from '../../kit/index.ts';

const languageButton = callbackData('lang', { language: oneOf(SUPPORTED_LANGUAGES) });

/** The language picker. */
export async function sendLanguagePicker(ctx: BotContext): Promise<void> {
  const keyboard = new InlineKeyboard();
  for (const language of SUPPORTED_LANGUAGES)
    keyboard.text(ctx.t(`language-btn-${language}`), languageButton.pack({ language }));
  await ctx.reply(ctx.t('language-choose'), { reply_markup: keyboard });
}

/** `/lang` and its `lang:<code>` buttons. */
export function createLanguageFeature(deps: FeatureDeps) {
  const feature = new Composer<BotContext>();
  const privateChats = feature.chatType('private');

  privateChats.command('lang', sendLanguagePicker);

  onButton(privateChats, languageButton, async (ctx, { language }) => {
    deps.services.admins.setLanguage(ctx.from.id, language);
    // The negotiator reads person.language: update it and negotiate again to answer in the new language.
    if (ctx.person) ctx.person = { ...ctx.person, language };
    await ctx.i18n.renegotiateLocale();
    await ctx.editMessageText(ctx.t('language-set'));
    await ctx.answerCallbackQuery();
  });

  return feature;
}
