/** The main menu under the greeting: every user command one tap away. */
import { Menu } from '@grammyjs/menu';
import type { BotContext } from '../../context.ts';
import { sendBuy } from '../buy/index.ts';
import { sendHelp } from '../help/index.ts';
import { sendMyKeys, type UserDeps } from '../keys/index.ts';
import { sendLanguagePicker } from '../language/index.ts';
import { requestNewKey } from '../new-key/index.ts';
import { sendTraffic } from '../traffic/index.ts';

/** Builds the main menu; install it (start does) before replying with it. */
export function createMainMenu(deps: UserDeps): Menu<BotContext> {
  return new Menu<BotContext>('main')
    .text(
      (ctx) => ctx.t('menu-keys'),
      (ctx) => sendMyKeys(ctx, deps),
    )
    .text(
      (ctx) => ctx.t('menu-new'),
      (ctx) => requestNewKey(ctx, deps),
    )
    .row()
    .text(
      (ctx) => ctx.t('menu-traffic'),
      (ctx) => sendTraffic(ctx, deps),
    )
    .text(
      (ctx) => ctx.t('menu-buy'),
      (ctx) => sendBuy(ctx, deps),
    )
    .row()
    .text(
      (ctx) => ctx.t('menu-help'),
      (ctx) => sendHelp(ctx, deps),
    )
    .text((ctx) => ctx.t('menu-language'), sendLanguagePicker);
}
