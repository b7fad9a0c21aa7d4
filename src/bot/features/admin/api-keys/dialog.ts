/**
 * The API key dialog: name → scopes (toggled with buttons) → requests a minute → a hour →
 * expiry → confirm. The new key is shown once, in a message with a button that deletes it.
 */
import { InlineKeyboard } from 'grammy';
import {
  DEFAULT_RATE_PER_HOUR,
  DEFAULT_RATE_PER_MINUTE,
  MAX_RATE_PER_HOUR,
  MAX_RATE_PER_MINUTE,
  SCOPES,
} from '../../../../services/api-keys.service.ts';
import type { ConversationContext } from '../../../context.ts';
import { actorOf, type AdminDeps } from '../common.ts';
import { apiKeyTerms, deleteMessageButton } from './screens.ts';
import { esc, type Screen } from '../../../kit/index.ts';
import {
  ask,
  cancelled,
  commit,
  askConfirm,
  field,
  numberIn,
  runSteps,
  stepKeyboard,
  textWhere,
  waitAnswer,
  type AdminConversation,
  type Nav,
} from '../../../kit/index.ts';

/** Scopes offered: each known one, and full access. */
const CHOICES = [...SCOPES, '*:*'];

export function apiKeyConversation(deps: AdminDeps) {
  const { services } = deps;

  return async function apiKeyDialog(conversation: AdminConversation, ctx: ConversationContext) {
    const draft = {
      name: '',
      scopes: [] as string[],
      perMinute: DEFAULT_RATE_PER_MINUTE,
      perHour: DEFAULT_RATE_PER_HOUR,
      days: 0,
    };
    const number = (range: { min: number; max: number }, errorKey: string) =>
      numberIn(ctx, { ...range, integer: true }, errorKey);

    /** Scopes are toggled on one message; OK goes on once at least one is chosen. */
    async function chooseScopes(): Promise<'next' | Nav> {
      const keyboard = () =>
        stepKeyboard(ctx, {
          back: true,
          ok: ctx.t('admin-btn-done'),
          choices: CHOICES.map((s) => [[`${draft.scopes.includes(s) ? '☑' : '☐'} ${s}`, s]]),
        });
      await ctx.reply(ctx.t('admin-ask-scopes'), { reply_markup: keyboard() });
      for (;;) {
        const answer = await waitAnswer(conversation, ctx.from?.id);
        if (answer.kind === 'nav') return answer.nav;
        if (answer.kind === 'ok') {
          if (draft.scopes.length > 0) return 'next';
          await answer.ctx.reply(ctx.t('admin-bad-scopes'));
          continue;
        }
        const scope = CHOICES.find((s) => s === answer.text);
        if (!scope || !answer.ctx.callbackQuery) {
          await answer.ctx.reply(ctx.t('admin-press-button'));
          continue;
        }
        draft.scopes = draft.scopes.includes(scope)
          ? draft.scopes.filter((s) => s !== scope)
          : [...draft.scopes, scope];
        await answer.ctx.editMessageReplyMarkup({ reply_markup: keyboard() });
      }
    }

    const completed = await runSteps([
      field(
        () =>
          ask(
            conversation,
            ctx,
            ctx.t('admin-ask-apikey-name'),
            {},
            textWhere(ctx, (name) => name.length <= 64, 'admin-bad-apikey-name'),
          ),
        (value) => (draft.name = value),
      ),
      chooseScopes,
      field(
        () =>
          ask(
            conversation,
            ctx,
            ctx.t('admin-ask-rate-minute', { default: DEFAULT_RATE_PER_MINUTE }),
            { back: true, skip: true },
            number({ min: 1, max: MAX_RATE_PER_MINUTE }, 'admin-bad-rate'),
          ),
        (value) => (draft.perMinute = value),
        { skipped: DEFAULT_RATE_PER_MINUTE },
      ),
      field(
        () =>
          ask(
            conversation,
            ctx,
            ctx.t('admin-ask-rate-hour', { default: DEFAULT_RATE_PER_HOUR }),
            { back: true, skip: true },
            number({ min: 1, max: MAX_RATE_PER_HOUR }, 'admin-bad-rate'),
          ),
        (value) => (draft.perHour = value),
        { skipped: DEFAULT_RATE_PER_HOUR },
      ),
      field(
        () =>
          ask(
            conversation,
            ctx,
            ctx.t('admin-ask-apikey-days'),
            {
              back: true,
              choices: [
                [
                  ['30', '30'],
                  ['90', '90'],
                  ['365', '365'],
                  [ctx.t('admin-never'), '0'],
                ],
              ],
            },
            number({ min: 0, max: 36_500 }, 'admin-bad-days'),
          ),
        (value) => (draft.days = value),
      ),
      async () => {
        const summary = ctx.t('admin-apikey-summary', {
          name: esc(draft.name),
          scopes: esc(draft.scopes.join(', ')),
          minute: draft.perMinute,
          hour: draft.perHour,
          days: draft.days > 0 ? draft.days : ctx.t('admin-never'),
        });
        const answer = await askConfirm(conversation, ctx, summary, ctx.t('admin-btn-create'));
        if ('nav' in answer) return answer.nav;
        const outcome = await commit(conversation, ctx, deps, (): Screen => {
          const created = services.apiKeys.create(
            {
              name: draft.name,
              scopes: draft.scopes,
              rateLimitPerMinute: draft.perMinute,
              rateLimitPerHour: draft.perHour,
              expireDays: draft.days,
            },
            actorOf(ctx),
          );
          return {
            text: ctx.t('admin-apikey-created', {
              id: String(created.id),
              name: esc(created.name),
              key: esc(created.key),
              scopes: esc(created.scopes.join(', ')),
              terms: apiKeyTerms(ctx, created),
            }),
            keyboard: new InlineKeyboard().text(
              ctx.t('admin-btn-delete-message'),
              deleteMessageButton.pack({}),
            ),
          };
        });
        return outcome === 'refused' ? 'cancel' : outcome === 'failed' ? 'back' : 'next';
      },
    ]);
    if (!completed) await cancelled(ctx);
  };
}
