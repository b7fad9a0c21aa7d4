/**
 * Admins menu (owners only): who is owner (ADMIN_IDS) or admin, add an admin (a dialog that
 * takes a forwarded message or an id) and remove one (after a confirmation).
 */
import { Composer, InlineKeyboard, type MiddlewareFn } from 'grammy';
import { INPUT } from '../../../conversations/ids.ts';
import type { BotContext } from '../../../context.ts';
import {
  callbackData,
  confirmScreen,
  int,
  onButton,
  show,
  stripTags,
  underPrefix,
  type Screen,
  type Translator,
} from '../../../kit/index.ts';
import { actorOf, enterDialog, menuButton, personLabel, type AdminDeps } from '../common.ts';

export const adminsButton = callbackData('a:ad');
const addAdminButton = callbackData('a:ad:add');
/** Remove admin `id` (asks first; `rm!` confirms). */
const removeAdminButton = callbackData('a:ad:rm', { id: int });
const removeAdminConfirmed = callbackData('a:ad:rm!', { id: int });

/** The admins screen. */
export function adminsView(deps: AdminDeps, ctx: Translator): Screen {
  const { admins } = deps.services;
  const keyboard = new InlineKeyboard();
  const lines = [ctx.t('admin-admins-title')];
  for (const { telegram_id: id, role } of admins.listAdmins()) {
    const label = personLabel(id, admins.get(id));
    lines.push(ctx.t(role === 'owner' ? 'admin-admins-owner' : 'admin-admins-admin', { person: label }));
    if (role === 'admin')
      keyboard
        .text(ctx.t('admin-btn-remove', { person: stripTags(label) }), removeAdminButton.pack({ id }))
        .row();
  }
  lines.push(ctx.t('admin-admins-hint'));
  keyboard
    .text(ctx.t('admin-btn-add-admin'), addAdminButton.pack({}))
    .row()
    .text(ctx.t('admin-btn-menu'), menuButton.pack({}));
  return { text: lines.join('\n'), keyboard };
}

/** `requireOwner` comes from the admin guard. */
export function adminsFeature(deps: AdminDeps, requireOwner: MiddlewareFn<BotContext>): Composer<BotContext> {
  const feature = new Composer<BotContext>();
  const owners = feature.callbackQuery(underPrefix(adminsButton.prefix), requireOwner);
  onButton(owners, adminsButton, (ctx) => show(ctx, adminsView(deps, ctx)));
  onButton(owners, addAdminButton, (ctx) => enterDialog(ctx, INPUT, { kind: 'admin-add' }));
  onButton(owners, removeAdminButton, (ctx, { id }) => {
    const label = personLabel(id, deps.services.admins.get(id));
    const question = ctx.t('admin-confirm-remove-admin', { person: label });
    return show(ctx, confirmScreen(ctx, question, removeAdminConfirmed.pack({ id }), adminsButton.pack({})));
  });
  onButton(owners, removeAdminConfirmed, async (ctx, { id }) => {
    deps.services.admins.removeAdmin(id, actorOf(ctx));
    await ctx.answerCallbackQuery({ text: ctx.t('admin-done-admin-removed') });
    await show(ctx, adminsView(deps, ctx));
  });
  return feature;
}
