/**
 * Admins menu (owners only): who is owner (ADMIN_IDS) or admin, add an admin (a dialog that
 * takes a forwarded message or an id) and remove one (after a confirmation).
 */
import { Composer, InlineKeyboard, type MiddlewareFn } from 'grammy';
import { INPUT } from '../../conversations/ids.ts';
import type { BotContext } from '../../context.ts';
import { personLabel } from '../../menus/admin/keys.ts';
import { confirmView, type Translator, type View } from '../../menus/admin/view.ts';
import { actorOf, enterDialog, show, stripTags, type AdminDeps } from './common.ts';

/** The admins screen. */
export function adminsView(deps: AdminDeps, ctx: Translator): View {
  const { admins } = deps.services;
  const keyboard = new InlineKeyboard();
  const lines = [ctx.t('admin-admins-title')];
  for (const { telegram_id: id, role } of admins.listAdmins()) {
    const label = personLabel(id, admins.get(id));
    lines.push(ctx.t(role === 'owner' ? 'admin-admins-owner' : 'admin-admins-admin', { person: label }));
    if (role === 'admin')
      keyboard.text(ctx.t('admin-btn-remove', { person: stripTags(label) }), `a:ad:rm:${id}`).row();
  }
  lines.push(ctx.t('admin-admins-hint'));
  keyboard.text(ctx.t('admin-btn-add-admin'), 'a:ad:add').row().text(ctx.t('admin-btn-menu'), 'a:m');
  return { text: lines.join('\n'), keyboard };
}

/** `requireOwner` comes from the admin guard. */
export function adminsFeature(deps: AdminDeps, requireOwner: MiddlewareFn<BotContext>): Composer<BotContext> {
  const feature = new Composer<BotContext>();
  const owners = feature.callbackQuery(/^a:ad(:|$)/, requireOwner);
  owners.callbackQuery('a:ad', (ctx) => show(ctx, adminsView(deps, ctx)));
  owners.callbackQuery('a:ad:add', (ctx) => enterDialog(ctx, INPUT, { kind: 'admin-add' }));
  owners.callbackQuery(/^a:ad:rm:(\d{1,15})$/, (ctx) => {
    const id = Number(ctx.match[1]);
    const label = personLabel(id, deps.services.admins.get(id));
    return show(
      ctx,
      confirmView(ctx, ctx.t('admin-confirm-remove-admin', { person: label }), `a:ad:rm!:${id}`, 'a:ad'),
    );
  });
  owners.callbackQuery(/^a:ad:rm!:(\d{1,15})$/, async (ctx) => {
    deps.services.admins.removeAdmin(Number(ctx.match[1]), actorOf(ctx));
    await ctx.answerCallbackQuery({ text: ctx.t('admin-done-admin-removed') });
    await show(ctx, adminsView(deps, ctx));
  });
  return feature;
}
