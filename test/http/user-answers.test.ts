/**
 * GET /api/v1/users/{username} keeps its serialized answer while nothing it is built from
 * changed (src/http/answer-cache.ts, services.viewStamp). A change to the key must show in the
 * next answer: a write through the API, a commit by another connection (the API thread, the
 * CLI, sqlite3 by hand), a backup restored; so must a node down long enough to drop out by
 * time alone, and another core. Real HTTP, real SQLite on disk.
 */
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { databasePath } from '../../src/db/client.ts';
import type { Node } from '../../src/db/schema.ts';
import { dataDirDb, tempDir, testServices } from '../helpers/db.ts';
import { testHttpServer } from '../helpers/http-server.ts';
import { createMemoryCore } from '../helpers/memory-core.ts';
import { realityLink, withKey } from './fixture.ts';

const MINUTE = 60_000;

describe('GET one user, answered from what was kept while nothing changed', () => {
  const dir = tempDir('xk-user-answers-');
  const { services, config, clock } = testServices({ DATA_DIR: dir.dir }, { db: dataDirDb(dir.dir) });
  const memory = createMemoryCore();
  services.attachCore({ ...memory.core, shareLink: realityLink });
  const app = testHttpServer({ config, services, checkResponses: true });
  const key = services.apiKeys.create({ name: 'test', scopes: ['users:*'] }, 'test').key;
  // Another connection to the same file, as the API thread, the CLI or sqlite3 would have.
  const other = new Database(databasePath(dir.dir));
  let frankfurt: Node;

  const get = (name = 'alice') =>
    app.inject({ method: 'GET', url: `/api/v1/users/${name}`, headers: withKey(key) });
  const linkNames = async () =>
    ((await get()).json().links as string[]).map((link) => decodeURIComponent(link.split('#')[1]!));

  beforeAll(async () => {
    frankfurt = services.nodes.create(
      { name: 'fra', address: 'fra.example.net', port: 8443, transport: 'direct', direct: '10.0.0.2:10085' },
      'test',
    );
    await services.keys.create({ name: 'alice', note: 'first' }, 'test');
  });
  afterAll(async () => {
    other.close();
    await app.close();
    dir.cleanup();
  });

  it('answers the same bytes and type from what it kept as from the database', async () => {
    const reads = vi.spyOn(services, 'viewByName');
    try {
      const first = await get();
      const second = await get();
      const head = await app.inject({ method: 'HEAD', url: '/api/v1/users/alice', headers: withKey(key) });
      // Built once: the second answer and the HEAD were the kept one.
      expect(reads).toHaveBeenCalledTimes(1);
      expect(first.statusCode).toBe(200);
      expect(second.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(second.body).toBe(first.body);
      expect(head.statusCode).toBe(200);
      expect(head.headers['content-length']).toBe(String(Buffer.byteLength(first.body)));
      expect(second.json()).toEqual(services.viewByName('alice'));
      expect((await get('nobody')).statusCode).toBe(404);
    } finally {
      reads.mockRestore();
    }
  });

  it('shows a change made through the API at once', async () => {
    await get();
    const patched = await app.inject({
      method: 'PATCH',
      url: '/api/v1/users/alice',
      headers: withKey(key),
      payload: { note: 'second' },
    });
    expect(patched.statusCode).toBe(200);
    expect((await get()).json().note).toBe('second');
  });

  it('shows a change committed by another connection at once', async () => {
    expect((await get()).json().note).toBe('second');
    other.prepare("UPDATE keys SET note = 'from elsewhere', upload_bytes = 5 WHERE name = 'alice'").run();
    expect((await get()).json()).toMatchObject({ note: 'from elsewhere', upload_bytes: 5 });
  });

  it('shows a key restored from a backup at once', async () => {
    const backup = await services.backups.create({ actor: 'test' });
    const before = (await get()).json().note as string;
    other.prepare("UPDATE keys SET note = 'after the backup' WHERE name = 'alice'").run();
    expect((await get()).json().note).toBe('after the backup');
    await services.backups.restore(backup.file, 'test');
    expect((await get()).json().note).toBe(before);
  });

  it('drops a node down too long from the links by time alone, with nothing written', async () => {
    for (let i = 0; i < 3; i++) services.nodes.recordHealth(frankfurt.id, { ok: false, error: 'timeout' });
    expect(await linkNames()).toEqual(['alice', 'fra']);
    clock.advance(11 * MINUTE);
    expect(await linkNames()).toEqual(['alice']);
    services.nodes.recordHealth(frankfurt.id, { ok: true, rttMs: 5 });
    expect(await linkNames()).toEqual(['alice', 'fra']);
  });

  it('shows the links of another core once it is attached', async () => {
    const before = (await get()).json().links[0] as string;
    services.attachCore({ ...memory.core, shareLink: (u) => `vless://${u.uuid}@other.example.com:443#x` });
    const after = (await get()).json().links[0] as string;
    expect(after).not.toBe(before);
    expect(after).toContain('@other.example.com:443');
  });
});
