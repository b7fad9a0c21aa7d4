/**
 * Text for a terminal. A stored note or name may hold control characters (from the API, a
 * restore, a Telegram user); printed as they are, they could forge lines, move the cursor or
 * clear the screen. Each one is shown as an escape instead: `\n`, `\x1b`, `\u202e`.
 */

/** C0 and C1 controls, DEL, and the Unicode marks that reorder or hide text. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escape(char: string): string {
  const named = NAMED[char];
  if (named) return named;
  const code = char.charCodeAt(0);
  return code <= 0xff
    ? `\\x${code.toString(16).padStart(2, '0')}`
    : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** `text` with every control or reordering character escaped. */
export function printable(text: string): string {
  return text.replace(UNSAFE, escape);
}
