/**
 * Text building blocks of the CLI's human output: aligned tables, `key  value` cards, byte
 * units and relative times. Every cell goes through {@link printable}, so stored text cannot
 * forge lines or move the cursor.
 */
import { printable } from './printable.ts';

/** Columns padded to their widest cell, two spaces apart; no trailing blanks. */
export function table(headers: string[], rows: Array<Array<string | number | null | undefined>>): string {
  const cells = [headers, ...rows.map((row) => row.map((c) => printable(c == null ? '-' : String(c))))];
  const widths = headers.map((_, i) => Math.max(...cells.map((row) => [...(row[i] ?? '')].length)));
  return cells
    .map((row) =>
      row
        .map((cell, i) => cell + ' '.repeat(widths[i]! - [...cell].length))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** A card: a title line, then `label  value` lines (empty values left out). */
export function card(title: string, fields: Array<[string, string | number | null | undefined]>): string {
  const shown = fields.filter(([, v]) => v != null && v !== '');
  const width = Math.max(0, ...shown.map(([label]) => label.length));
  return [
    printable(title),
    ...shown.map(([label, v]) => `  ${label.padEnd(width)}  ${printable(String(v))}`),
  ].join('\n');
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** `12.4 GiB`, `50 GiB`, `512 B` (binary units: GB means 2^30 bytes everywhere). */
export function bytes(n: number): string {
  let value = n;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const rounded = Math.round(value * 10) / 10;
  return `${Number.isInteger(rounded) ? rounded : rounded.toFixed(1)} ${UNITS[unit]}`;
}

/** `12.4 GiB / 50 GiB`, or `1 MiB / unlimited`. */
export function usage(used: number, limit: number | null): string {
  return `${bytes(used)} / ${limit == null ? 'unlimited' : bytes(limit)}`;
}

const SPANS: Array<[string, number]> = [
  ['year', 365 * 86_400_000],
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
];

/** `in 12 days`, `3 hours ago`, `just now`; `fallback` for no date. */
export function relative(iso: string | null | undefined, now: number, fallback = 'never'): string {
  if (!iso) return fallback;
  const diff = new Date(iso).getTime() - now;
  const size = Math.abs(diff);
  const span = SPANS.find(([, ms]) => size >= ms);
  if (!span) return 'just now';
  const count = Math.round(size / span[1]);
  const text = `${count} ${span[0]}${count === 1 ? '' : 's'}`;
  return diff > 0 ? `in ${text}` : `${text} ago`;
}

/** `2026-01-02 14:00 UTC (in 12 days)`. */
export function when(iso: string | null | undefined, now: number, fallback = 'never'): string {
  if (!iso) return fallback;
  return `${iso.slice(0, 16).replace('T', ' ')} UTC (${relative(iso, now)})`;
}
