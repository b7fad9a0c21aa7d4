/**
 * Broadcasts: `/broadcast` opens the dialog (content → audience → preview → confirm); the
 * confirmed broadcast runs in the background under the shared rate limit, editing one
 * progress message (with a cancel button) and ending with the counts. One that a restart
 * interrupted goes on at start-up ({@link resumeBroadcasts}).
 */
import { Composer, GrammyError, InlineKeyboard, type Api } from 'grammy';
import type { MessageEntity } from 'grammy/types';
import type { BroadcastAudience } from '../../../../services/model.ts';
import type { Broadcast, SendOutcome } from '../../../../services/broadcast.service.ts';
import { BROADCAST } from '../../../conversations/ids.ts';
import type { BotContext } from '../../../context.ts';
import { callbackData, HTML, int, onButton, type Translator } from '../../../kit/index.ts';
import { actorOf, enterDialog, languageOf, type AdminDeps } from '../common.ts';

export const broadcastButton = callbackData('a:bc');
/** Stops broadcast `id` (the button under its progress message). */
const stopButton = callbackData('a:bc:x', { id: int });

/** What a broadcast sends: a text, or a photo with an optional caption, with their entities. */
export interface BroadcastContent {
  text?: string;
  entities?: MessageEntity[];
  /** file_id of the photo. */
  photo?: string;
}

/** How often the progress message is edited at most. */
const PROGRESS_EVERY_MS = 2000;

function progressText(ctx: Translator, row: Broadcast): string {
  const counts = {
    done: row.sent + row.blocked + row.failed,
    total: row.total,
    sent: row.sent,
    blocked: row.blocked,
    failed: row.failed,
  };
  if (row.state === 'running') return ctx.t('admin-broadcast-progress', counts);
  return ctx.t(row.state === 'cancelled' ? 'admin-broadcast-cancelled' : 'admin-broadcast-done', counts);
}

/** Sends the content to one person; a 403 means they blocked the bot. */
function sender(api: Api, content: BroadcastContent) {
  return async (chatId: number): Promise<SendOutcome> => {
    try {
      if (content.photo) {
        await api.sendPhoto(chatId, content.photo, {
          caption: content.text,
          caption_entities: content.entities,
        });
      } else {
        await api.sendMessage(chatId, content.text ?? '', { entities: content.entities });
      }
      return 'sent';
    } catch (error) {
      return error instanceof GrammyError && error.error_code === 403 ? 'blocked' : 'failed';
    }
  };
}

/**
 * Records a broadcast and starts sending it in the background. The message `messageId`
 * in the admin's chat becomes the progress message.
 * @returns the broadcast id.
 */
export async function launchBroadcast(
  deps: AdminDeps,
  api: Api,
  input: {
    adminId: number;
    /** The progress message: chat and message id. */
    chatId: number;
    messageId: number;
    audience: BroadcastAudience;
    content: BroadcastContent;
  },
): Promise<number> {
  const row = deps.services.broadcasts.create({
    audience: input.audience,
    text: input.content.text ?? null,
    entities: input.content.entities ?? null,
    photoFileId: input.content.photo ?? null,
    createdBy: input.adminId,
    progress: { chatId: input.chatId, messageId: input.messageId },
  });
  await sendInBackground(deps, api, row);
  return row.id;
}

/** A broadcast interrupted longer ago than this is cancelled, not resumed: its news is stale. */
const RESUME_WITHIN_MS = 24 * 3_600_000;

/**
 * Goes on with the broadcasts a restart interrupted, each after its last counted recipient,
 * editing the same progress message as before; one started more than a day ago is cancelled.
 * @returns how many were resumed.
 */
export async function resumeBroadcasts(deps: AdminDeps, api: Api): Promise<number> {
  const { services, logger } = deps;
  let resumed = 0;
  for (const row of services.broadcasts.unfinished()) {
    const counted = row.sent + row.blocked + row.failed;
    if (services.clock.now().getTime() - row.createdAt.getTime() > RESUME_WITHIN_MS) {
      services.broadcasts.cancel(row.id, 'system');
      logger.info({ broadcast: row.id, counted }, 'interrupted broadcast too old to resume: cancelled');
      await progressEditor(deps, api, row)(services.broadcasts.get(row.id));
      continue;
    }
    logger.info({ broadcast: row.id, counted }, 'resuming broadcast');
    await sendInBackground(deps, api, row);
    resumed++;
  }
  return resumed;
}

/** Shows the progress, then sends the rest of `row` in the background. */
async function sendInBackground(deps: AdminDeps, api: Api, row: Broadcast): Promise<void> {
  const content: BroadcastContent = {
    text: row.text ?? undefined,
    entities: (row.entities ?? undefined) as MessageEntity[] | undefined,
    photo: row.photoFileId ?? undefined,
  };
  const edit = progressEditor(deps, api, row);
  await edit(row);
  let lastEdit = Date.now();
  const run = async () => {
    const done = await deps.services.broadcasts.run(row.id, sender(api, content), async (current) => {
      if (Date.now() - lastEdit < PROGRESS_EVERY_MS) return;
      lastEdit = Date.now();
      await edit(current);
    });
    await edit(done);
  };
  void run().catch((err: unknown) => deps.logger.error({ err, broadcast: row.id }, 'broadcast failed'));
}

/** Edits the admin's progress message (with a stop button while running); never throws. */
function progressEditor(deps: AdminDeps, api: Api, row: Broadcast) {
  const { progressChatId: chatId, progressMessageId: messageId } = row;
  const lang = languageOf(deps, row.createdBy ?? 0);
  const tr: Translator = { t: (key, vars) => deps.i18n.t(lang, key, vars) };
  const cancel = new InlineKeyboard().text(tr.t('admin-btn-stop-broadcast'), stopButton.pack({ id: row.id }));
  return async (current: Broadcast): Promise<void> => {
    if (chatId === null || messageId === null) return;
    await api
      // Any Api may run a broadcast (resumed at start-up): the parse mode is given here.
      .editMessageText(chatId, messageId, progressText(tr, current), {
        ...HTML,
        reply_markup: current.state === 'running' ? cancel : undefined,
      })
      .catch((err: unknown) => deps.logger.debug({ err }, 'broadcast progress not edited'));
  };
}

export function broadcastFeature(deps: AdminDeps): Composer<BotContext> {
  const feature = new Composer<BotContext>();
  feature.command('broadcast', (ctx) => enterDialog(ctx, BROADCAST));
  onButton(feature, broadcastButton, (ctx) => enterDialog(ctx, BROADCAST));
  onButton(feature, stopButton, async (ctx, { id }) => {
    const stopped = deps.services.broadcasts.cancel(id, actorOf(ctx));
    await ctx.answerCallbackQuery({
      text: ctx.t(stopped ? 'admin-broadcast-stopping' : 'admin-broadcast-not-running'),
    });
  });
  return feature;
}
