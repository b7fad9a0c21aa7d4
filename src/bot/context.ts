/** The bot's context types: grammY's plus i18n, session, conversations and what middlewares attach. */
import type { ConversationFlavor } from '@grammyjs/conversations';
import type { I18nFlavor } from '@grammyjs/i18n';
import type { Context, SessionFlavor } from 'grammy';
import type { Config } from '../config.ts';
import type { Role, TelegramUser } from '../services/model.ts';
import type { Logger } from '../logger.ts';
import type { CoreControl } from '../services/core-port.ts';
import type { Services } from '../services/index.ts';

/** Per-user state kept in SQLite across restarts. */
export interface SessionData {
  /** Reserved for features that need a little memory between updates (menus' paging…). */
  [key: string]: unknown;
}

export interface AppContextExtras {
  /** Child logger for this update. */
  log: Logger;
  /** The sender as stored (absent for updates without a sender). */
  person?: TelegramUser;
  role: Role;
}

/** Context inside the bot's middleware. */
export type BotContext = ConversationFlavor<
  Context & I18nFlavor & SessionFlavor<SessionData> & AppContextExtras
>;

/** Context inside a conversation (plugins are installed again there). */
export type ConversationContext = Context & I18nFlavor & AppContextExtras;

/** What every feature factory receives. */
export interface FeatureDeps {
  config: Readonly<Config>;
  services: Services;
  logger: Logger;
  /** Core controls (status, check, sync, restart); absent in tests that do not need them. */
  system?: CoreControl;
  /** Reads an SSH server's host key fingerprint (`SHA256:…`), for the add-node dialog to confirm. */
  hostKeyOf?: (target: { user: string; host: string; port: number }) => Promise<string>;
}
