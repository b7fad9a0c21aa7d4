/**
 * Text helpers of every feature: the translation handles, escaping for HTML, figures and
 * dates in the reader's language, durations, the progress bar.
 */
import type { I18n, TranslationVariables } from '@grammyjs/i18n';
import { GrammyError } from 'grammy';
import { DAY_MS, DAY_SECONDS } from '../../services/keys/rules.ts';
import type { Services } from '../../services/index.ts';
import type { BotContext } from '../context.ts';
import { localeOf } from '../i18n.ts';

/** Translations in one language plus that language, for formatting figures and dates. */
export interface Tr {
  locale: string;
  t(key: string, vars?: Record<string, string | number>): string;
}

/**
 * A context (in a handler or a conversation) as the screens use it: its translations, and
 * who reads, whose language ({@link localeOf}) also formats figures and dates.
 */
export interface Translator {
  t(key: string, variables?: TranslationVariables): string;
  person?: { language?: string | null };
  from?: { language_code?: string };
}

export { localeOf };

/**
 * Options of a text message: HTML, no link previews. The parse-mode transformer sets them on
 * the bot's Api; calls that may go through another Api (broadcast progress, sendBackup) pass them.
 */
export const HTML = { parse_mode: 'HTML', link_preview_options: { is_disabled: true } } as const;

/** Messages without variables never change while running: translated once per language. */
const plain = new Map<string, string>();

function memoized(locale: string, translate: Tr['t']): Tr['t'] {
  return (key, vars) => {
    if (vars) return translate(key, vars);
    const id = `${locale}\0${key}`;
    let text = plain.get(id);
    if (text === undefined) plain.set(id, (text = translate(key)));
    return text;
  };
}

/** The translator of an update (the language the i18n negotiator picked). */
export async function trOf(ctx: BotContext): Promise<Tr> {
  const locale = await ctx.i18n.getLocale();
  return { locale, t: memoized(locale, (key, vars) => ctx.t(key, vars)) };
}

/** A translator outside an update (notifications). */
export function trFor(i18n: I18n<BotContext>, locale: string): Tr {
  return { locale, t: memoized(locale, (key, vars) => i18n.t(locale, key, vars)) };
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };

/** Escapes text for Telegram's HTML parse mode. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => HTML_ESCAPES[c]!);
}

/** Escapes any value (null and undefined become '') for Telegram's HTML parse mode. */
export function esc(value: unknown): string {
  return escapeHtml(String(value ?? ''));
}

/** Plain text of an HTML text (callback answers and button labels are not parsed). */
export function stripTags(html: string): string {
  return html
    .replace(/<[^>]+>/g, '')
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&quot;', '"')
    .replaceAll('&amp;', '&');
}

const UNITS = ['kilobyte', 'megabyte', 'gigabyte', 'terabyte'] as const;

/** The unit (index into KB, MB, GB, TB) that shows `bytes` below 1024. */
export function unitOf(bytes: number): number {
  let unit = 0;
  while (bytes >= 1024 ** (unit + 2) && unit < UNITS.length - 1) unit++;
  return unit;
}

/** Intl formatters are costly to build (tens of µs): one per locale and style, reused. */
const formatters = new Map<string, Intl.NumberFormat | Intl.DateTimeFormat>();
function cached<F extends Intl.NumberFormat | Intl.DateTimeFormat>(key: string, make: () => F): F {
  let formatter = formatters.get(key) as F | undefined;
  if (!formatter) formatters.set(key, (formatter = make()));
  return formatter;
}

/**
 * Bytes in KB, MB, GB or TB (1 GB = 2^30 bytes, as everywhere in xkeeper); in the unit that
 * keeps the figure below 1024 unless one is given (chart axes share their top's unit).
 */
export function formatBytes(bytes: number, locale: string, unit = unitOf(bytes)): string {
  const value = Math.max(0, bytes) / 1024 ** (unit + 1);
  const digits = value < 10 ? 2 : value < 100 ? 1 : 0;
  return cached(
    `${locale}:${unit}:${digits}`,
    () =>
      new Intl.NumberFormat(locale, {
        style: 'unit',
        unit: UNITS[unit],
        unitDisplay: 'short',
        maximumFractionDigits: digits,
      }),
  ).format(value);
}

const DATE: Intl.DateTimeFormatOptions = { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' };

/** A calendar date in the person's language (UTC, like every day boundary in xkeeper). */
export function formatDate(date: Date, locale: string): string {
  return cached(`${locale}:date`, () => new Intl.DateTimeFormat(locale, DATE)).format(date);
}

/** A moment (the date as {@link formatDate} writes it, then the UTC time) in the person's language. */
export function formatDateTime(date: Date | string, locale: string): string {
  return cached(
    `${locale}:datetime`,
    () =>
      new Intl.DateTimeFormat(locale, {
        ...DATE,
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
        timeZoneName: 'short',
      }),
  ).format(new Date(date));
}

/** Whole days from `now` until `until`, rounded up (0 once past). */
export function daysLeft(until: Date, now: Date): number {
  return Math.max(0, Math.ceil((until.getTime() - now.getTime()) / DAY_MS));
}

/** A number without float noise (`0.5`, `12`, `1.25`), as admins type it back. */
export function formatNumber(value: number): string {
  return String(Math.round(value * 100) / 100);
}

/** Seconds as `3d 4h`, `5h 10m` or `42s`. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const d = Math.floor(s / DAY_SECONDS);
  const h = Math.floor((s % DAY_SECONDS) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m ${s % 60}s`;
  return `${s}s`;
}

/** A text progress bar, e.g. `▰▰▰▱▱▱▱▱▱▱` for 0.3. */
export function progressBar(fraction: number, width = 10): string {
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  return '▰'.repeat(filled) + '▱'.repeat(width - filled);
}

/** Awaits an edit, taking Telegram's "message is not modified" (a double tap) as success. */
export async function ignoreNotModified(edit: Promise<unknown>): Promise<void> {
  try {
    await edit;
  } catch (error) {
    if (!(error instanceof GrammyError && error.description.includes('message is not modified'))) throw error;
  }
}

/** `["💬 Support: …"]` when a support contact is set in settings, else `[]`. */
export function supportLine(tr: Tr, services: Services): string[] {
  const contact = services.settings.get('supportContact')?.trim();
  return contact ? [tr.t('support-contact', { contact: escapeHtml(contact) })] : [];
}
