import { describe, expect, it } from 'vitest';
import { createSqliteStorage } from '../../src/db/storage.ts';
import { testDb } from '../helpers/db.ts';

describe('session storage on the migrated schema', () => {
  it('reads, overwrites and deletes JSON values, each prefix apart', () => {
    const db = testDb();
    const sessions = createSqliteStorage<{ lang?: string }>(db, 'session');
    const talks = createSqliteStorage<{ step: number }>(db, 'conversation');
    expect(sessions.read('7')).toBeUndefined();
    sessions.write('7', { lang: 'ru' });
    talks.write('7', { step: 2 });
    sessions.write('7', { lang: 'en' });
    expect(sessions.read('7')).toEqual({ lang: 'en' });
    expect(talks.read('7')).toEqual({ step: 2 });
    expect(db.$client.prepare('SELECT key FROM bot_sessions ORDER BY key').pluck().all()).toEqual([
      'conversation:7',
      'session:7',
    ]);
    sessions.delete('7');
    expect(sessions.read('7')).toBeUndefined();
    expect(talks.read('7')).toEqual({ step: 2 });
  });

  it('keeps what was written across a reopened storage (a restart)', () => {
    const db = testDb();
    createSqliteStorage(db, 'session').write('9', { lang: 'ru' });
    expect(createSqliteStorage(db, 'session').read('9')).toEqual({ lang: 'ru' });
  });
});
