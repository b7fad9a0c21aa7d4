/** The `/admin` menu: a summary and a button for every admin section. */
import { InlineKeyboard } from 'grammy';
import type { Role } from '../../../services/model.ts';
import type { Translator, View } from './view.ts';

export interface MainMenuData {
  role: Role;
  keys: number;
  active: number;
  online: number;
  pendingRequests: number;
}

export function mainMenuView(ctx: Translator, data: MainMenuData): View {
  const text = [
    ctx.t('admin-menu-title'),
    ctx.t('admin-menu-summary', { keys: data.keys, active: data.active, online: data.online }),
    data.pendingRequests > 0 ? ctx.t('admin-menu-requests', { count: data.pendingRequests }) : '',
  ]
    .filter(Boolean)
    .join('\n');
  const keyboard = new InlineKeyboard()
    .text(ctx.t('admin-btn-keys'), 'a:kl:all:1:')
    .text(ctx.t('admin-btn-create-key'), 'a:kc')
    .row()
    .text(ctx.t('admin-btn-requests', { count: data.pendingRequests }), 'a:rq')
    .text(ctx.t('admin-btn-status'), 'a:st')
    .row()
    .text(ctx.t('admin-btn-events'), 'a:ev:1:all:')
    .text(ctx.t('admin-btn-broadcast'), 'a:bc')
    .row()
    .text(ctx.t('admin-btn-backups'), 'a:bk')
    .text(ctx.t('admin-btn-apikeys'), 'a:ak')
    .row()
    .text(ctx.t('admin-btn-payments'), 'a:pp')
    .row();
  if (data.role === 'owner') keyboard.text(ctx.t('admin-btn-admins'), 'a:ad');
  keyboard.text(ctx.t('admin-btn-settings'), 'a:se');
  return { text, keyboard };
}
