/** Admin screens of the server: status (core, host, keys, traffic) and the drift check. */
import { InlineKeyboard } from 'grammy';
import type { KeyStatus } from '../../../../services/model.ts';
import type { NodeJson } from '../../../../services/nodes.service.ts';
import type { Traffic } from '../../../../services/reports.service.ts';
import {
  callbackData,
  esc,
  formatBytes,
  formatDuration,
  localeOf,
  oneOf,
  type Screen,
  type Translator,
} from '../../../kit/index.ts';
import { menuButton } from '../common.ts';
import { STATUS_EMOJI } from '../keys/screens.ts';
import { nodeLine } from '../nodes/screens.ts';

export const statusButton = callbackData('a:st');
/** A core control; `restart` asks first, `restart!` is the confirmed one. */
export const coreButton = callbackData('a:st', { action: oneOf(['sync', 'check', 'restart', 'restart!']) });

/** Host figures from node:os and statfs. */
export interface HostStats {
  cpus: number;
  load: number[];
  memTotal: number;
  memFree: number;
  /** Null when statfs failed. */
  diskTotal: number | null;
  diskFree: number | null;
}

/** What the status screen shows. */
export interface StatusData {
  /** Core status as CoreControl reports it; null without a core; `error` when asking failed. */
  core: Record<string, unknown> | null | { error: string };
  host: HostStats;
  /** Every node (local first), summarised after the core. */
  nodes: NodeJson[];
  stats: {
    keys_by_status: Record<KeyStatus, number>;
    online_now: number;
    traffic_today: Traffic;
    traffic_month: Traffic;
    top_keys: Array<Traffic & { username: string }>;
  };
}

const sum = (t: Traffic) => t.upload_bytes + t.download_bytes;
const num = (value: unknown) => (typeof value === 'number' ? value : null);

function coreLine(ctx: Translator, core: StatusData['core']): string {
  if (core === null) return ctx.t('admin-core-unavailable');
  if ('error' in core) return ctx.t('admin-status-core-error', { error: esc(core.error) });
  if (core.available === false)
    return ctx.t('admin-status-core-missing', { reason: esc(core.reason ?? '—') });
  const uptime = num(core.uptime_seconds);
  const memory = num(core.memory_bytes);
  const lines = [
    ctx.t('admin-status-core', {
      flavor: esc(core.flavor ?? '?'),
      version: esc(core.version ?? '?'),
      state: ctx.t(core.running ? 'admin-status-running' : 'admin-status-stopped'),
      uptime: uptime === null ? '—' : formatDuration(uptime),
      restarts: num(core.restarts) ?? 0,
      memory: memory === null ? '—' : formatBytes(memory, localeOf(ctx)),
      users: num(core.users_in_core) ?? '—',
    }),
  ];
  if (core.last_error) lines.push(ctx.t('admin-status-last-error', { error: esc(core.last_error) }));
  return lines.join('\n');
}

/** The status screen with restart (asks first), sync and drift check. */
export function statusView(ctx: Translator, data: StatusData): Screen {
  const { host, stats } = data;
  const locale = localeOf(ctx);
  const bytes = (value: number) => formatBytes(value, locale);
  const lines = [
    ctx.t('admin-status-title'),
    coreLine(ctx, data.core),
    ...(data.nodes.length ? [ctx.t('admin-status-nodes'), ...data.nodes.map((n) => nodeLine(ctx, n))] : []),
    ctx.t('admin-status-host', {
      cpus: host.cpus,
      load: host.load.map((l) => l.toFixed(2)).join(' / '),
      ramUsed: bytes(host.memTotal - host.memFree),
      ramTotal: bytes(host.memTotal),
      diskFree: host.diskFree === null ? '—' : bytes(host.diskFree),
      diskTotal: host.diskTotal === null ? '—' : bytes(host.diskTotal),
    }),
    ctx.t('admin-status-keys', {
      counts: (Object.keys(STATUS_EMOJI) as KeyStatus[])
        .map((s) => `${STATUS_EMOJI[s]} ${stats.keys_by_status[s]}`)
        .join(' · '),
      online: stats.online_now,
    }),
    ctx.t('admin-status-traffic', {
      today: bytes(sum(stats.traffic_today)),
      month: bytes(sum(stats.traffic_month)),
    }),
  ];
  if (stats.top_keys.length) {
    lines.push(ctx.t('admin-status-top'));
    stats.top_keys.forEach((k, i) =>
      lines.push(`${i + 1}. <code>${esc(k.username)}</code> — ${bytes(sum(k))}`),
    );
  }
  const keyboard = new InlineKeyboard()
    .text(ctx.t('admin-btn-refresh'), statusButton.pack({}))
    .text(ctx.t('admin-btn-sync'), coreButton.pack({ action: 'sync' }))
    .text(ctx.t('admin-btn-check'), coreButton.pack({ action: 'check' }))
    .row()
    .text(ctx.t('admin-btn-restart'), coreButton.pack({ action: 'restart' }))
    .row()
    .text(ctx.t('admin-btn-menu'), menuButton.pack({}));
  return { text: lines.join('\n'), keyboard };
}

const names = (list: unknown) => {
  const all = Array.isArray(list) ? list.map(String) : [];
  const shown = all
    .slice(0, 20)
    .map((n) => `<code>${esc(n)}</code>`)
    .join(', ');
  return all.length > 20 ? `${shown} (+${all.length - 20})` : shown;
};

/** Result of a drift check or a sync: what differed between the database and the core. */
export function driftView(ctx: Translator, title: string, result: Record<string, unknown>): Screen {
  const lines = [title];
  const parts = ['missing', 'extra', 'changed'] as const;
  const differs = parts.some((p) => Array.isArray(result[p]) && (result[p] as unknown[]).length > 0);
  if (!differs) lines.push(ctx.t('admin-drift-none'));
  for (const part of parts) {
    const list = names(result[part]);
    if (list) lines.push(ctx.t(`admin-drift-${part}`, { names: list }));
  }
  const reality = result.reality as
    | {
        enabled?: boolean;
        sni?: string;
        target?: string;
        target_check?: { ok: boolean; reason: string | null } | null;
      }
    | undefined;
  if (reality?.enabled) {
    lines.push(
      ctx.t('admin-drift-reality', { sni: esc(reality.sni ?? '?'), target: esc(reality.target ?? '?') }),
    );
    const probe = reality.target_check;
    if (probe) {
      lines.push(
        probe.ok
          ? ctx.t('admin-drift-target-ok')
          : ctx.t('admin-drift-target-bad', { reason: esc(probe.reason ?? '?') }),
      );
    }
  }
  return {
    text: lines.join('\n'),
    keyboard: new InlineKeyboard().text(ctx.t('admin-btn-status'), statusButton.pack({})),
  };
}
