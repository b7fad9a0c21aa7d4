/**
 * Typed callback data. A kind of button is declared once, as a prefix and its fields; the
 * keyboard packs values with it and the handler is registered with it, getting the values
 * back typed, so a button and its handler cannot drift apart and no handler parses strings.
 *
 * ```ts
 * const keyAction = callbackData('a:k', { action: oneOf(['view', 'qr']), name: word() });
 * keyboard.text('QR', keyAction.pack({ action: 'qr', name: key.name }));   // "a:k:qr:ann"
 * onButton(feature, keyAction, (ctx, { action, name }) => …);
 * ```
 * Data is `prefix:field:field…` within Telegram's 64 bytes; a {@link rest} field (free text,
 * last only) is cut to fit; an {@link optional} field (last only) may be left out.
 */
import type { CallbackQueryContext, Composer, Context } from 'grammy';

/** Telegram's limit on callback data. */
export const MAX_CALLBACK_BYTES = 64;

/** One field of callback data: its pattern (no `:` unless last), and how a value is read and written. */
export interface Field<T> {
  readonly pattern: string;
  parse(raw: string): T;
  /** Free text that may be cut to fit (only the last field). */
  readonly rest?: boolean;
  /** May be absent, packed from and read back as undefined (only the last field). */
  readonly optional?: boolean;
}

/** A whole number ≥ 0 (ids, pages). */
export const int: Field<number> = { pattern: '\\d{1,15}', parse: Number };

/** One of `words` (actions, statuses, languages). */
export function oneOf<const W extends string>(words: readonly W[]): Field<W> {
  return { pattern: `(?:${words.map(escapeRegExp).join('|')})`, parse: (raw) => raw as W };
}

/** A word without `:` (key names, tokens); `pattern` narrows it. */
export function word(pattern = '[^:]+'): Field<string> {
  return { pattern, parse: (raw) => raw };
}

/** Free text, the last field only (a search); may be absent (`''`) and is cut to 64 bytes. */
export const rest: Field<string> = { pattern: '[\\s\\S]*', parse: (raw) => raw, rest: true };

/** `field`, or nothing (the last field only): `buy:p:7` and `buy:p:7:CODE`. */
export function optional<T>(field: Field<T>): Field<T | undefined> {
  return { pattern: field.pattern, parse: (raw) => field.parse(raw), optional: true };
}

type Schema = Record<string, Field<unknown>>;
export type ValuesOf<S extends Schema> = { [K in keyof S]: S[K] extends Field<infer T> ? T : never };

/** The callback data of one kind of button. */
export interface CallbackData<V> {
  readonly prefix: string;
  /** Matches this kind's data and nothing else (for `composer.callbackQuery`). */
  readonly pattern: RegExp;
  /** The data of a button with these values. */
  pack(values: V): string;
  /** The values in `data`, or null when it is not of this kind. */
  unpack(data: string): V | null;
}

/** Declares a kind of button: `prefix` and its fields, in order. */
export function callbackData<const S extends Schema = Record<never, never>>(
  prefix: string,
  schema: S = {} as S,
): CallbackData<ValuesOf<S>> {
  const names = Object.keys(schema);
  const fields = names.map((name) => schema[name]!);
  if (fields.slice(0, -1).some((f) => f.rest || f.optional)) {
    throw new Error(`${prefix}: a rest or optional field must be last`);
  }
  const parts = fields.map((f) => (f.rest || f.optional ? `(?::(${f.pattern}))?` : `:(${f.pattern})`));
  const pattern = new RegExp(`^${escapeRegExp(prefix)}${parts.join('')}$`);
  return {
    prefix,
    pattern,
    pack(values) {
      const head = [prefix, ...names.map((n, i) => (fields[i]!.rest ? '' : String(values[n])))];
      const last = fields.at(-1);
      if (last?.optional && values[names.at(-1)!] === undefined) return head.slice(0, -1).join(':');
      if (!last?.rest) return head.join(':');
      const prefixText = `${head.slice(0, -1).join(':')}:`;
      let tail = String(values[names.at(-1)!]);
      while (Buffer.byteLength(prefixText + tail) > MAX_CALLBACK_BYTES) tail = tail.slice(0, -1);
      return prefixText + tail;
    },
    unpack(data) {
      const match = pattern.exec(data);
      if (!match) return null;
      const values: Record<string, unknown> = {};
      names.forEach((name, i) => {
        const raw = match[i + 1];
        values[name] = raw === undefined && fields[i]!.optional ? undefined : fields[i]!.parse(raw ?? '');
      });
      return values as ValuesOf<S>;
    },
  };
}

/** Matches every button whose data starts with `prefix` (a guard in front of a section's buttons). */
export function underPrefix(prefix: string): RegExp {
  return new RegExp(`^${escapeRegExp(prefix)}(?::|$)`);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Handles the buttons of one kind: `handler` gets their values; `next` passes the update on.
 * Guards go on the composer (`feature.callbackQuery(/^a:rs:/, requireOwner)` returns one).
 */
export function onButton<C extends Context, V>(
  composer: Composer<C>,
  data: CallbackData<V>,
  handler: (ctx: CallbackQueryContext<C>, values: V, next: () => Promise<void>) => unknown,
): void {
  composer.callbackQuery(data.pattern, async (ctx, next) => {
    await handler(ctx, data.unpack(ctx.callbackQuery.data)!, next);
  });
}
