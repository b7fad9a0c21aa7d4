/** The `/admin` menu: a summary and a button for every admin section. */
import { InlineKeyboard } from 'grammy';
import type { Role } from '../../../../services/model.ts';
import { type Screen, type Translator } from '../../../kit/index.ts';
import { adminsButton } from '../admins/index.ts';
import { apiKeysButton } from '../api-keys/screens.ts';
import { backupsButton } from '../backups/index.ts';
import { broadcastButton } from '../broadcast/index.ts';
import { eventsButton } from '../events/screens.ts';
import { keyCreateButton, keyListButton } from '../keys/screens.ts';
import { nodesButton } from '../nodes/screens.ts';
import { paymentsButton } from '../payments/screens.ts';
import { requestsButton } from '../requests/index.ts';
import { settingsButton } from '../settings/index.ts';
import { statusButton } from '../status/screens.ts';

export interface MainMenuData {
  role: Role;
  keys: number;
  active: number;
  online: number;
  pendingRequests: number;
}

export function mainMenuView(ctx: Translator, data: MainMenuData): Screen {
  const text = [
    ctx.t('admin-menu-title'),
    ctx.t('admin-menu-summary', { keys: data.keys, active: data.active, online: data.online }),
    data.pendingRequests > 0 ? ctx.t('admin-menu-requests', { count: data.pendingRequests }) : '',
  ]
    .filter(Boolean)
    .join('\n');
  const keyboard = new InlineKeyboard()
    .text(ctx.t('admin-btn-keys'), keyListButton.pack({ status: 'all', page: 1, search: '' }))
    .text(ctx.t('admin-btn-create-key'), keyCreateButton.pack({}))
    .row()
    .text(ctx.t('admin-btn-requests', { count: data.pendingRequests }), requestsButton.pack({}))
    .text(ctx.t('admin-btn-status'), statusButton.pack({}))
    .row()
    .text(ctx.t('admin-btn-events'), eventsButton.pack({ page: 1, severity: 'all', type: '' }))
    .text(ctx.t('admin-btn-broadcast'), broadcastButton.pack({}))
    .row()
    .text(ctx.t('admin-btn-backups'), backupsButton.pack({}))
    .text(ctx.t('admin-btn-apikeys'), apiKeysButton.pack({}))
    .row()
    .text(ctx.t('admin-btn-nodes'), nodesButton.pack({}))
    .text(ctx.t('admin-btn-payments'), paymentsButton.pack({}))
    .row();
  if (data.role === 'owner') keyboard.text(ctx.t('admin-btn-admins'), adminsButton.pack({}));
  keyboard.text(ctx.t('admin-btn-settings'), settingsButton.pack({}));
  return { text, keyboard };
}
