/** Prepared statements made on first use, so services can be built before migrations run. */
import type Database from 'better-sqlite3';

/** Returns a function that prepares `sql` once, on its first call. */
export function lazyStatement(sqlite: Database.Database, sql: string): () => Database.Statement {
  let statement: Database.Statement | undefined;
  return () => (statement ??= sqlite.prepare(sql));
}
