/** Fluent translations from `locales/`; the language is the one picked with /lang, else Telegram's. */
import { I18n } from '@grammyjs/i18n';
import { projectPath } from '../paths.ts';
import type { BotContext } from './context.ts';

export const LOCALES_DIR = projectPath('locales');
export const SUPPORTED_LANGUAGES = ['en', 'ru'] as const;
export type Language = (typeof SUPPORTED_LANGUAGES)[number];

/** Maps a Telegram language code (`ru`, `ru-RU`, `uk`…) to a supported language. */
export function pickLanguage(code: string | null | undefined): Language {
  const base = code?.toLowerCase().split('-')[0];
  return SUPPORTED_LANGUAGES.find((l) => l === base) ?? 'en';
}

/** The language of whoever sent an update: picked with /lang, else Telegram's (the i18n negotiator). */
export function localeOf(ctx: {
  person?: { language?: string | null };
  from?: { language_code?: string };
}): Language {
  return pickLanguage(ctx.person?.language ?? ctx.from?.language_code);
}

export function createI18n(): I18n<BotContext> {
  return new I18n<BotContext>({
    defaultLocale: 'en',
    directory: LOCALES_DIR,
    // No Unicode isolation marks around variables: links and names must stay copyable.
    fluentBundleOptions: { useIsolating: false },
    localeNegotiator: localeOf,
  });
}
