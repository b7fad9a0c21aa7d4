/** Admin screens of keys: the list (filters, search, paging) and the key card. */
import { InlineKeyboard } from 'grammy';
import { KEY_STATUSES, type Key, type KeyStatus, type TelegramUser } from '../../../services/model.ts';
import type { UserJson } from '../../../services/key-view.ts';
import type { Traffic } from '../../../services/reports.service.ts';
import { localeOf } from '../../i18n.ts';
import { formatBytes, formatDate, formatDateTime } from '../../render/text.ts';
import { cb, esc, formatNumber, type Translator, type View } from './view.ts';

export const STATUS_EMOJI: Record<KeyStatus, string> = {
  active: '✅',
  disabled: '⛔',
  limited: '📉',
  expired: '⌛',
  on_hold: '⏳',
};

/** Which keys a list shows. */
export interface KeyFilter {
  status: KeyStatus | 'all';
  search: string;
}

/** Callback data of a key list page. */
function keyListData(filter: KeyFilter, page = 1): string {
  return cb('a:kl', filter.status, page, filter.search);
}

/** Callback data of an action on one key (`view`, `qr`, `kick!`, `ext`…). */
export function keyData(action: string, name: string): string {
  return `a:k:${action}:${name}`;
}

/** Days offered as one-tap extensions. */
const EXTEND_PRESETS = [7, 30, 90] as const;

/** A person as admins see them: `@username (123)` or `First Last (123)`. */
export function personLabel(
  id: number,
  person?: Pick<TelegramUser, 'username' | 'firstName' | 'lastName'>,
): string {
  const name = person?.username
    ? `@${person.username}`
    : [person?.firstName, person?.lastName].filter(Boolean).join(' ');
  return name ? `${esc(name)} (<code>${id}</code>)` : `<code>${id}</code>`;
}

function limitLabel(ctx: Translator, bytes: number | null): string {
  return bytes === null ? ctx.t('admin-unlimited') : formatBytes(bytes, localeOf(ctx));
}

/** One page of keys with the filter row, paging, search and create. */
export function keyListView(
  ctx: Translator,
  page: { items: Key[]; total: number; page: number; perPage: number },
  filter: KeyFilter,
): View {
  const pages = Math.max(1, Math.ceil(page.total / page.perPage));
  const lines = [ctx.t('admin-keys-title', { total: page.total })];
  if (filter.status !== 'all')
    lines.push(ctx.t('admin-keys-filter', { status: ctx.t(`admin-key-status-${filter.status}`) }));
  if (filter.search) lines.push(ctx.t('admin-keys-search', { query: esc(filter.search) }));
  lines.push(page.total ? ctx.t('admin-page', { page: page.page, pages }) : ctx.t('admin-keys-none'));

  const locale = localeOf(ctx);
  const keyboard = new InlineKeyboard();
  for (const key of page.items) {
    const used = formatBytes(key.uploadBytes + key.downloadBytes, locale);
    keyboard
      .text(
        `${STATUS_EMOJI[key.status]} ${key.name} · ${used} / ${limitLabel(ctx, key.trafficLimitBytes)}`,
        keyData('view', key.name),
      )
      .row();
  }
  for (const status of ['all', ...KEY_STATUSES] as const) {
    const label = status === 'all' ? ctx.t('admin-filter-all') : STATUS_EMOJI[status];
    keyboard.text(filter.status === status ? `• ${label}` : label, keyListData({ ...filter, status }));
  }
  keyboard.row();
  if (page.page > 1) keyboard.text('‹', keyListData(filter, page.page - 1));
  if (page.page < pages) keyboard.text('›', keyListData(filter, page.page + 1));
  keyboard.row();
  keyboard.text(ctx.t('admin-btn-search'), 'a:ks').text(ctx.t('admin-btn-create-key'), 'a:kc').row();
  if (filter.search) keyboard.text(ctx.t('admin-btn-clear-search'), keyListData({ ...filter, search: '' }));
  keyboard.text(ctx.t('admin-btn-menu'), 'a:m');
  return { text: lines.join('\n'), keyboard };
}

/** Everything the key card shows. */
export interface KeyCard {
  key: Key;
  json: UserJson;
  usage: { today: Traffic; month: Traffic; lifetime_used_bytes: number };
  owner?: TelegramUser;
  now: Date;
}

const total = (t: Traffic) => t.upload_bytes + t.download_bytes;

function expiryLine(ctx: Translator, key: Key, now: Date): string {
  if (key.status === 'on_hold' && key.onHoldDurationSeconds !== null) {
    return ctx.t('admin-card-on-hold', { days: formatNumber(key.onHoldDurationSeconds / 86_400) });
  }
  if (!key.expireAt) return ctx.t('admin-card-no-expiry');
  const days = Math.ceil((key.expireAt.getTime() - now.getTime()) / 86_400_000);
  const date = formatDate(key.expireAt, localeOf(ctx));
  return days > 0 ? ctx.t('admin-card-expires', { date, days }) : ctx.t('admin-card-expired', { date });
}

/** The key card: every field, usage, owner, link; buttons for every action. */
export function keyCardView(ctx: Translator, card: KeyCard): View {
  const { key, json, usage, owner } = card;
  const locale = localeOf(ctx);
  const bytes = (value: number) => formatBytes(value, locale);
  const moment = (value: Date) => formatDateTime(value, locale);
  const used = key.uploadBytes + key.downloadBytes;
  const percent =
    key.trafficLimitBytes !== null && key.trafficLimitBytes > 0
      ? ` (${Math.floor((used / key.trafficLimitBytes) * 100)}%)`
      : '';
  const lines = [
    ctx.t('admin-card-title', {
      name: esc(key.name),
      status: `${STATUS_EMOJI[key.status]} ${ctx.t(`admin-key-status-${key.status}`)}`,
    }),
    key.ownerTelegramId === null
      ? ctx.t('admin-card-no-owner')
      : ctx.t('admin-card-owner', { owner: personLabel(key.ownerTelegramId, owner) }),
    ctx.t('admin-card-traffic', {
      used: bytes(used),
      limit: limitLabel(ctx, key.trafficLimitBytes),
      percent,
      up: bytes(key.uploadBytes),
      down: bytes(key.downloadBytes),
    }),
    ctx.t('admin-card-usage', {
      today: bytes(total(usage.today)),
      month: bytes(total(usage.month)),
      lifetime: bytes(usage.lifetime_used_bytes),
    }),
    expiryLine(ctx, key, card.now),
    ctx.t('admin-card-reset', {
      strategy: ctx.t(`admin-reset-${key.resetStrategy}`),
      last: key.lastResetAt ? moment(key.lastResetAt) : '—',
    }),
    key.onlineAt
      ? ctx.t('admin-card-online', {
          date: moment(key.onlineAt),
          first: key.firstConnectedAt ? moment(key.firstConnectedAt) : '—',
        })
      : ctx.t('admin-card-never-online'),
    ctx.t('admin-card-uuid', { uuid: esc(key.uuid) }),
    ctx.t('admin-card-created', { date: moment(key.createdAt), by: esc(key.createdBy ?? '—') }),
  ];
  if (key.note) lines.push(ctx.t('admin-card-note', { note: esc(key.note) }));
  lines.push(ctx.t('admin-card-subscription', { url: esc(json.subscription_url) }));
  const link = json.links[0];
  lines.push(link ? ctx.t('admin-card-link', { link: esc(link) }) : ctx.t('admin-card-no-link'));

  const name = key.name;
  const keyboard = new InlineKeyboard().text(ctx.t('admin-btn-qr'), keyData('qr', name));
  if (key.ownerTelegramId !== null) keyboard.text(ctx.t('admin-btn-send-owner'), keyData('send', name));
  keyboard.row();
  for (const days of EXTEND_PRESETS)
    keyboard.text(ctx.t('admin-btn-extend', { days }), keyData(`ext${days}`, name));
  keyboard.text(ctx.t('admin-btn-extend-custom'), keyData('ext', name)).row();
  keyboard
    .text(ctx.t('admin-btn-reset'), keyData('reset', name))
    .text(ctx.t('admin-btn-limit'), keyData('limit', name))
    .row();
  keyboard.text(ctx.t('admin-btn-kick'), keyData('kick', name));
  keyboard
    .text(
      key.status === 'disabled' ? ctx.t('admin-btn-enable') : ctx.t('admin-btn-disable'),
      keyData(key.status === 'disabled' ? 'on' : 'off', name),
    )
    .row();
  keyboard
    .text(ctx.t('admin-btn-delete'), keyData('del', name))
    .text(ctx.t('admin-btn-refresh'), keyData('view', name))
    .row();
  keyboard.text(ctx.t('admin-btn-keys'), keyListData({ status: 'all', search: '' }));
  return { text: lines.join('\n'), keyboard };
}
