/**
 * The add-node dialog, the CLI's `node add` in steps: name → display name → how xkeeper
 * reaches it (USER@HOST[:PORT] over SSH, or HOST:PORT of a `direct` core API) → for SSH, the
 * directory on the node, and the host key's fingerprint shown in the confirmation (it is
 * pinned). Adding runs on ONE message: each step of `services.nodes.add` as it starts and
 * ends (edits throttled to Telegram's limit), then the new node's card or the failed step.
 */
import {
  NODE_NAME_RE,
  parseHostPort,
  parseSshTarget,
  type CreateNodeInput,
} from '../../../../services/nodes.service.ts';
import type { ConversationContext } from '../../../context.ts';
import {
  ask,
  askConfirm,
  cancelled,
  commit,
  esc,
  field,
  liveMessage,
  runSteps,
  textOf,
  textWhere,
  type AdminConversation,
  type Nav,
  type Parsed,
} from '../../../kit/index.ts';
import { actorOf, type AdminDeps } from '../common.ts';
import { AddProgress } from './add-progress.ts';
import { nodeCardView } from './screens.ts';

/** How a new node is reached, as the admin typed it. */
type Reach =
  | { transport: 'ssh'; ssh: { user: string; host: string; port: number }; text: string }
  | { transport: 'direct'; direct: string; text: string };

/** `USER@HOST[:PORT]` → ssh, `HOST:PORT` → direct; null for anything else. */
function parseReach(text: string): Reach | null {
  if (text.includes('@')) {
    const target = parseSshTarget(text);
    return target && { transport: 'ssh', ssh: { ...target, port: target.port ?? 22 }, text };
  }
  return parseHostPort(text) ? { transport: 'direct', direct: text, text } : null;
}

/** The step that asks how the node is reached (asked again when its host key cannot be read). */
const TARGET_STEP = 2;
/** The step that asks for the directory on an SSH node (a direct node has none). */
const REMOTE_DIR_STEP = 3;

/** `--remote-dir`: an absolute path without control characters. */
const isRemoteDir = (text: string) => text.startsWith('/') && text.length <= 500 && !/\p{Cc}/u.test(text);

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

export function addNodeConversation(deps: AdminDeps) {
  const { nodes } = deps.services;

  return async function addNodeDialog(conversation: AdminConversation, ctx: ConversationContext) {
    const draft = {
      name: '',
      displayName: null as string | null,
      reach: null as Reach | null,
      remoteDir: undefined as string | undefined,
    };

    /** SSH: the node's host key fingerprint, read now (it is pinned once confirmed). */
    function scan(ssh: { user: string; host: string; port: number }) {
      const hostKeyOf = deps.hostKeyOf;
      if (!hostKeyOf) return { error: ctx.t('admin-node-no-ssh') };
      return conversation.external(() =>
        hostKeyOf(ssh).then(
          (fingerprint) => ({ fingerprint }),
          (error: unknown) => ({ error: messageOf(error) }),
        ),
      );
    }

    async function add(): Promise<'next' | Nav | number> {
      const reach = draft.reach!;
      let hostKey = '';
      if (reach.transport === 'ssh') {
        const scanned = await scan(reach.ssh);
        if ('error' in scanned) {
          await ctx.reply(ctx.t('admin-node-host-key-failed', { error: esc(scanned.error) }));
          return TARGET_STEP;
        }
        hostKey = scanned.fingerprint;
      }
      const summary = [
        ctx.t('admin-node-add-summary', {
          name: esc(draft.name),
          display: esc(draft.displayName ?? draft.name),
          target: esc(reach.text),
          transport: reach.transport,
        }),
        reach.transport === 'ssh' && draft.remoteDir
          ? ctx.t('admin-node-remote-dir', { dir: esc(draft.remoteDir) })
          : '',
        hostKey ? ctx.t('admin-node-host-key', { fingerprint: esc(hostKey) }) : '',
      ]
        .filter(Boolean)
        .join('\n\n');
      const answer = await askConfirm(conversation, ctx, summary, ctx.t('admin-btn-add-node'));
      if ('nav' in answer) {
        // A direct node has no directory step to go back to.
        if (answer.nav === 'back') return reach.transport === 'ssh' ? REMOTE_DIR_STEP : TARGET_STEP;
        return answer.nav;
      }
      const adding = ctx.t('admin-node-adding', { name: esc(draft.name) });
      const message = await ctx.reply(adding);
      const into = { chatId: message.chat.id, messageId: message.message_id };
      const input: CreateNodeInput = {
        name: draft.name,
        displayName: draft.displayName,
        ...(reach.transport === 'ssh'
          ? { transport: 'ssh', ssh: { ...reach.ssh, hostKey }, remoteDir: draft.remoteDir }
          : { transport: 'direct', direct: reach.direct }),
      };
      const progress = new AddProgress();
      const outcome = await commit(
        conversation,
        ctx,
        deps,
        async (outside) => {
          const live = liveMessage(outside.api, into, {
            onError: (error) => deps.logger.warn({ err: error }, 'add-node progress edit failed'),
          });
          try {
            // The one create entry point: the node's first pass runs before it answers.
            const node = await nodes.add(input, actorOf(ctx), {
              onProgress: (step) => {
                progress.record(step);
                live.update(`${adding}\n\n${progress.lines(ctx)}`);
              },
            });
            return nodeCardView(ctx, nodes.view(node), nodes.usage(node.id));
          } finally {
            // The outcome below is the message's last edit, within Telegram's limit.
            await live.settle();
          }
        },
        {
          done: ctx.t('admin-node-added', { name: esc(draft.name) }),
          into: { ...into, above: () => progress.lines(ctx) },
        },
      );
      // A refused node is asked for again from its name; a lost role ends the dialog.
      return outcome === 'refused' ? 'cancel' : outcome === 'failed' ? 0 : 'next';
    }

    const completed = await runSteps([
      field(
        () =>
          ask(conversation, ctx, ctx.t('admin-ask-node-name'), {}, async (a): Promise<Parsed<string>> => {
            const name = textOf(a)?.toLowerCase();
            if (!name || !NODE_NAME_RE.test(name)) return { ok: false, error: ctx.t('admin-bad-node-name') };
            const taken = await conversation.external(() => nodes.find(name) !== null);
            return taken ? { ok: false, error: ctx.t('admin-node-name-taken') } : { ok: true, value: name };
          }),
        (value) => (draft.name = value),
      ),
      field(
        () =>
          ask(
            conversation,
            ctx,
            ctx.t('admin-ask-node-display'),
            { back: true, skip: true },
            textWhere(ctx, (text) => text.length <= 64, 'admin-bad-node-display'),
          ),
        (value) => (draft.displayName = value),
        { skipped: null },
      ),
      field(
        () =>
          ask(conversation, ctx, ctx.t('admin-ask-node-target'), { back: true }, (a): Parsed<Reach> => {
            const reach = parseReach(textOf(a) ?? '');
            return reach ? { ok: true, value: reach } : { ok: false, error: ctx.t('admin-bad-node-target') };
          }),
        (value) => (draft.reach = value),
      ),
      async () => {
        if (draft.reach?.transport !== 'ssh') return 'next';
        return field(
          () =>
            ask(
              conversation,
              ctx,
              ctx.t('admin-ask-node-remote-dir'),
              { back: true, skip: true },
              textWhere(ctx, isRemoteDir, 'admin-bad-node-remote-dir'),
            ),
          (value) => (draft.remoteDir = value),
          { skipped: undefined },
        )();
      },
      add,
    ]);
    if (!completed) await cancelled(ctx);
  };
}
