import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Fluent } from '@grammyjs/i18n';
import { describe, expect, it } from 'vitest';
import { LOCALES_DIR, SUPPORTED_LANGUAGES } from '../../src/bot/i18n.ts';

/** Message ids of a .ftl file with the variables each one uses. */
function messages(language: string): Map<string, string[]> {
  const source = readFileSync(path.join(LOCALES_DIR, `${language}.ftl`), 'utf8');
  const result = new Map<string, string[]>();
  let id: string | undefined;
  for (const line of source.split('\n')) {
    const start = /^([a-z][a-z0-9-]*)\s*=/.exec(line);
    if (start) {
      id = start[1]!;
      result.set(id, []);
    } else if (line.trim() && !/^\s/.test(line)) {
      id = undefined; // a comment or a section ends the message; blank lines may sit inside it
    }
    if (id) for (const [, name] of line.matchAll(/\$([a-zA-Z][\w-]*)/g)) result.get(id)!.push(name!);
  }
  for (const [key, vars] of result) result.set(key, [...new Set(vars)].sort());
  return result;
}

describe('locales', () => {
  const [base, ...others] = SUPPORTED_LANGUAGES;

  it.each(others)('%s defines the same messages as English, with the same variables', (language) => {
    const en = messages(base);
    const other = messages(language);
    expect([...other.keys()].sort()).toEqual([...en.keys()].sort());
    for (const [key, vars] of en) expect({ key, vars: other.get(key) }).toEqual({ key, vars });
  });

  it.each(SUPPORTED_LANGUAGES)('%s parses, and every message renders without warnings', (language) => {
    const warnings: unknown[] = [];
    const fluent = new Fluent({ warningHandler: (warning) => warnings.push(warning) });
    fluent.addTranslationSync({
      locales: language,
      source: readFileSync(path.join(LOCALES_DIR, `${language}.ftl`), 'utf8'),
    });
    // A message the parser dropped as junk, or one missing a variable, shows up as a warning.
    for (const [key, vars] of messages(language)) {
      fluent.translate(language, key, Object.fromEntries(vars.map((v) => [v, 1])));
    }
    expect(warnings).toEqual([]);
  });
});
