/**
 * The broadcast dialog: content (a text, or a photo with a caption) → audience (all, with
 * an active key, expired) → preview exactly as people will see it → confirm. Confirming
 * starts the broadcast in the background; the confirm message turns into its progress.
 */
import { BROADCAST_AUDIENCES, type BroadcastAudience } from '../../../../services/model.ts';
import type { ConversationContext } from '../../../context.ts';
import { launchBroadcast, type BroadcastContent } from './index.ts';
import type { AdminDeps } from '../common.ts';
import { ask, cancelled, runSteps, type AdminConversation, type Parsed } from '../../../kit/index.ts';

export function broadcastConversation(deps: AdminDeps) {
  const { services } = deps;

  return async function broadcastDialog(conversation: AdminConversation, ctx: ConversationContext) {
    let content: BroadcastContent = {};
    let audience: BroadcastAudience = 'all';
    const completed = await runSteps([
      async () => {
        const answer = await ask(
          conversation,
          ctx,
          ctx.t('admin-ask-broadcast'),
          {},
          (a): Parsed<BroadcastContent> => {
            const message = a.kind === 'input' ? a.ctx.message : undefined;
            const photo = message?.photo?.at(-1);
            if (photo)
              return {
                ok: true,
                value: { photo: photo.file_id, text: message?.caption, entities: message?.caption_entities },
              };
            if (message?.text) return { ok: true, value: { text: message.text, entities: message.entities } };
            return { ok: false, error: ctx.t('admin-bad-broadcast') };
          },
        );
        if ('nav' in answer) return answer.nav;
        content = answer.value;
        return 'next';
      },
      async () => {
        const counts = await conversation.external(() =>
          Object.fromEntries(BROADCAST_AUDIENCES.map((a) => [a, services.broadcasts.count(a)])),
        );
        const choices = BROADCAST_AUDIENCES.map((a): Array<[string, string]> => [
          [ctx.t(`admin-audience-${a}`, { count: counts[a] ?? 0 }), a],
        ]);
        const answer = await ask(
          conversation,
          ctx,
          ctx.t('admin-ask-audience'),
          { back: true, choices },
          (a) => {
            const value = a.kind === 'input' ? a.text : undefined;
            return (BROADCAST_AUDIENCES as readonly string[]).includes(value ?? '')
              ? { ok: true, value: value as BroadcastAudience }
              : { ok: false, error: ctx.t('admin-press-button') };
          },
        );
        if ('nav' in answer) return answer.nav;
        audience = answer.value;
        return 'next';
      },
      async () => {
        await ctx.reply(ctx.t('admin-broadcast-preview'));
        if (content.photo) {
          await ctx.replyWithPhoto(content.photo, {
            caption: content.text,
            caption_entities: content.entities,
          });
        } else {
          await ctx.reply(content.text ?? '', { entities: content.entities });
        }
        const count = await conversation.external(() => services.broadcasts.count(audience));
        const answer = await ask(
          conversation,
          ctx,
          ctx.t('admin-broadcast-confirm', {
            count,
            audience: ctx.t(`admin-audience-${audience}`, { count }),
          }),
          { back: true, ok: ctx.t('admin-btn-send') },
          (a): Parsed<number> => {
            const messageId = a.kind === 'ok' ? a.ctx.callbackQuery?.message?.message_id : undefined;
            return messageId === undefined
              ? { ok: false, error: ctx.t('admin-press-button') }
              : { ok: true, value: messageId };
          },
        );
        if ('nav' in answer) return answer.nav;
        const adminId = ctx.from?.id ?? 0;
        const started = await conversation.external(async (outside) => {
          // The role is checked again: it may have been taken away while the dialog ran.
          if (!services.admins.isAdmin(adminId)) return false;
          const chatId = ctx.chat?.id ?? adminId;
          await launchBroadcast(deps, outside.api, {
            adminId,
            chatId,
            messageId: answer.value,
            audience,
            content,
          });
          return true;
        });
        if (!started) await ctx.reply(ctx.t('refused-not-admin'));
        return 'next';
      },
    ]);
    if (!completed) await cancelled(ctx);
  };
}
