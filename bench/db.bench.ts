/**
 * Inserting and reading 100,000 keys through the project's DB layer (drizzle) vs raw
 * better-sqlite3 prepared statements, in the same run. Target ≥ 0.5× the raw speed.
 */
import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { openDatabase } from '../src/db/client.ts';
import { runMigrations } from '../src/db/migrate.ts';
import { keys } from '../src/db/schema.ts';
import { timeMs, type Row } from './table.ts';

const N = 100_000;

function freshDb() {
  const db = openDatabase(':memory:');
  runMigrations(db);
  return db;
}

function rowsFor(n: number) {
  return Array.from({ length: n }, (_, i) => ({
    name: `user${i}`,
    uuid: randomUUID(),
    subToken: randomUUID(),
  }));
}

export async function runDbBench(): Promise<Row[]> {
  const data = rowsFor(N);

  const raw = freshDb();
  const rawInsert = raw.$client.prepare('INSERT INTO keys (name, uuid, sub_token) VALUES (?, ?, ?)');
  const rawRead = raw.$client.prepare('SELECT * FROM keys WHERE id = ?');
  const rawInsertMs = await timeMs(() =>
    raw.$client.transaction(() => {
      for (const r of data) rawInsert.run(r.name, r.uuid, r.subToken);
    })(),
  );
  const rawReadMs = await timeMs(() => {
    for (let id = 1; id <= N; id++) rawRead.get(id);
  });

  // The project's hot paths use drizzle's prepared statements with placeholders.
  const db = freshDb();
  const insert = db
    .insert(keys)
    .values({
      name: sql.placeholder('name'),
      uuid: sql.placeholder('uuid'),
      subToken: sql.placeholder('subToken'),
    })
    .prepare();
  const byId = db
    .select()
    .from(keys)
    .where(eq(keys.id, sql.placeholder('id')))
    .prepare();
  const drizzleInsertMs = await timeMs(() =>
    db.transaction(() => {
      for (const r of data) insert.run(r);
    }),
  );
  const drizzleReadMs = await timeMs(() => {
    for (let id = 1; id <= N; id++) byId.get({ id });
  });

  const perSec = (ms: number) => (N / ms) * 1000;
  return [
    {
      name: `insert ${N.toLocaleString('en-US')} keys (one transaction)`,
      value: perSec(drizzleInsertMs),
      unit: 'rows/s',
      baseline: perSec(rawInsertMs),
      ratio: rawInsertMs / drizzleInsertMs,
      target: '≥ 0.5×',
    },
    {
      name: `read ${N.toLocaleString('en-US')} keys by id`,
      value: perSec(drizzleReadMs),
      unit: 'rows/s',
      baseline: perSec(rawReadMs),
      ratio: rawReadMs / drizzleReadMs,
      target: '≥ 0.5×',
    },
  ];
}
