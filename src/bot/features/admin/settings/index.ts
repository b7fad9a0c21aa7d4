/**
 * Admin settings: key request policy (buttons), and dialogs for max keys per user, the
 * default limits of self-service keys, notice thresholds, the support contact, how long a
 * down VPN server stays in subscriptions, how long an order waits for payment and the REALITY SNI (which restarts the core, after a confirmation).
 * Whether admins may take backups is shown to every admin and changed by owners only.
 */
import { Composer, InlineKeyboard, type MiddlewareFn } from 'grammy';
import type { Role } from '../../../../services/model.ts';
import type { SettingName, SettingValue } from '../../../../services/settings.service.ts';
import { INPUT } from '../../../conversations/ids.ts';
import type { BotContext } from '../../../context.ts';
import {
  callbackData,
  esc,
  formatNumber,
  oneOf,
  onButton,
  parseNumber,
  show,
  word,
  type Screen,
  type Translator,
} from '../../../kit/index.ts';
import { HOSTNAME_RE, LOCAL_NODE } from '../../../../services/nodes.service.ts';
import { actorOf, enterDialog, menuButton, type AdminDeps } from '../common.ts';

const POLICIES = ['open', 'approval', 'closed'] as const;

export const settingsButton = callbackData('a:se');
const backupsForAdminsButton = callbackData('a:se:bk', { allow: oneOf(['on', 'off']) });
const policyButton = callbackData('a:se:pol', { policy: oneOf(POLICIES) });
/** Opens the dialog that edits one setting (checked against {@link EDITABLE} when pressed). */
const editButton = callbackData('a:se:ed', { setting: word('\\w+') });

/** A list of whole numbers (`80, 100`) of at most `count` items in [min, max]. */
function numberList(min: number, max: number, count: number) {
  return (text: string): number[] | undefined => {
    const parts = text.split(/[\s,;]+/).filter(Boolean);
    if (parts.length === 0 || parts.length > count) return undefined;
    const values = parts.map((p) => parseNumber(p, { min, max, integer: true }));
    return values.every((v) => v !== undefined) ? [...new Set(values as number[])] : undefined;
  };
}

/** The local node's REALITY SNI, edited here as it was when it was a setting. */
type EditableName = SettingName | 'realitySni';
type EditableValue<K extends EditableName> = K extends SettingName ? SettingValue<K> : string;

interface SettingSpec<K extends EditableName> {
  /** The typed value, or undefined when it is not acceptable. */
  parse(text: string): EditableValue<K> | undefined;
  /** The value as the settings screen shows it (escaped). */
  format(value: EditableValue<K> | undefined, ctx: Translator): string;
}

const list = (value: number[] | undefined) => (value?.length ? value.join(', ') : '—');

/** Settings edited by typing a value, with their parsing and display. */
export const EDITABLE = {
  maxKeysPerUser: {
    parse: (text) => parseNumber(text, { min: 0, max: 1000, integer: true }),
    format: (value) => String(value ?? 0),
  },
  selfServiceWindowDays: {
    parse: (text) => parseNumber(text, { min: 1, max: 3650, integer: true }),
    format: (value) => String(value ?? 30),
  },
  defaultKeyDays: {
    parse: (text) => parseNumber(text, { min: 0, max: 36_500 }),
    format: (value, ctx) => (value ? formatNumber(value) : ctx.t('admin-never')),
  },
  defaultKeyTrafficGb: {
    parse: (text) => parseNumber(text, { min: 0, max: 1_000_000 }),
    format: (value, ctx) => (value ? `${formatNumber(value)} GB` : ctx.t('admin-unlimited')),
  },
  quotaNoticePercents: { parse: numberList(1, 100, 5), format: (value) => list(value) },
  expiryNoticeDays: { parse: numberList(1, 60, 5), format: (value) => list(value) },
  supportContact: {
    // "-" clears the contact.
    parse: (text) => (text.trim() === '-' ? '' : text.trim().length <= 200 ? text.trim() : undefined),
    format: (value) => (value ? esc(value) : '—'),
  },
  subscriptionAnnounce: {
    // What VPN apps show from every subscription; "-" clears it.
    parse: (text) => (text.trim() === '-' ? '' : text.trim().length <= 200 ? text.trim() : undefined),
    format: (value) => (value ? esc(value) : '—'),
  },
  hideDownNodeMinutes: {
    // Minutes a VPN server may be down before subscriptions leave it out (0 = at once).
    parse: (text) => parseNumber(text, { min: 0, max: 7 * 24 * 60, integer: true }),
    format: (value) => String(value ?? 10),
  },
  orderLifetimeMinutes: {
    parse: (text) => parseNumber(text, { min: 1, max: 7 * 24 * 60, integer: true }),
    format: (value) => String(value ?? 60),
  },
  realitySni: {
    parse: (text) => (HOSTNAME_RE.test(text.trim()) ? text.trim().toLowerCase() : undefined),
    format: (value) => esc(value ?? '—'),
  },
} satisfies { [K in EditableName]?: SettingSpec<K> };

export type EditableSetting = keyof typeof EDITABLE;

/** The current value of an editable setting as the screen shows it. */
export function formatSetting(deps: AdminDeps, ctx: Translator, name: EditableSetting): string {
  const spec = EDITABLE[name] as SettingSpec<typeof name>;
  const { services } = deps;
  const value =
    name === 'realitySni'
      ? services.nodes.endpoint(services.nodes.get(LOCAL_NODE)).sni
      : services.settings.get(name);
  return spec.format(value as never, ctx);
}

/** The settings screen; owners also get the backup right's switch. */
export function settingsView(deps: AdminDeps, ctx: Translator & { role?: Role }): Screen {
  const policy = deps.services.settings.require('keyRequestPolicy');
  const backupsForAdmins = deps.services.settings.get('backupsForAdmins') === true;
  const names = Object.keys(EDITABLE) as EditableSetting[];
  const lines = [
    ctx.t('admin-settings-title'),
    ctx.t('admin-setting-line', {
      label: ctx.t('admin-setting-keyRequestPolicy'),
      value: ctx.t(`admin-policy-${policy}`),
    }),
    ...names.map((name) =>
      ctx.t('admin-setting-line', {
        label: ctx.t(`admin-setting-${name}`),
        value: formatSetting(deps, ctx, name),
      }),
    ),
    ctx.t('admin-setting-line', {
      label: ctx.t('admin-setting-backupsForAdmins'),
      value: ctx.t(backupsForAdmins ? 'admin-backups-for-admins' : 'admin-backups-for-owners'),
    }),
  ];
  const keyboard = new InlineKeyboard();
  for (const p of POLICIES) {
    const label = ctx.t(`admin-policy-${p}`);
    keyboard.text(p === policy ? `• ${label}` : label, policyButton.pack({ policy: p }));
  }
  keyboard.row();
  names.forEach((name, i) => {
    keyboard.text(ctx.t(`admin-setting-${name}`), editButton.pack({ setting: name }));
    if (i % 2 === 1) keyboard.row();
  });
  keyboard.row();
  if (ctx.role === 'owner') {
    keyboard
      .text(
        ctx.t(backupsForAdmins ? 'admin-btn-backups-owners-only' : 'admin-btn-backups-allow-admins'),
        backupsForAdminsButton.pack({ allow: backupsForAdmins ? 'off' : 'on' }),
      )
      .row();
  }
  keyboard.text(ctx.t('admin-btn-menu'), menuButton.pack({}));
  return { text: lines.join('\n'), keyboard };
}

/**
 * Stores a setting with an event. A new REALITY SNI also points the REALITY target at it
 * (unless REALITY_TARGET pins one) and restarts the core: inbound settings need a restart.
 * @returns false when the core could not be restarted (absent).
 */
export async function applySetting<K extends EditableSetting>(
  deps: AdminDeps,
  name: K,
  value: EditableValue<K>,
  actor: string,
): Promise<boolean> {
  const { services } = deps;
  if (name !== 'realitySni') {
    services.settings.set(name as SettingName, value as never);
    services.events.record({ type: 'settings.changed', actor, subject: name, data: { value } });
    return true;
  }
  // The target follows the SNI (null: REALITY_TARGET when set, else SNI:443).
  services.nodes.update(LOCAL_NODE, { sni: String(value), target: null }, actor);
  services.events.record({ type: 'settings.changed', actor, subject: name, data: { value } });
  if (!deps.system) return false;
  await deps.system.restart();
  return true;
}

/** `requireOwner` comes from the admin guard. */
export function settingsFeature(
  deps: AdminDeps,
  requireOwner: MiddlewareFn<BotContext>,
): Composer<BotContext> {
  const feature = new Composer<BotContext>();
  onButton(feature, settingsButton, (ctx) => show(ctx, settingsView(deps, ctx)));
  /** Stores a setting chosen by a button, with its event, and shows the screen again. */
  async function choose<K extends SettingName>(ctx: BotContext, name: K, value: SettingValue<K>) {
    deps.services.settings.set(name, value);
    deps.services.events.record({
      type: 'settings.changed',
      actor: actorOf(ctx),
      subject: name,
      data: { value },
    });
    await show(ctx, settingsView(deps, ctx));
  }
  const owners = feature.callbackQuery(backupsForAdminsButton.pattern, requireOwner);
  onButton(owners, backupsForAdminsButton, (ctx, { allow }) =>
    choose(ctx, 'backupsForAdmins', allow === 'on'),
  );
  onButton(feature, policyButton, (ctx, { policy }) => choose(ctx, 'keyRequestPolicy', policy));
  onButton(feature, editButton, async (ctx, { setting }, next) => {
    if (!Object.hasOwn(EDITABLE, setting)) return next();
    await enterDialog(ctx, INPUT, { kind: 'setting', setting });
  });
  return feature;
}
