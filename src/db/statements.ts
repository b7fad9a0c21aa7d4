/** Prepared statements made on first use, so services can be built before migrations run. */
import type Database from 'better-sqlite3';

/** A value made on first use (drizzle prepared statements, say). */
export function lazy<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= make());
}

/** Returns a function that prepares `sql` once, on its first call. */
export function lazyStatement(sqlite: Database.Database, sql: string): () => Database.Statement {
  let statement: Database.Statement | undefined;
  return () => (statement ??= sqlite.prepare(sql));
}

/**
 * A statement over many rows at once: `build(n)` returns SQL for `n` rows. Statements are
 * prepared once per row count. Crossing from JS into SQLite once per chunk instead of once
 * per row is what keeps a 100k-row write fast.
 */
export function chunkedStatement(sqlite: Database.Database, build: (rows: number) => string, chunk = 200) {
  const prepared = new Map<number, Database.Statement>();
  const statementFor = (rows: number) => {
    let statement = prepared.get(rows);
    if (!statement) {
      statement = sqlite.prepare(build(rows));
      prepared.set(rows, statement);
    }
    return statement;
  };
  return {
    /**
     * Rows streamed into the statement, `leading` parameters first in every run. Values go
     * straight into one flat parameter array that runs each time it holds `chunk` rows, so
     * a 100k-row write never holds 100k row arrays at once. `end()` runs the rest and
     * returns the total of changes.
     */
    batch(leading: readonly unknown[] = []) {
      const params: unknown[] = [...leading];
      let rows = 0;
      let changes = 0;
      const flush = () => {
        if (rows > 0) changes += statementFor(rows).run(params).changes;
        params.length = leading.length;
        rows = 0;
      };
      return {
        /** Adds one row: its values in column order. */
        add(...values: unknown[]): void {
          for (const value of values) params.push(value);
          if (++rows === chunk) flush();
        },
        end(): number {
          flush();
          return changes;
        },
      };
    },
  };
}

/** `(?, ?, ?), (?, ?, ?)…`: placeholders for `rows` rows of `columns` values. */
export function valuesPlaceholders(rows: number, columns: number): string {
  const row = `(${Array.from({ length: columns }, () => '?').join(', ')})`;
  return Array.from({ length: rows }, () => row).join(', ');
}
