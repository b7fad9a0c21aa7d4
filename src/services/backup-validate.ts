/**
 * Checks the database inside a backup before anything of it is used: it must carry no
 * code (triggers, views: xkeeper's schema has none, so any is foreign), and every row must
 * fit the schema (SQLite would store text in an integer column, a date in year 300 000 or
 * a key name the core cannot take). Each check returns a reason, or null when all is well.
 */
import { getTableColumns, getTableName, is, type Column } from 'drizzle-orm';
import { SQLiteTable } from 'drizzle-orm/sqlite-core';
import Database from 'better-sqlite3';
import * as schema from '../db/schema.ts';
import { assertKeyName } from './keys/rules.ts';

/** 9999-12-31T23:59:59.999Z: the last instant a Date prints as an ISO string of 4-digit year. */
const LAST_MS = 253_402_300_799_999;
const DAY_GLOB = "'[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'";
/** Columns with a format beyond their SQL type: a condition on the quoted column `c`. */
const FORMATS: Record<string, (c: string) => string> = {
  'key_usage_daily.day': (c) => `${c} GLOB ${DAY_GLOB}`,
  // A core's baselines: a list of user names and two float64 values per name (counter-sets.ts).
  'core_counter_sets.users': (c) => `json_valid(${c}) AND json_type(${c}) = 'array'`,
  'core_counter_sets.counters': (c) =>
    `json_valid("users") AND length(${c}) = 16 * coalesce(json_array_length("users"), -1)`,
  // A node's charges: (key id, upload, download) float64 triples (node-charges.ts).
  'node_key_charges.charged': (c) => `length(${c}) % 24 = 0`,
};

/**
 * Looks at the file's schema without running any of it (a trigger fires on a write, a view
 * on a read; `trusted_schema = OFF` keeps their functions out in any case).
 */
export function foreignSchemaCode(file: string): string | null {
  const sqlite = new Database(file, { fileMustExist: true });
  try {
    sqlite.pragma('trusted_schema = OFF');
    const code = sqlite
      .prepare("SELECT type, name FROM sqlite_master WHERE type NOT IN ('table', 'index') LIMIT 1")
      .get() as { type: string; name: string } | undefined;
    return code ? `the database in the backup holds a ${code.type} (${code.name}) xkeeper never makes` : null;
  } finally {
    sqlite.close();
  }
}

const quote = (value: string) => `'${value.replace(/'/g, "''")}'`;

/** An SQL condition true when the column's value fits its type in the schema. */
function fits(table: string, column: Column): string {
  const c = `"${column.name}"`;
  const format = FORMATS[`${table}.${column.name}`];
  let check: string;
  switch (column.columnType) {
    case 'SQLiteBoolean':
      check = `typeof(${c}) = 'integer' AND ${c} IN (0, 1)`;
      break;
    case 'SQLiteTimestamp':
      // Defaults (`unixepoch('subsec') * 1000`) store reals.
      check = `typeof(${c}) IN ('integer', 'real') AND ${c} BETWEEN 0 AND ${LAST_MS}`;
      break;
    case 'SQLiteInteger':
      check = `typeof(${c}) = 'integer'`;
      break;
    case 'SQLiteReal':
      check = `typeof(${c}) IN ('real', 'integer')`;
      break;
    case 'SQLiteBlobBuffer':
      check = `typeof(${c}) = 'blob'`;
      break;
    case 'SQLiteTextJson':
      check = `typeof(${c}) = 'text' AND json_valid(${c})`;
      break;
    default: {
      const values = column.enumValues?.length
        ? ` AND ${c} IN (${column.enumValues.map(quote).join(', ')})`
        : '';
      check = `typeof(${c}) = 'text'${values}`;
    }
  }
  if (format) check += ` AND ${format(c)}`;
  return column.notNull ? `(${check})` : `(${c} IS NULL OR (${check}))`;
}

/** The first value in the database that does not fit the schema, as a reason; null if none. */
export function badRow(sqlite: Database.Database): string | null {
  for (const table of Object.values(schema)) {
    if (!is(table, SQLiteTable)) continue;
    const name = getTableName(table);
    const columns = Object.values(getTableColumns(table));
    const flags = columns.map((column) => `${fits(name, column)} AS "${column.name}"`).join(', ');
    const all = columns.map((column) => fits(name, column)).join(' AND ');
    const row = sqlite.prepare(`SELECT ${flags} FROM "${name}" WHERE NOT (${all}) LIMIT 1`).get() as
      Record<string, number | null> | undefined;
    if (row) {
      const column = Object.keys(row).find((key) => row[key] !== 1);
      return `a row of ${name} has a bad ${column} (wrong type, range or format)`;
    }
  }
  for (const { name } of sqlite.prepare('SELECT name FROM keys').iterate() as Iterable<{ name: string }>) {
    try {
      assertKeyName(name);
    } catch {
      return `the backup holds a key with a bad name: ${JSON.stringify(name.slice(0, 40))}`;
    }
  }
  return null;
}
