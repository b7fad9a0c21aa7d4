/** Admin screens of keys: the list (filters, search, paging) and the key card, with their buttons. */
import { InlineKeyboard } from 'grammy';
import { KEY_STATUSES, type Key, type KeyStatus, type TelegramUser } from '../../../../services/model.ts';
import type { UserJson } from '../../../../services/key-view.ts';
import { DAY_SECONDS, usedBytes } from '../../../../services/keys/rules.ts';
import type { Traffic } from '../../../../services/reports.service.ts';
import {
  callbackData,
  daysLeft,
  esc,
  formatBytes,
  formatDate,
  formatDateTime,
  formatNumber,
  int,
  localeOf,
  oneOf,
  rest,
  word,
  type Screen,
  type Translator,
} from '../../../kit/index.ts';
import { menuButton, personLabel, type AdminDeps } from '../common.ts';

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

/** A page of the key list: `a:kl:<status>:<page>:<search>`. */
export const keyListButton = callbackData('a:kl', {
  status: oneOf(['all', ...KEY_STATUSES]),
  page: int,
  search: rest,
});
/** Every action on one key, by the name its button and command use (`!` = confirmed). */
export const KEY_ACTIONS = [
  'view',
  'qr',
  'send',
  'reset',
  'kick',
  'kick!',
  'off',
  'on',
  'ext7',
  'ext30',
  'ext90',
  'ext',
  'limit',
  'del',
  'del!',
] as const;
export type KeyAction = (typeof KEY_ACTIONS)[number];
/** An action on one key: `a:k:<action>:<name>`. */
export const keyButton = callbackData('a:k', { action: oneOf(KEY_ACTIONS), name: word() });
export const keySearchButton = callbackData('a:ks');
export const keyCreateButton = callbackData('a:kc');

function keyListData(filter: KeyFilter, page = 1): string {
  return keyListButton.pack({ status: filter.status, page, search: filter.search });
}

function keyData(action: KeyAction, name: string): string {
  return keyButton.pack({ action, name });
}

/** Days offered as one-tap extensions. */
const EXTEND_PRESETS = [7, 30, 90] as const;

function limitLabel(ctx: Translator, bytes: number | null): string {
  return bytes === null ? ctx.t('admin-unlimited') : formatBytes(bytes, localeOf(ctx));
}

/** One page of keys with the filter row, paging, search and create. */
export function keyListView(
  ctx: Translator,
  page: { items: Key[]; total: number; page: number; perPage: number },
  filter: KeyFilter,
): Screen {
  const pages = Math.max(1, Math.ceil(page.total / page.perPage));
  const lines = [ctx.t('admin-keys-title', { total: page.total })];
  if (filter.status !== 'all')
    lines.push(ctx.t('admin-keys-filter', { status: ctx.t(`admin-key-status-${filter.status}`) }));
  if (filter.search) lines.push(ctx.t('admin-keys-search', { query: esc(filter.search) }));
  lines.push(page.total ? ctx.t('admin-page', { page: page.page, pages }) : ctx.t('admin-keys-none'));

  const locale = localeOf(ctx);
  const keyboard = new InlineKeyboard();
  for (const key of page.items) {
    const used = formatBytes(usedBytes(key), locale);
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
  keyboard
    .text(ctx.t('admin-btn-search'), keySearchButton.pack({}))
    .text(ctx.t('admin-btn-create-key'), keyCreateButton.pack({}))
    .row();
  if (filter.search) keyboard.text(ctx.t('admin-btn-clear-search'), keyListData({ ...filter, search: '' }));
  keyboard.text(ctx.t('admin-btn-menu'), menuButton.pack({}));
  return { text: lines.join('\n'), keyboard };
}

/** Everything the key card shows. */
export interface KeyCardData {
  key: Key;
  json: UserJson;
  usage: { today: Traffic; month: Traffic; lifetime_used_bytes: number };
  owner?: TelegramUser;
  now: Date;
}

const total = (t: Traffic) => t.upload_bytes + t.download_bytes;

function expiryLine(ctx: Translator, key: Key, now: Date): string {
  if (key.status === 'on_hold' && key.onHoldDurationSeconds !== null) {
    return ctx.t('admin-card-on-hold', { days: formatNumber(key.onHoldDurationSeconds / DAY_SECONDS) });
  }
  if (!key.expireAt) return ctx.t('admin-card-no-expiry');
  const days = daysLeft(key.expireAt, now);
  const date = formatDate(key.expireAt, localeOf(ctx));
  return days > 0 ? ctx.t('admin-card-expires', { date, days }) : ctx.t('admin-card-expired', { date });
}

/** The key card: every field, usage, owner, link; buttons for every action. */
export function keyCardView(ctx: Translator, card: KeyCardData): Screen {
  const { key, json, usage, owner } = card;
  const locale = localeOf(ctx);
  const bytes = (value: number) => formatBytes(value, locale);
  const moment = (value: Date) => formatDateTime(value, locale);
  const used = usedBytes(key);
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
    keyboard.text(ctx.t('admin-btn-extend', { days }), keyData(`ext${days}` as const, name));
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

const PER_PAGE = 10;

/** Everything the card of `key` shows. */
export function keyCard(deps: AdminDeps, key: Key): KeyCardData {
  const { services } = deps;
  return {
    key,
    json: services.view(key),
    usage: services.reports.keyUsage(key.id),
    owner: key.ownerTelegramId === null ? undefined : services.admins.get(key.ownerTelegramId),
    now: services.clock.now(),
  };
}

/** One page of the key list. */
export function keyListPage(deps: AdminDeps, ctx: Translator, filter: KeyFilter, page: number): Screen {
  const result = deps.services.keys.list({
    page,
    perPage: PER_PAGE,
    status: filter.status === 'all' ? undefined : filter.status,
    search: filter.search || undefined,
  });
  return keyListView(ctx, result, filter);
}
