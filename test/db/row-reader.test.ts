import { eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { rowReader } from '../../src/db/row-reader.ts';
import { apiKeys, keys, telegramUsers } from '../../src/db/schema.ts';
import { testDb } from '../helpers/db.ts';

describe('rowReader', () => {
  it('maps a key row exactly as drizzle select() does, every column set', () => {
    const db = testDb();
    db.insert(keys)
      .values({
        name: 'Alice',
        uuid: 'b831381d-6324-4d53-ad4f-8cda48b30811',
        status: 'on_hold',
        trafficLimitBytes: 5 * 2 ** 40,
        uploadBytes: 2 ** 40 + 7,
        downloadBytes: 3,
        lifetimeUsedBytes: 2 ** 41,
        expireAt: new Date('2027-01-02T03:04:05.678Z'),
        onHoldDurationSeconds: 86_400,
        onHoldDeadline: new Date('2027-02-01T00:00:00.001Z'),
        resetStrategy: 'calendar_month',
        lastResetAt: new Date('2026-12-01T00:00:00.000Z'),
        ownerTelegramId: 9_007_199_254,
        note: 'a "quoted" note',
        subToken: 'tok',
        createdBy: 'test',
        onlineAt: new Date('2026-12-07T10:00:00.000Z'),
        firstConnectedAt: new Date('2026-12-06T10:00:00.000Z'),
      })
      .run();
    const reader = rowReader(db.$client, keys);
    const byName = reader.one('WHERE lower(name) = lower(?)');
    const expected = db.select().from(keys).where(eq(keys.name, 'Alice')).get();

    const row = byName('alice');
    expect(row).toEqual(expected);
    expect(Object.keys(row!)).toEqual(Object.keys(expected!));
    expect(row!.expireAt).toBeInstanceOf(Date);
    expect(byName('bob')).toBeUndefined();
  });

  it('maps nulls, booleans and JSON columns as drizzle does, and lists rows in order', () => {
    const db = testDb();
    db.insert(telegramUsers)
      .values([
        { id: 2, username: null, banned: true, reachable: false },
        { id: 1, username: 'one', banned: false },
      ])
      .run();
    db.insert(apiKeys)
      .values({ name: 'k', keyHash: 'h', prefix: 'p', scopes: ['users:read', 'stats:read'] })
      .run();

    const users = rowReader(db.$client, telegramUsers).all('ORDER BY id');
    expect(users()).toEqual(db.select().from(telegramUsers).orderBy(telegramUsers.id).all());
    expect(users()[1]!.banned).toBe(true);

    const key = rowReader(db.$client, apiKeys).one('WHERE name = ?')('k');
    expect(key).toEqual(
      db
        .select()
        .from(apiKeys)
        .where(sql`name = 'k'`)
        .get(),
    );
    expect(key!.scopes).toEqual(['users:read', 'stats:read']);
  });
});
