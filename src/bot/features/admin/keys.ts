/**
 * Admin keys: the list with filters, search and paging (`/users [query]`), the key card
 * (`/user NAME`), one-line creation (`/create NAME [GB] [DAYS]`) and every action on a key,
 * from the card's buttons or as a command (`/kick /reset /extend /limit /disable /enable
 * /delete`). Kick and delete ask first.
 */
import { Composer, GrammyError, InputFile } from 'grammy';
import type { Key } from '../../../db/schema.ts';
import { expiryFromDays, limitFromGb } from '../../../services/keys/rules.ts';
import { qrPng } from '../../../services/qr.ts';
import { CREATE_KEY, INPUT } from '../../conversations/ids.ts';
import type { BotContext } from '../../context.ts';
import { keyCardView, keyData, keyListView, type KeyCard, type KeyFilter } from '../../menus/admin/keys.ts';
import { confirmView, esc, type Translator, type View } from '../../menus/admin/view.ts';
import {
  actorOf,
  commandArgs,
  enterDialog,
  HTML,
  KEY_LIMITS,
  languageOf,
  parseNumber,
  show,
  type AdminDeps,
} from './common.ts';

const PER_PAGE = 10;
const LIST_RE = /^a:kl:(all|active|disabled|limited|expired|on_hold):(\d{1,6}):?(.*)$/s;
const ACTION_RE = /^a:k:([a-z0-9]+!?):(.+)$/;

/** Everything the card of `key` shows. */
export function keyCard(deps: AdminDeps, key: Key): KeyCard {
  const { services } = deps;
  return {
    key,
    json: services.view(key),
    usage: services.reports.keyUsage(key.id),
    owner: key.ownerTelegramId === null ? undefined : services.admins.get(key.ownerTelegramId),
    now: services.clock.now(),
  };
}

/** One page of the key list. */
export function keyListPage(deps: AdminDeps, ctx: Translator, filter: KeyFilter, page: number): View {
  const result = deps.services.keys.list({
    page,
    perPage: PER_PAGE,
    status: filter.status === 'all' ? undefined : filter.status,
    search: filter.search || undefined,
  });
  return keyListView(ctx, result, filter);
}

/** Creates a key as an admin: GB and days of 0 mean unlimited and never. */
export function createKey(
  deps: AdminDeps,
  input: { name: string; gb: number; days: number; owner: number | null },
  actor: string,
) {
  const { services } = deps;
  return services.keys.create(
    {
      name: input.name,
      trafficLimitBytes: limitFromGb(input.gb),
      expireAt: expiryFromDays(services.clock.now(), input.days),
      ownerTelegramId: input.owner,
    },
    actor,
  );
}

/** A short confirmation: a toast for a button, a message for a command. */
async function notify(ctx: BotContext, text: string): Promise<void> {
  if (ctx.callbackQuery) await ctx.answerCallbackQuery({ text });
  else await ctx.reply(text, HTML);
}

export function keysFeature(deps: AdminDeps): Composer<BotContext> {
  const { services } = deps;
  const feature = new Composer<BotContext>();

  const card = (ctx: BotContext, name: string) => keyCardView(ctx, keyCard(deps, services.keys.get(name)));

  /** After a change: the toast, then the fresh card. */
  async function changed(ctx: BotContext, key: Key, done: string): Promise<void> {
    await notify(ctx, ctx.t(done, { name: esc(key.name) }));
    await show(ctx, keyCardView(ctx, keyCard(deps, key)));
  }

  function confirm(ctx: BotContext, question: string, action: string, name: string): Promise<void> {
    const key = services.keys.get(name);
    return show(
      ctx,
      confirmView(
        ctx,
        ctx.t(question, { name: esc(key.name) }),
        keyData(action, key.name),
        keyData('view', key.name),
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
      parse_mode: 'HTML',
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
      await ctx.api.sendPhoto(owner, new InputFile(await qrPng(link), `${key.name}.png`), {
        caption,
        parse_mode: 'HTML',
      });
    } catch (error) {
      if (!(error instanceof GrammyError && error.error_code === 403)) throw error;
      services.broadcasts.markUnreachable(owner);
      return notify(ctx, ctx.t('admin-owner-blocked'));
    }
    services.events.record({ type: 'key.link_sent', actor: actorOf(ctx), subject: key.name });
    await notify(ctx, ctx.t('admin-done-sent'));
  }

  /** Every action on a key, by the name its callback data and command use. */
  const actions: Record<string, (ctx: BotContext, name: string) => Promise<void>> = {
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
  feature.callbackQuery(LIST_RE, (ctx) => {
    const [, status, page, search] = ctx.match as unknown as [string, KeyFilter['status'], string, string];
    return show(ctx, keyListPage(deps, ctx, { status, search }, Number(page) || 1));
  });
  feature.callbackQuery('a:ks', (ctx) => enterDialog(ctx, INPUT, { kind: 'search' }));
  feature.callbackQuery('a:kc', (ctx) => enterDialog(ctx, CREATE_KEY));

  feature.callbackQuery(ACTION_RE, async (ctx, next) => {
    const [, action, name] = ctx.match as unknown as [string, string, string];
    if (!Object.hasOwn(actions, action)) return next();
    await actions[action]!(ctx, name);
  });

  // Commands that take just a name do what the card's button does.
  const byName = { user: 'view', kick: 'kick', reset: 'reset', disable: 'off', enable: 'on', delete: 'del' };
  for (const [command, action] of Object.entries(byName)) {
    feature.command(command, async (ctx) => {
      const [name] = commandArgs(ctx);
      if (!name) return void (await ctx.reply(ctx.t(`admin-usage-${command}`), HTML));
      await actions[action]!(ctx, name);
    });
  }

  feature.command('extend', async (ctx) => {
    const [name, daysText] = commandArgs(ctx);
    const days = parseNumber(daysText, KEY_LIMITS.extendDays);
    if (!name || days === undefined) return void (await ctx.reply(ctx.t('admin-usage-extend'), HTML));
    await extend(ctx, name, days);
  });

  feature.command('limit', async (ctx) => {
    const [name, gbText] = commandArgs(ctx);
    const gb = parseNumber(gbText, KEY_LIMITS.gb);
    if (!name || gb === undefined) return void (await ctx.reply(ctx.t('admin-usage-limit'), HTML));
    const key = await services.keys.setLimit(name, limitFromGb(gb), actorOf(ctx));
    await changed(ctx, key, 'admin-done-limit');
  });

  feature.command('create', async (ctx) => {
    const [name, gbText, daysText] = commandArgs(ctx);
    if (!name) return enterDialog(ctx, CREATE_KEY);
    const gb = gbText === undefined ? 0 : parseNumber(gbText, KEY_LIMITS.gb);
    const days = daysText === undefined ? 0 : parseNumber(daysText, KEY_LIMITS.days);
    if (gb === undefined || days === undefined)
      return void (await ctx.reply(ctx.t('admin-usage-create'), HTML));
    const key = await createKey(deps, { name, gb, days, owner: null }, actorOf(ctx));
    await changed(ctx, key, 'admin-done-created');
  });

  return feature;
}
