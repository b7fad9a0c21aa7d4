/**
 * Whether the database changed: a commit by any connection, of this process or another.
 * SQLite's `data_version` moves when another connection commits, this connection's
 * `total_changes()` when it writes. Reading both (~1.5 µs) costs much less than reading a row
 * and building what is shown from it, so answers built from the database can be kept while
 * neither moved.
 */
import type Database from 'better-sqlite3';
import { lazy } from './statements.ts';

/** A generation number that moved if the database changed since it was last read. */
export function createChangeWatch(sqlite: Database.Database): () => number {
  // Two statements: `SELECT … FROM pragma_data_version` prepares the pragma on every run (3 µs).
  const dataVersion = lazy(() => sqlite.prepare<[], number>('PRAGMA data_version').pluck());
  const totalChanges = lazy(() => sqlite.prepare<[], number>('SELECT total_changes()').pluck());
  let seenData = -1;
  let seenTotal = -1;
  let generation = 0;
  return () => {
    const data = dataVersion().get()!;
    const total = totalChanges().get()!;
    if (data !== seenData || total !== seenTotal) {
      seenData = data;
      seenTotal = total;
      generation++;
    }
    return generation;
  };
}
