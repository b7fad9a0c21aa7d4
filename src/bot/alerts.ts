/**
 * Delivery of admin alerts and scheduled backups from the outbox. Alerts (`admin.alert`,
 * queued with `services.admins.alert`, which deduplicates and throttles them) go to every
 * admin in their own language; a scheduled backup (`owner.backup`) goes to every owner as
 * a document.
 */
import { existsSync } from 'node:fs';
import { GrammyError, type Api } from 'grammy';
import type { AdminAlert, AlertType } from '../services/messages.ts';
import { PermanentFailure } from '../services/outbox.service.ts';
import { sendBackup } from './features/admin/backups/index.ts';
import { languageOf, type AdminDeps } from './features/admin/common.ts';
import { SEVERITY_ICON } from './features/admin/events/screens.ts';
import { esc, type Translator } from './kit/index.ts';

/**
 * Each alert type with the variables its own text shows (any missing one is empty), or null
 * for the generic text. `details` is made from the alert's data when not given.
 */
const ALERT_VARS: Record<AlertType, string[] | null> = {
  'core.adopted': null,
  'core.orphan_replaced': null,
  'core.exited': ['details'],
  'core.restarted': ['details'],
  'core.restart_detected': ['details'],
  'core.config_refused': ['details'],
  'core.not_available': ['details'],
  'core.user_rejected': ['details'],
  'core.drift_fixed': ['details'],
  'payment.received': ['amount', 'key', 'provider'],
  'payment.mismatch': ['order', 'provider', 'paid', 'expected', 'reason'],
  'payment.refused': null,
  'webhook.dead_letter': ['url', 'error'],
  'backup.failed': ['error'],
  'job.failed': ['job', 'error'],
  'node.down': ['node', 'error'],
  'node.up': ['node'],
  'node.host_key_changed': ['node', 'pinned', 'seen'],
  'telegram.restored': ['seconds', 'reason'],
  error: ['error'],
};

/** An amount in minor units (Telegram Stars: whole stars) with its currency. */
function formatAmount(amount: unknown, currency: unknown): string {
  const code = String(currency ?? '');
  const value = Number(amount);
  if (!Number.isFinite(value)) return `${String(amount)} ${code}`.trim();
  if (code === 'XTR') return `${value} ⭐`;
  let digits = 2;
  try {
    digits =
      new Intl.NumberFormat('en', { style: 'currency', currency: code }).resolvedOptions()
        .maximumFractionDigits ?? 2;
  } catch {
    // Not an ISO currency (a crypto asset): two decimals.
  }
  return `${(value / 10 ** digits).toFixed(digits)} ${code}`;
}

const text = (value: unknown) =>
  typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);

/** The text variables of an alert, escaped for HTML. */
function alertVars(alert: AdminAlert): Record<string, string> {
  const raw: Record<string, unknown> = { ...alert.data };
  if (alert.type === 'payment.received' && raw.currency !== undefined)
    raw.amount = formatAmount(raw.amount, raw.currency);
  if (raw.details === undefined && alert.data) {
    raw.details = Object.entries(alert.data)
      .filter(([key]) => key !== 'core_id')
      .map(([key, value]) => `${key}: ${text(value)}`)
      .join('; ')
      .slice(0, 300);
  }
  return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, esc(text(v))]));
}

/** An alert as one admin reads it. */
function alertText(tr: Translator, alert: AdminAlert): string {
  const vars = alertVars(alert);
  // A row of a type this version does not know gets the generic text.
  const expected = Object.hasOwn(ALERT_VARS, alert.type) ? ALERT_VARS[alert.type] : null;
  const body = expected
    ? tr.t(`admin-alert-${alert.type.replace(/[._]/g, '-')}`, {
        ...Object.fromEntries(expected.map((name) => [name, ''])),
        ...vars,
      })
    : tr.t('admin-alert-generic', {
        type: esc(alert.type),
        details:
          vars.details ??
          Object.entries(vars)
            .map(([k, v]) => `${k}: ${v}`)
            .join(', '),
      });
  return `${SEVERITY_ICON[alert.severity] ?? ''} ${body}`.trim();
}

/**
 * Sends one message to each recipient. Someone who blocked the bot is marked unreachable
 * and skipped; when every other attempt failed, the first error is thrown so the outbox
 * retries later.
 */
async function toEach(
  deps: AdminDeps,
  ids: number[],
  send: (id: number, tr: Translator) => Promise<unknown>,
) {
  const failures: unknown[] = [];
  for (const id of ids) {
    const lang = languageOf(deps, id);
    try {
      await send(id, { t: (key, vars) => deps.i18n.t(lang, key, vars), person: { language: lang } });
    } catch (error) {
      if (error instanceof GrammyError && error.error_code === 403)
        deps.services.broadcasts.markUnreachable(id);
      else failures.push(error);
    }
  }
  if (failures.length > 0 && failures.length === ids.length) throw failures[0];
}

/** Plugs alert and backup delivery into the outbox. */
export function registerAdminAlerts(deps: AdminDeps, api: Api): void {
  const { services } = deps;
  services.outbox.register('admin.alert', async (alert) => {
    const admins = services.admins.listAdmins().map((a) => a.telegram_id);
    await toEach(deps, admins, (id, tr) => api.sendMessage(id, alertText(tr, alert)));
  });
  services.outbox.register('owner.backup', async (backup) => {
    if (!existsSync(backup.file)) throw new PermanentFailure(`backup ${backup.file} no longer exists`);
    const owners = services.admins
      .listAdmins()
      .filter((a) => a.role === 'owner')
      .map((a) => a.telegram_id);
    await toEach(deps, owners, (id, tr) => sendBackup(api, id, backup, tr, deps.config));
  });
}
