/**
 * What every admin screen is made of: a text in HTML parse mode plus an inline keyboard,
 * and the small helpers the screens share (bytes and dates come from render/text.ts, as in
 * the user views). Every value that comes from people or the database is escaped with {@link esc} before it goes into a text.
 */
import { InlineKeyboard } from 'grammy';
import type { TranslationVariables } from '@grammyjs/i18n';

/** One screen: HTML text and its buttons. */
export interface View {
  text: string;
  keyboard?: InlineKeyboard;
}

/**
 * The translation function of a context (outside or inside a conversation), and who reads:
 * their language (`localeOf` in i18n.ts) also formats figures and dates, as in the user views.
 */
export interface Translator {
  t(key: string, variables?: TranslationVariables): string;
  person?: { language?: string | null };
  from?: { language_code?: string };
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };

/** Escapes text for Telegram's HTML parse mode. */
export function esc(value: unknown): string {
  return String(value ?? '').replace(/[&<>"]/g, (c) => HTML_ESCAPES[c]!);
}

const MAX_CALLBACK_BYTES = 64;

/**
 * Callback data from parts joined by `:`. The last part is cut to keep within Telegram's
 * 64 bytes (only free text, such as a search, ever is that long).
 */
export function cb(...parts: Array<string | number>): string {
  const head = parts.slice(0, -1).join(':');
  const prefix = head ? `${head}:` : '';
  let tail = String(parts.at(-1) ?? '');
  while (Buffer.byteLength(prefix + tail) > MAX_CALLBACK_BYTES) tail = tail.slice(0, -1);
  return prefix + tail;
}

/** A number without float noise (`0.5`, `12`, `1.25`). */
export function formatNumber(value: number): string {
  return String(Math.round(value * 100) / 100);
}

/** Seconds as `3d 4h`, `5h 10m` or `42s`. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m ${s % 60}s`;
  return `${s}s`;
}

/** A yes/no question. */
export function confirmView(ctx: Translator, text: string, yes: string, no: string): View {
  return {
    text,
    keyboard: new InlineKeyboard().text(ctx.t('admin-btn-confirm'), yes).text(ctx.t('admin-btn-cancel'), no),
  };
}
