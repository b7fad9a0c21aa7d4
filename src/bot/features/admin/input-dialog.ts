/**
 * The one-value dialog behind the buttons that need a typed answer: extend a key by N days,
 * set its limit, search keys, add an admin, edit a setting (a new REALITY SNI is confirmed
 * first: it restarts the core).
 */
import { GB } from '../../../services/keys/rules.ts';
import type { ConversationContext } from '../../context.ts';
import { adminsView } from './admins/index.ts';
import { actorOf, KEY_LIMITS, type AdminDeps } from './common.ts';
import { keyCard, keyCardView, keyListPage } from './keys/screens.ts';
import {
  applySetting,
  EDITABLE,
  formatSetting,
  settingsView,
  type EditableSetting,
} from './settings/index.ts';
import {
  esc,
  ask,
  cancelled,
  choiceRow,
  commit,
  numberIn,
  telegramIdOf,
  textOf,
  textWhere,
  type AdminConversation,
  type Parsed,
} from '../../kit/index.ts';

/** What the one-value dialog (`INPUT` in conversations/ids.ts) asks for. */
export type InputRequest =
  | { kind: 'extend'; name: string }
  | { kind: 'limit'; name: string }
  | { kind: 'search' }
  | { kind: 'admin-add' }
  | { kind: 'setting'; setting: EditableSetting };

export function inputConversation(deps: AdminDeps) {
  const { services } = deps;

  return async function inputDialog(
    conversation: AdminConversation,
    ctx: ConversationContext,
    request: InputRequest,
  ) {
    const number = (range: { min: number; max: number }, errorKey: string) => numberIn(ctx, range, errorKey);

    switch (request.kind) {
      case 'extend': {
        const answer = await ask(
          conversation,
          ctx,
          ctx.t('admin-ask-extend', { name: esc(request.name) }),
          { choices: [choiceRow(['7', '30', '90', '365'])] },
          number(KEY_LIMITS.extendDays, 'admin-bad-extend'),
        );
        if ('nav' in answer) return cancelled(ctx);
        await commit(conversation, ctx, deps, async () => {
          const key = await services.keys.renew(request.name, { extendDays: answer.value }, actorOf(ctx));
          return keyCardView(ctx, keyCard(deps, key));
        });
        return;
      }
      case 'limit': {
        const answer = await ask(
          conversation,
          ctx,
          ctx.t('admin-ask-limit', { name: esc(request.name) }),
          {
            choices: [
              [...choiceRow(['10', '50', '100'], (gb) => `${gb} GB`), [ctx.t('admin-unlimited'), '0']],
            ],
          },
          number(KEY_LIMITS.gb, 'admin-bad-gb'),
        );
        if ('nav' in answer) return cancelled(ctx);
        await commit(conversation, ctx, deps, async () => {
          const bytes = answer.value > 0 ? Math.round(answer.value * GB) : null;
          return keyCardView(
            ctx,
            keyCard(deps, await services.keys.setLimit(request.name, bytes, actorOf(ctx))),
          );
        });
        return;
      }
      case 'search': {
        const answer = await ask(
          conversation,
          ctx,
          ctx.t('admin-ask-search'),
          {},
          textWhere(ctx, (text) => text.length <= 64, 'admin-bad-search'),
        );
        if ('nav' in answer) return cancelled(ctx);
        await commit(conversation, ctx, deps, () =>
          keyListPage(deps, ctx, { status: 'all', search: answer.value }, 1),
        );
        return;
      }
      case 'admin-add': {
        const answer = await ask(conversation, ctx, ctx.t('admin-ask-admin-id'), {}, (a): Parsed<number> => {
          const id = a.kind === 'input' ? telegramIdOf(a.ctx, a.text) : undefined;
          return id === undefined ? { ok: false, error: ctx.t('admin-bad-owner') } : { ok: true, value: id };
        });
        if ('nav' in answer) return cancelled(ctx);
        await commit(
          conversation,
          ctx,
          deps,
          () => {
            services.admins.addAdmin(answer.value, actorOf(ctx));
            return adminsView(deps, ctx);
          },
          { role: 'owner', done: ctx.t('admin-done-admin-added') },
        );
        return;
      }
      case 'setting': {
        const { setting } = request;
        const spec = EDITABLE[setting];
        const current = await conversation.external(() => formatSetting(deps, ctx, setting));
        const answer = await ask(
          conversation,
          ctx,
          ctx.t(`admin-ask-${setting}`, { current }),
          {},
          (a): Parsed<unknown> => {
            const value = spec.parse(textOf(a) ?? '');
            return value === undefined
              ? { ok: false, error: ctx.t('admin-bad-setting') }
              : { ok: true, value };
          },
        );
        if ('nav' in answer) return cancelled(ctx);
        if (setting === 'realitySni') {
          const confirmed = await ask(
            conversation,
            ctx,
            ctx.t('admin-confirm-sni', { sni: esc(answer.value) }),
            { ok: ctx.t('admin-btn-confirm') },
            (a): Parsed<true> =>
              a.kind === 'ok' ? { ok: true, value: true } : { ok: false, error: ctx.t('admin-press-button') },
          );
          if ('nav' in confirmed) return cancelled(ctx);
        }
        await commit(conversation, ctx, deps, async () => {
          const applied = await applySetting(deps, setting, answer.value as never, actorOf(ctx));
          const view = settingsView(deps, ctx);
          if (!applied) view.text += `\n\n${ctx.t('admin-core-unavailable')}`;
          return view;
        });
        return;
      }
    }
  };
}
