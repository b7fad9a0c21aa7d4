/** The bot's context type: grammY's plus i18n and what the middlewares attach. */
import type { Context } from 'grammy';
import type { I18nFlavor } from '@grammyjs/i18n';
import type { Logger } from '../logger.ts';
import type { Role, TelegramUser } from '../db/schema.ts';

export interface AppContextExtras {
  /** Child logger for this update. */
  log: Logger;
  /** The sender as stored (absent for updates without a sender). */
  person?: TelegramUser;
  role: Role;
}

export type BotContext = Context & I18nFlavor & AppContextExtras;
