/**
 * The admin side of the bot. Admin dialogs come first (in a chat where one runs, it takes
 * the update); then every admin update — admin commands, `/restore` captions and `a:`
 * buttons — passes the role guard before any feature sees it. Everything else goes on to
 * the user features.
 */
import { createConversation, type ConversationBuilder } from '@grammyjs/conversations';
import { Composer } from 'grammy';
import { apiKeyConversation } from './api-keys/dialog.ts';
import { broadcastConversation } from './broadcast/dialog.ts';
import { createKeyConversation } from './keys/create-dialog.ts';
import { ADD_NODE, API_KEY, BROADCAST, CREATE_KEY, INPUT, PLAN, PROMO } from '../../conversations/ids.ts';
import { inputConversation } from './input-dialog.ts';
import { addNodeConversation } from './nodes/add-dialog.ts';
import { planConversation, promoConversation } from './payments/dialog.ts';
import type { BotContext, ConversationContext } from '../../context.ts';
import { createAdminGuard, isAdminUpdate } from '../../middlewares/admin.ts';
import { adminsFeature } from './admins/index.ts';
import { apiKeysFeature } from './api-keys/index.ts';
import { backupsFeature } from './backups/index.ts';
import { broadcastFeature } from './broadcast/index.ts';
import { answerCallbacks, explainErrors, type AdminDeps } from './common.ts';
import { eventsFeature } from './events/index.ts';
import { keysFeature } from './keys/index.ts';
import { menuFeature } from './menu/index.ts';
import { nodesFeature } from './nodes/index.ts';
import { paymentsFeature } from './payments/index.ts';
import { requestsFeature } from './requests/index.ts';
import { settingsFeature } from './settings/index.ts';
import { statusFeature } from './status/index.ts';

export type { AdminDeps } from './common.ts';

/** A dialog left unanswered this long ends; the next message is handled as usual. */
const DIALOG_TIMEOUT_MS = 30 * 60_000;

export function adminFeature(deps: AdminDeps): Composer<BotContext> {
  const root = new Composer<BotContext>();
  const dialog = (builder: ConversationBuilder<BotContext, ConversationContext>, id: string) =>
    createConversation<BotContext, ConversationContext>(builder, {
      id,
      maxMillisecondsToWait: DIALOG_TIMEOUT_MS,
    });
  root.use(
    dialog(createKeyConversation(deps), CREATE_KEY),
    dialog(broadcastConversation(deps), BROADCAST),
    dialog(apiKeyConversation(deps), API_KEY),
    dialog(inputConversation(deps), INPUT),
    dialog(planConversation(deps), PLAN),
    dialog(promoConversation(deps), PROMO),
    dialog(addNodeConversation(deps), ADD_NODE),
  );

  const guard = createAdminGuard(deps.services);
  const admin = root.filter(isAdminUpdate, guard.requireAdmin, answerCallbacks, explainErrors);
  admin.use(
    menuFeature(deps),
    keysFeature(deps),
    requestsFeature(deps),
    statusFeature(deps),
    nodesFeature(deps),
    eventsFeature(deps),
    broadcastFeature(deps),
    backupsFeature(deps, guard.requireOwner),
    apiKeysFeature(deps),
    adminsFeature(deps, guard.requireOwner),
    settingsFeature(deps, guard.requireOwner),
    paymentsFeature(deps),
  );
  // A button of a dialog that is over, or of a screen that no longer applies.
  admin.on('callback_query:data', (ctx) => ctx.answerCallbackQuery({ text: ctx.t('admin-button-expired') }));
  return root;
}
