/**
 * Admin keys: the list with filters, search and paging (`/users [query]`), the key card
 * (`/user NAME`), one-line creation (`/create NAME [GB] [DAYS]`) and every action on a key,
 * from the card's buttons or as a command (`/kick /reset /extend /limit /disable /enable
 * /delete`). Kick and delete ask first.
 */
import { Composer, GrammyError, InputFile } from 'grammy';
import type { Key } from '../../../../services/model.ts';
import { limitFromGb } from '../../../../services/keys/rules.ts';
import { qrPng } from '../../../../services/qr.ts';
import { CREATE_KEY, INPUT } from '../../../conversations/ids.ts';
import type { BotContext } from '../../../context.ts';
import { commandArgs, confirmScreen, esc, notify, onButton, parseNumber, show } from '../../../kit/index.ts';
import { actorOf, enterDialog, KEY_LIMITS, languageOf, type AdminDeps } from '../common.ts';
import { createKey } from './create-dialog.ts';
import {
  keyButton,
  keyCard,
  keyCardView,
  keyCreateButton,
  keyListButton,
  keyListPage,
  keySearchButton,
  type KeyAction,
} from './screens.ts';

export function keysFeature(deps: AdminDeps): Composer<BotContext> {
  const { services } = deps;
  const feature = new Composer<BotContext>();

  const card = (ctx: BotContext, name: string) => keyCardView(ctx, keyCard(deps, services.keys.get(name)));

  /** After a change: the toast, then the fresh card. */
  async function changed(ctx: BotContext, key: Key, done: string): Promise<void> {
    await notify(ctx, ctx.t(done, { name: esc(key.name) }));
    await show(ctx, keyCardView(ctx, keyCard(deps, key)));
  }

  function confirm(ctx: BotContext, question: string, action: KeyAction, name: string): Promise<void> {
    const key = services.keys.get(name);
    return show(
      ctx,
      confirmScreen(
        ctx,
        ctx.t(question, { name: esc(key.name) }),
        keyButton.pack({ action, name: key.name }),
        keyButton.pack({ action: 'view', name: key.name }),
      ),
    );
  }

  async function extend(ctx: BotContext, name: string, days: number): Promise<void> {
    const key = await services.keys.renew(name, { extendDays: days }, actorOf(ctx));
    await changed(ctx, key, 'admin-done-extended');
  }

  async function sendQr(ctx: BotContext, name: string): Promise<void> {
    const json = services.view(services.keys.get(name));
    const link = json.links[0] ?? json.subscription_url;
    await ctx.replyWithPhoto(new InputFile(await qrPng(link), `${json.username}.png`), {
      caption: `<code>${esc(link)}</code>`,
    });
  }

  /** Sends the key's link and QR to its owner, in the owner's language. */
  async function sendToOwner(ctx: BotContext, name: string): Promise<void> {
    const key = services.keys.get(name);
    const owner = key.ownerTelegramId;
    if (owner === null) return notify(ctx, ctx.t('admin-key-no-owner'));
    const json = services.view(key);
    const link = json.links[0] ?? json.subscription_url;
    const caption = deps.i18n.t(languageOf(deps, owner), 'admin-owner-key', {
      name: esc(key.name),
      link: esc(link),
      url: esc(json.subscription_url),
    });
    try {
      await ctx.api.sendPhoto(owner, new InputFile(await qrPng(link), `${key.name}.png`), { caption });
    } catch (error) {
      if (!(error instanceof GrammyError && error.error_code === 403)) throw error;
      services.broadcasts.markUnreachable(owner);
      return notify(ctx, ctx.t('admin-owner-blocked'));
    }
    services.events.record({ type: 'key.link_sent', actor: actorOf(ctx), subject: key.name });
    await notify(ctx, ctx.t('admin-done-sent'));
  }

  /** Every action on a key, by the name its callback data and command use. */
  const actions: Record<KeyAction, (ctx: BotContext, name: string) => Promise<void>> = {
    view: (ctx, name) => show(ctx, card(ctx, name)),
    qr: sendQr,
    send: sendToOwner,
    reset: async (ctx, name) =>
      changed(ctx, await services.keys.resetTraffic(name, actorOf(ctx)), 'admin-done-reset'),
    kick: (ctx, name) => confirm(ctx, 'admin-confirm-kick', 'kick!', name),
    'kick!': async (ctx, name) =>
      changed(ctx, await services.keys.kick(name, actorOf(ctx)), 'admin-done-kicked'),
    off: async (ctx, name) =>
      changed(ctx, await services.keys.disable(name, actorOf(ctx)), 'admin-done-disabled'),
    on: async (ctx, name) =>
      changed(ctx, await services.keys.enable(name, actorOf(ctx)), 'admin-done-enabled'),
    ext7: (ctx, name) => extend(ctx, name, 7),
    ext30: (ctx, name) => extend(ctx, name, 30),
    ext90: (ctx, name) => extend(ctx, name, 90),
    ext: (ctx, name) => enterDialog(ctx, INPUT, { kind: 'extend', name: services.keys.get(name).name }),
    limit: (ctx, name) => enterDialog(ctx, INPUT, { kind: 'limit', name: services.keys.get(name).name }),
    del: (ctx, name) => confirm(ctx, 'admin-confirm-delete', 'del!', name),
    'del!': async (ctx, name) => {
      const key = services.keys.get(name);
      await services.keys.delete(key.name, actorOf(ctx));
      await notify(ctx, ctx.t('admin-done-deleted', { name: esc(key.name) }));
      if (ctx.callbackQuery) await show(ctx, keyListPage(deps, ctx, { status: 'all', search: '' }, 1));
    },
  };

  feature.command('users', (ctx) =>
    show(ctx, keyListPage(deps, ctx, { status: 'all', search: ctx.match.trim() }, 1)),
  );
  onButton(feature, keyListButton, (ctx, { status, page, search }) =>
    show(ctx, keyListPage(deps, ctx, { status, search }, page || 1)),
  );
  onButton(feature, keySearchButton, (ctx) => enterDialog(ctx, INPUT, { kind: 'search' }));
  onButton(feature, keyCreateButton, (ctx) => enterDialog(ctx, CREATE_KEY));
  onButton(feature, keyButton, (ctx, { action, name }) => actions[action](ctx, name));

  // Commands that take just a name do what the card's button does.
  const byName: Record<string, KeyAction> = {
    user: 'view',
    kick: 'kick',
    reset: 'reset',
    disable: 'off',
    enable: 'on',
    delete: 'del',
  };
  for (const [command, action] of Object.entries(byName)) {
    feature.command(command, async (ctx) => {
      const [name] = commandArgs(ctx);
      if (!name) return void (await ctx.reply(ctx.t(`admin-usage-${command}`)));
      await actions[action](ctx, name);
    });
  }

  feature.command('extend', async (ctx) => {
    const [name, daysText] = commandArgs(ctx);
    const days = parseNumber(daysText, KEY_LIMITS.extendDays);
    if (!name || days === undefined) return void (await ctx.reply(ctx.t('admin-usage-extend')));
    await extend(ctx, name, days);
  });

  feature.command('limit', async (ctx) => {
    const [name, gbText] = commandArgs(ctx);
    const gb = parseNumber(gbText, KEY_LIMITS.gb);
    if (!name || gb === undefined) return void (await ctx.reply(ctx.t('admin-usage-limit')));
    const key = await services.keys.setLimit(name, limitFromGb(gb), actorOf(ctx));
    await changed(ctx, key, 'admin-done-limit');
  });

  feature.command('create', async (ctx) => {
    const [name, gbText, daysText] = commandArgs(ctx);
    if (!name) return enterDialog(ctx, CREATE_KEY);
    const gb = gbText === undefined ? 0 : parseNumber(gbText, KEY_LIMITS.gb);
    const days = daysText === undefined ? 0 : parseNumber(daysText, KEY_LIMITS.days);
    if (gb === undefined || days === undefined) return void (await ctx.reply(ctx.t('admin-usage-create')));
    const key = await createKey(deps, { name, gb, days, owner: null }, actorOf(ctx));
    await changed(ctx, key, 'admin-done-created');
  });

  return feature;
}
