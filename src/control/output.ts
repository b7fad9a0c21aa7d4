/**
 * The CLI's output for people: a table for each list, a card for one record, a sentence for
 * an action. `--json` bypasses all of this (cli.ts). Results arrive as plain JSON from either
 * path (control socket or local run), so renderers only read fields.
 */
import type { CoreStatus } from '../core/types.ts';
import type { ApiKeyJson } from '../services/api-keys.service.ts';
import type { UserJson } from '../services/key-view.ts';
import type { NodeJson } from '../services/nodes.service.ts';
import type { PlanJson, PromoJson } from '../services/plan-view.ts';
import type { OperationName } from './operations.ts';
import { printable } from './printable.ts';
import { bytes, card, relative, table, usage, when } from './table.ts';

export interface RenderContext {
  now: number;
  /** Whether a running xkeeper answered (else the CLI worked on the files). */
  live: boolean;
}

type Render = (result: never, ctx: RenderContext) => string;

function keyCard(k: UserJson, ctx: RenderContext): string {
  return card(`${k.username}  ${k.status}`, [
    ['traffic', `${usage(k.used_bytes, k.traffic_limit_bytes)} (lifetime ${bytes(k.lifetime_used_bytes)})`],
    ['expires', when(k.expire_at, ctx.now)],
    ['online', relative(k.online_at, ctx.now)],
    ['telegram', k.telegram_id],
    ['note', k.note],
    ['uuid', k.uuid],
    ['subscription', k.subscription_url],
    ...k.links.map((link): [string, string] => ['link', link]),
  ]);
}

function keyTable(keys: UserJson[], ctx: RenderContext): string {
  if (keys.length === 0) return 'no keys yet: create one with `xkeeper key create NAME`';
  return table(
    ['NAME', 'STATUS', 'TRAFFIC', 'EXPIRES', 'ONLINE', 'TELEGRAM'],
    keys.map((k) => [
      k.username,
      k.status,
      usage(k.used_bytes, k.traffic_limit_bytes),
      relative(k.expire_at, ctx.now),
      relative(k.online_at, ctx.now),
      k.telegram_id,
    ]),
  );
}

function money(minor: number): string {
  return (minor / 100).toFixed(2).replace(/\.00$/, '');
}

function planPrice(p: PlanJson): string {
  const parts = [
    ...(p.price_stars ? [`${p.price_stars} Stars`] : []),
    ...Object.entries(p.prices).map(([cur, minor]) => `${money(minor)} ${cur}`),
  ];
  return p.trial ? 'trial (free)' : parts.join(', ') || 'no price';
}

function planTable(plans: PlanJson[]): string {
  if (plans.length === 0)
    return 'no plans yet: create one with `xkeeper plan create --name N --days N --stars N`';
  return table(
    ['ID', 'NAME', 'DAYS', 'TRAFFIC', 'PRICE', 'STATE'],
    plans.map((p) => [
      p.id,
      p.name,
      p.days,
      p.traffic_gb ? `${p.traffic_gb} GiB` : 'unlimited',
      planPrice(p),
      p.active ? 'on sale' : 'disabled',
    ]),
  );
}

function promoEffect(p: PromoJson): string {
  if (p.kind === 'percent') return `${p.value}% off`;
  if (p.kind === 'fixed') return `${p.value} off`;
  return `+${p.value} days`;
}

function promoTable(promos: PromoJson[], ctx: RenderContext): string {
  if (promos.length === 0)
    return 'no promo codes yet: create one with `xkeeper promo create CODE --percent N`';
  return table(
    ['CODE', 'EFFECT', 'USES', 'EXPIRES', 'STATE'],
    promos.map((p) => [
      p.code,
      promoEffect(p),
      `${p.uses} / ${p.max_uses ?? 'unlimited'}`,
      relative(p.expire_at, ctx.now),
      p.active ? 'active' : 'disabled',
    ]),
  );
}

function apiKeyTable(keys: ApiKeyJson[], ctx: RenderContext): string {
  if (keys.length === 0)
    return 'no API keys yet: create one with `xkeeper apikey create --name N --scopes S`';
  return table(
    ['ID', 'NAME', 'PREFIX', 'STATUS', 'SCOPES', 'LAST USED', 'EXPIRES'],
    keys.map((k) => [
      k.id,
      k.name,
      k.prefix,
      k.status,
      k.scopes.join(','),
      relative(k.last_used_at, ctx.now),
      relative(k.expire_at, ctx.now),
    ]),
  );
}

function apiKeyCard(k: ApiKeyJson, ctx: RenderContext): string {
  return card(`API key ${k.id}  ${k.name}  ${k.status}`, [
    ['prefix', k.prefix],
    ['scopes', k.scopes.join(', ')],
    ['rate', `${k.rate_limit_per_minute}/minute, ${k.rate_limit_per_hour}/hour`],
    ['allowed IPs', k.allowed_ips.length ? k.allowed_ips.join(', ') : 'any'],
    ['expires', when(k.expire_at, ctx.now)],
  ]);
}

/** How xkeeper reaches a node. */
function reach(n: NodeJson): string {
  if (n.ssh) return `ssh ${n.ssh.user}@${n.ssh.host}:${n.ssh.port}`;
  if (n.direct) return `direct ${n.direct}`;
  return 'local core';
}

/** The node's core version; a `direct` node's is never known (Xray's API has no version call). */
function versionOf(n: NodeJson): string | null {
  return n.version ?? (n.transport === 'direct' ? 'unknown' : null);
}

function nodeTable(nodes: NodeJson[], ctx: RenderContext): string {
  return table(
    ['NAME', 'STATUS', 'ADDRESS', 'REACHED BY', 'USERS', 'VERSION', 'SEEN'],
    nodes.map((n) => [
      n.name,
      n.status,
      `${n.address}:${n.port}`,
      reach(n),
      n.users,
      versionOf(n),
      relative(n.last_seen_at, ctx.now),
    ]),
  );
}

function nodeCard(n: NodeJson & { result?: unknown }, ctx: RenderContext): string {
  const uptime = n.uptime_seconds == null ? null : `${Math.round(n.uptime_seconds / 60)} min`;
  return card(`${n.name}  ${n.status}`, [
    ['shown as', n.display_name],
    ['since', n.since && when(n.since, ctx.now)],
    ['address', `${n.address}:${n.port}`],
    ['reality', `sni ${n.sni}, target ${n.target}`],
    ['reached by', reach(n)],
    ['host key', n.ssh?.host_key ?? null],
    ['core', [versionOf(n), uptime && `up ${uptime}`].filter(Boolean).join(', ')],
    ['users', n.users],
    ['core memory', n.memory_bytes == null ? null : `${Math.round(n.memory_bytes / 2 ** 20)} MiB`],
    ['cpu', n.cpu_percent == null ? null : `${n.cpu_percent}%`],
    ['round trip', n.rtt_ms == null ? null : `${n.rtt_ms} ms`],
    ['last error', n.last_error],
    ['last seen', n.last_seen_at && relative(n.last_seen_at, ctx.now)],
    ['multiplier', n.traffic_multiplier === 1 ? null : `× ${n.traffic_multiplier}`],
    ['result', n.result === undefined ? null : JSON.stringify(n.result)],
  ]);
}

type Role = { telegram_id: number; role: string };
type Counts = Record<string, number>;
const countsText = (counts: Counts) =>
  Object.entries(counts)
    .map(([table, n]) => `${n} ${table}`)
    .join(', ');

interface Restored {
  file: string;
  manifest: { created_at: string; app_version: string; migration: string };
  counts: Counts;
  admins: number[];
  newest_event?: { type: string; at: string } | null;
  has_core_config: boolean;
  previous?: string;
}

/** The preview and the result of a restore, in the same words (the result adds where the old data went). */
function restoreCard(title: string, r: Restored, ctx: RenderContext): string {
  const done = r.previous !== undefined;
  return card(title, [
    ['taken', when(r.manifest.created_at, ctx.now)],
    ['version', `xkeeper ${r.manifest.app_version}, schema ${r.manifest.migration}`],
    [done ? 'restored' : 'holds', countsText(r.counts)],
    [done ? 'admins now' : 'admins in it', r.admins.length ? r.admins.join(', ') : 'none'],
    ['newest event', r.newest_event && `${r.newest_event.type} ${when(r.newest_event.at, ctx.now)}`],
    ['core config', r.has_core_config ? 'included' : 'not included'],
    ['previous data', r.previous && `saved to ${r.previous}`],
  ]);
}

/** `core status` as the CLI gets it (an older running instance may send no warnings). */
type Status = Omit<CoreStatus, 'warnings'> & { warnings?: string[] };

function coreStatus(s: Status, ctx: RenderContext): string {
  const uptime =
    s.uptime_seconds == null
      ? ''
      : `, up ${relative(new Date(ctx.now - s.uptime_seconds * 1000).toISOString(), ctx.now).replace(/ ago$/, '')}`;
  return card(`core  ${s.running ? 'running' : 'not running'}`, [
    ['xkeeper', ctx.live ? 'running (this status is live)' : 'not running (status read from the files)'],
    ['core', s.flavor ? `${s.flavor} ${s.version ?? ''}`.trim() : (s.reason ?? 'no core binary found')],
    ['process', s.pid ? `pid ${s.pid}${uptime}` : null],
    ['restarts', s.restarts],
    ['users', s.users_in_core],
    ['last error', s.last_error],
    ['warnings', s.warnings?.length ? s.warnings.join('; ') : null],
  ]);
}

const RENDER: Partial<Record<OperationName, Render>> = {
  'key.list': keyTable,
  'key.show': keyCard,
  'key.create': keyCard,
  'key.kick': keyCard,
  'key.reset': keyCard,
  'key.extend': keyCard,
  'key.limit': keyCard,
  'key.disable': keyCard,
  'key.enable': keyCard,
  'key.note': keyCard,
  'key.delete': (k: UserJson) => `deleted key ${printable(k.username)}`,
  'plan.list': planTable,
  'plan.create': (p: PlanJson) => planTable([p]),
  'plan.update': (p: PlanJson) => planTable([p]),
  'plan.enable': (p: PlanJson) => planTable([p]),
  'plan.disable': (p: PlanJson) => planTable([p]),
  'promo.list': promoTable,
  'promo.create': (p: PromoJson, ctx) => promoTable([p], ctx),
  'promo.disable': (p: PromoJson, ctx) => promoTable([p], ctx),
  'apikey.list': apiKeyTable,
  'apikey.create': (k: ApiKeyJson & { key: string }, ctx) =>
    `${apiKeyCard(k, ctx)}\n\n  ${k.key}\n\nThis key is shown once only: store it now. It cannot be shown again.`,
  'apikey.revoke': (k: ApiKeyJson) => `API key ${k.id} (${printable(k.name)}) revoked`,
  'admin.list': (admins: Role[]) =>
    admins.length === 0
      ? 'no admins yet: add one with `xkeeper admin add TGID`'
      : table(
          ['TGID', 'ROLE'],
          admins.map((a) => [a.telegram_id, a.role]),
        ),
  'admin.add': (a: Role) => `${a.telegram_id} is now an admin`,
  'admin.remove': (a: Role) => `${a.telegram_id} is no longer an admin`,
  'core.status': coreStatus,
  'node.list': nodeTable,
  'node.show': nodeCard,
  'node.add': nodeCard,
  'node.set': nodeCard,
  'node.enable': nodeCard,
  'node.disable': nodeCard,
  'node.check': nodeCard,
  'node.sync': nodeCard,
  'node.restart': nodeCard,
  'node.remove': (n: NodeJson & { drained?: boolean }) =>
    `removed node ${printable(n.name)} (its keys stay on the other nodes` +
    `${n.drained === false && n.transport !== 'local' ? '; its users were not taken off it (it did not answer, or xkeeper is not running)' : ''})`,
  // Bare, so `xkeeper node key >> authorized_keys` works.
  'node.key': (k: { public_key: string }) => k.public_key,
  backup: (b: { file: string; bytes: number; counts: Counts }) =>
    `backup written to ${printable(b.file)} (${bytes(b.bytes)}: ${countsText(b.counts)})`,
  'restore.preview': (r: Restored, ctx) => restoreCard(`backup ${r.file}`, r, ctx),
  restore: (r: Restored, ctx) => restoreCard(`restored ${r.file}`, r, ctx),
};

/** Fallback: `key: value` lines, a blank line between records. */
function lines(result: unknown): string {
  const rows = Array.isArray(result) ? result : [result];
  if (rows.length === 0) return 'nothing to show';
  return rows
    .map((row) =>
      row && typeof row === 'object'
        ? Object.entries(row)
            .map(
              ([k, v]) =>
                `${printable(k)}: ${printable(typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v))}`,
            )
            .join('\n')
        : printable(String(row)),
    )
    .join('\n\n');
}

/** The human text of an operation's result (without a trailing newline). */
export function render(op: OperationName | 'core.install', result: unknown, ctx: RenderContext): string {
  const renderer = (op === 'core.install' ? undefined : RENDER[op]) as
    ((r: unknown, c: RenderContext) => string) | undefined;
  return renderer ? renderer(result, ctx) : lines(result);
}
