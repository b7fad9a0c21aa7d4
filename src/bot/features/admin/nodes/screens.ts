/** Admin screens of the VPN servers (nodes): the list, a node's card, its confirmations. */
import { InlineKeyboard } from 'grammy';
import type { NodeJson, NodeStatus, NodeUsage } from '../../../../services/nodes.service.ts';
import {
  callbackData,
  confirmScreen,
  esc,
  formatBytes,
  formatDateTime,
  formatDuration,
  localeOf,
  oneOf,
  word,
  type Screen,
  type Translator,
} from '../../../kit/index.ts';
import { menuButton } from '../common.ts';

/** Node names are [a-z0-9_-] ≤ 32 (NODE_NAME_RE): any action fits Telegram's 64 bytes. */
const nodeName = word('[A-Za-z0-9_-]{1,32}');

export const nodesButton = callbackData('a:n');
export const addNodeButton = callbackData('a:n:add');
/** An action on a node; `restart` and `remove` ask first, the `!` ones are confirmed. */
export const nodeButton = callbackData('a:n', {
  action: oneOf(['view', 'check', 'sync', 'restart', 'restart!', 'disable', 'enable', 'remove', 'remove!']),
  name: nodeName,
});

export const STATUS_ICON: Record<NodeStatus, string> = {
  up: '🟢',
  down: '🔴',
  disabled: '⚪',
  unknown: '❔',
};

/** `🟢 up since …` / `🔴 down since …` / `⚪ disabled` / `❔ unknown`. */
export function nodeStatusText(ctx: Translator, node: Pick<NodeJson, 'status' | 'since'>): string {
  const since = node.since ? formatDateTime(node.since, localeOf(ctx)) : '';
  return ctx.t(`admin-node-status-${node.status}`, { icon: STATUS_ICON[node.status], since });
}

/** One line per node (the list and /status). */
export function nodeLine(ctx: Translator, node: NodeJson): string {
  return ctx.t('admin-node-line', {
    name: esc(node.name),
    display: esc(node.display_name),
    status: nodeStatusText(ctx, node),
    users: node.users ?? '—',
  });
}

export function nodesListView(ctx: Translator, nodes: NodeJson[]): Screen {
  const lines = [ctx.t('admin-nodes-title', { total: nodes.length }), ...nodes.map((n) => nodeLine(ctx, n))];
  const keyboard = new InlineKeyboard();
  for (const node of nodes) {
    keyboard
      .text(
        `${STATUS_ICON[node.status]} ${node.display_name.slice(0, 40)}`,
        nodeButton.pack({ action: 'view', name: node.name }),
      )
      .row();
  }
  keyboard
    .text(ctx.t('admin-btn-add-node'), addNodeButton.pack({}))
    .text(ctx.t('admin-btn-refresh'), nodesButton.pack({}))
    .row()
    .text(ctx.t('admin-btn-menu'), menuButton.pack({}));
  return { text: lines.join('\n'), keyboard };
}

/** How xkeeper reaches a node, for its card. */
function transportText(ctx: Translator, node: NodeJson): string {
  if (node.ssh) {
    const { user, host, port } = node.ssh;
    return ctx.t('admin-node-transport-ssh', { target: esc(`${user}@${host}:${port}`) });
  }
  if (node.direct) return ctx.t('admin-node-transport-direct', { target: esc(node.direct) });
  return ctx.t('admin-node-transport-local');
}

/** What a check or sync found: a pass of a remote node's worker, or the local core's drift. */
export function actionResultText(ctx: Translator, action: string, result: Record<string, unknown>): string {
  if (result.ok === false) {
    return ctx.t('admin-node-result-failed', { action, error: esc(result.error ?? '?') });
  }
  const count = (value: unknown) =>
    typeof value === 'number' ? value : Array.isArray(value) ? value.length : 0;
  const added = count(result.added ?? result.missing);
  const removed = count(result.removed ?? result.extra);
  return ctx.t('admin-node-result-ok', { action, added, removed });
}

/** The card: status, version, users, traffic, load, errors, address, transport; with its actions. */
export function nodeCardView(ctx: Translator, node: NodeJson, usage: NodeUsage, result?: string): Screen {
  const locale = localeOf(ctx);
  const bytes = (t: { upload: number; download: number }) => formatBytes(t.upload + t.download, locale);
  const lines = [
    ctx.t('admin-node-title', { display: esc(node.display_name), name: esc(node.name) }),
    nodeStatusText(ctx, node),
    ctx.t('admin-node-core', {
      version: esc(node.version ?? '—'),
      users: node.users ?? '—',
      uptime: node.uptime_seconds === null ? '—' : formatDuration(node.uptime_seconds),
    }),
    ctx.t('admin-node-traffic', { today: bytes(usage.today), month: bytes(usage.month) }),
    // What the node's last health check measured; "—" for what it did not (yet).
    ctx.t('admin-node-load', {
      memory: node.memory_bytes === null ? '—' : formatBytes(node.memory_bytes, locale),
      cpu: node.cpu_percent === null ? '—' : `${Math.round(node.cpu_percent)}%`,
      rtt: node.rtt_ms === null ? '—' : `${node.rtt_ms} ms`,
    }),
  ];
  if (node.last_error) lines.push(ctx.t('admin-node-last-error', { error: esc(node.last_error) }));
  lines.push(
    ctx.t('admin-node-address', { address: esc(`${node.address}:${node.port}`) }),
    transportText(ctx, node),
  );
  if (result) lines.push('', result);
  const name = node.name;
  const keyboard = new InlineKeyboard()
    .text(ctx.t('admin-btn-node-check'), nodeButton.pack({ action: 'check', name }))
    .text(ctx.t('admin-btn-node-sync'), nodeButton.pack({ action: 'sync', name }))
    .row();
  // A direct node's core is run by its operator, not by xkeeper: nothing to restart from here.
  if (node.transport !== 'direct') {
    keyboard.text(ctx.t('admin-btn-node-restart'), nodeButton.pack({ action: 'restart', name }));
  }
  keyboard
    .text(
      ctx.t(node.enabled ? 'admin-btn-node-disable' : 'admin-btn-node-enable'),
      nodeButton.pack({ action: node.enabled ? 'disable' : 'enable', name }),
    )
    .row()
    .text(ctx.t('admin-btn-node-remove'), nodeButton.pack({ action: 'remove', name }))
    .row()
    .text(ctx.t('admin-btn-back'), nodesButton.pack({}));
  return { text: lines.join('\n'), keyboard };
}

/** Asks before a restart or a removal of `name`. */
export function nodeConfirmView(ctx: Translator, action: 'restart' | 'remove', node: NodeJson): Screen {
  const question = ctx.t(`admin-node-confirm-${action}`, {
    name: esc(node.name),
    display: esc(node.display_name),
  });
  const yes = nodeButton.pack({ action: `${action}!`, name: node.name });
  return confirmScreen(ctx, question, yes, nodeButton.pack({ action: 'view', name: node.name }));
}
