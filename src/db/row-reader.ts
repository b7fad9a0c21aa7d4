/**
 * Whole rows of one table read by a prepared statement and mapped as drizzle's `select()`
 * maps them (the same property names, Dates, booleans and JSON), for the hottest lookups.
 * drizzle's row mapping walks generic field paths with class checks on every column: 1.5 µs
 * a key row (21 columns) on top of SQLite's own 3.7 µs lookup; this map costs ~0.5 µs.
 */
import type Database from 'better-sqlite3';
import { getTableColumns, getTableName, type Column } from 'drizzle-orm';
import type { SQLiteTable } from 'drizzle-orm/sqlite-core';
import { lazy } from './statements.ts';

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

export interface RowReader<Row> {
  /** The table's columns, quoted and comma-separated, in the order `map` reads them. */
  readonly columns: string;
  /** How many columns a row has: a statement's further columns start at this index. */
  readonly width: number;
  /** A row as SQLite returned it (a `.raw()` array starting with `columns`) → the model. */
  map(raw: readonly unknown[]): Row;
  /** `sql` prepared on first use, returning `.raw()` arrays, for a statement built on `columns`. */
  statement(sql: string): () => Database.Statement<unknown[], unknown[]>;
  /** A lookup by `where` (`WHERE …` with `?` parameters, prepared on first use): the first row, or undefined. */
  one(where: string): (...params: unknown[]) => Row | undefined;
  /** A listing by `where` (`WHERE …`, ORDER BY too, prepared on first use). */
  all(where: string): (...params: unknown[]) => Row[];
}

export function rowReader<T extends SQLiteTable>(
  sqlite: Database.Database,
  table: T,
): RowReader<T['$inferSelect']> {
  const columns = Object.entries(getTableColumns(table)) as [string, Column][];
  const names = columns.map(([property]) => property);
  const decoders = columns.map(([, column]) => column);
  const list = columns.map(([, column]) => quote(column.name)).join(', ');
  const select = `SELECT ${list} FROM ${quote(getTableName(table))}`;

  function map(raw: readonly unknown[]): T['$inferSelect'] {
    const row: Record<string, unknown> = {};
    for (let i = 0; i < names.length; i++) {
      const value = raw[i];
      row[names[i]!] = value === null ? null : decoders[i]!.mapFromDriverValue(value);
    }
    return row as T['$inferSelect'];
  }

  const statement = (sql: string) => lazy(() => sqlite.prepare<unknown[], unknown[]>(sql).raw(true));
  const selectWhere = (where: string) => statement(`${select} ${where}`);

  return {
    columns: list,
    width: columns.length,
    map,
    statement,
    one(where) {
      const prepared = selectWhere(where);
      return (...params) => {
        const raw = prepared().get(...params);
        return raw ? map(raw) : undefined;
      };
    },
    all(where) {
      const prepared = selectWhere(where);
      return (...params) =>
        prepared()
          .all(...params)
          .map(map);
    },
  };
}
