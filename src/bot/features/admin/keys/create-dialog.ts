/**
 * The create-key dialog: name → traffic (GB) → days → owner (a forwarded message, an id,
 * or none) → confirm. Every step checks its answer, offers Back and Cancel, and every
 * database call runs in `conversation.external`.
 */
import { assertKeyName, expiryFromDays, limitFromGb } from '../../../../services/keys/rules.ts';
import type { ConversationContext } from '../../../context.ts';
import { actorOf, KEY_LIMITS, personLabel, type AdminDeps } from '../common.ts';
import { keyCard, keyCardView } from './screens.ts';
import {
  esc,
  formatNumber,
  ask,
  cancelled,
  choiceRow,
  commit,
  askConfirm,
  field,
  numberIn,
  runSteps,
  telegramIdOf,
  type AdminConversation,
  type Parsed,
} from '../../../kit/index.ts';

const GB_CHOICES = ['10', '50', '100'];
const DAY_CHOICES = ['7', '30', '90', '365'];

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

export function createKeyConversation(deps: AdminDeps) {
  const { services } = deps;

  /** Why a name cannot be used (a locale key), or null. */
  function nameProblem(name: string): string | null {
    try {
      assertKeyName(name);
    } catch {
      return 'admin-bad-key-name';
    }
    return services.keys.find(name) ? 'admin-key-name-taken' : null;
  }

  return async function createKeyDialog(conversation: AdminConversation, ctx: ConversationContext) {
    const draft = { name: '', gb: 0, days: 0, owner: null as number | null };
    const number = (range: { min: number; max: number }, errorKey: string) => numberIn(ctx, range, errorKey);

    const completed = await runSteps([
      field(
        () =>
          ask(conversation, ctx, ctx.t('admin-ask-key-name'), {}, async (a) => {
            const name = (a.kind === 'input' ? a.text : undefined)?.trim() ?? '';
            const problem = await conversation.external(() => nameProblem(name));
            return problem
              ? { ok: false, error: ctx.t(problem, { name: esc(name) }) }
              : { ok: true, value: name };
          }),
        (value) => (draft.name = value),
      ),
      field(
        () =>
          ask(
            conversation,
            ctx,
            ctx.t('admin-ask-key-gb', { name: esc(draft.name) }),
            {
              back: true,
              choices: [[...choiceRow(GB_CHOICES, (gb) => `${gb} GB`), [ctx.t('admin-unlimited'), '0']]],
            },
            number(KEY_LIMITS.gb, 'admin-bad-gb'),
          ),
        (value) => (draft.gb = value),
      ),
      field(
        () =>
          ask(
            conversation,
            ctx,
            ctx.t('admin-ask-key-days'),
            {
              back: true,
              choices: [[...choiceRow(DAY_CHOICES), [ctx.t('admin-never'), '0']]],
            },
            number(KEY_LIMITS.days, 'admin-bad-days'),
          ),
        (value) => (draft.days = value),
      ),
      field(
        () =>
          ask(
            conversation,
            ctx,
            ctx.t('admin-ask-key-owner'),
            { back: true, skip: true },
            (a): Parsed<number> => {
              const id = a.kind === 'input' ? telegramIdOf(a.ctx, a.text) : undefined;
              return id === undefined
                ? { ok: false, error: ctx.t('admin-bad-owner') }
                : { ok: true, value: id };
            },
          ),
        (value) => (draft.owner = value),
        { skipped: null },
      ),
      async () => {
        const owner =
          draft.owner === null
            ? ctx.t('admin-none')
            : await conversation.external(() => personLabel(draft.owner!, services.admins.get(draft.owner!)));
        const summary = ctx.t('admin-create-summary', {
          name: esc(draft.name),
          traffic: draft.gb > 0 ? `${formatNumber(draft.gb)} GB` : ctx.t('admin-unlimited'),
          days: draft.days > 0 ? formatNumber(draft.days) : ctx.t('admin-never'),
          owner,
        });
        const answer = await askConfirm(conversation, ctx, summary, ctx.t('admin-btn-create'));
        if ('nav' in answer) return answer.nav;
        const outcome = await commit(
          conversation,
          ctx,
          deps,
          async () => keyCardView(ctx, keyCard(deps, await createKey(deps, draft, actorOf(ctx)))),
          { done: ctx.t('admin-done-created', { name: esc(draft.name) }) },
        );
        // A failure here is most likely the name taken meanwhile: ask for another.
        if (outcome === 'failed') return 0;
        return outcome === 'refused' ? 'cancel' : 'next';
      },
    ]);
    if (!completed) await cancelled(ctx);
  };
}
