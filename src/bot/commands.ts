/**
 * The command list Telegram shows in its menu: the user commands for everyone (English by
 * default, Russian for Russian clients), plus the admin commands in each admin's own chat.
 */
import type { Api } from 'grammy';
import type { BotCommand } from 'grammy/types';
import type { Logger } from '../logger.ts';
import type { Services } from '../services/index.ts';
import { createI18n, SUPPORTED_LANGUAGES, type Language } from './i18n.ts';

export const USER_COMMANDS = ['start', 'keys', 'new', 'traffic', 'buy', 'lang', 'help'] as const;
export const ADMIN_COMMANDS = [
  'admin',
  'users',
  'user',
  'create',
  'status',
  'events',
  'broadcast',
  'backup',
  'apikeys',
] as const;

/** Publishes the command lists; a failure is logged, never fatal (the bot works without). */
export async function publishCommands(api: Api, services: Services, logger: Logger): Promise<void> {
  const i18n = createI18n();
  const list = (lang: Language, names: readonly string[]): BotCommand[] =>
    names.map((command) => ({ command, description: i18n.t(lang, `command-${command}`) }));
  try {
    for (const lang of SUPPORTED_LANGUAGES) {
      const language = lang === 'en' ? {} : { language_code: lang };
      await api.setMyCommands(list(lang, USER_COMMANDS), language);
      for (const { telegram_id } of services.admins.listAdmins()) {
        await api.setMyCommands(list(lang, [...USER_COMMANDS, ...ADMIN_COMMANDS]), {
          ...language,
          scope: { type: 'chat', chat_id: telegram_id },
        });
      }
    }
  } catch (err) {
    logger.warn({ err }, 'could not publish the command list');
  }
}
