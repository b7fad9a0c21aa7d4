/**
 * Secrets at rest: DATA_DIR is 0700 and the database (with its -wal/-shm), backups (also
 * with --out) and everything else in it 0600, whatever the umask; a DATA_DIR left open to
 * others is tightened. Through the real CLI, started with umask 022.
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { tempDir } from '../helpers/db.ts';

const mode = (file: string) => statSync(file).mode & 0o777;

describe('file modes of secrets at rest (CLI, umask 022)', () => {
  const tmp = tempDir();
  const dataDir = path.join(tmp.dir, 'data');
  const env = { DATA_DIR: dataDir, CORE_BIN: '/nonexistent/xray' };
  let previousUmask: number;

  beforeAll(() => {
    // The child inherits this: a typical login umask that leaves files world-readable.
    previousUmask = process.umask(0o022);
    mkdirSync(dataDir, { mode: 0o755 });
    chmodSync(dataDir, 0o755);
    writeFileSync(path.join(dataDir, 'left-by-an-old-install.json'), '{}', { mode: 0o644 });
  });
  afterAll(() => {
    process.umask(previousUmask);
    tmp.cleanup();
  });

  it('tightens an existing DATA_DIR and creates the database owner-only', async () => {
    const result = await runCli(['key', 'create', 'alice', '--json'], env);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/owner-only/);
    expect(mode(dataDir)).toBe(0o700);
    expect(mode(path.join(dataDir, 'left-by-an-old-install.json'))).toBe(0o600);
    for (const file of ['xkeeper.db', 'xkeeper.db-wal', 'xkeeper.db-shm']) {
      const full = path.join(dataDir, file);
      if (existsSync(full)) expect([file, mode(full)]).toEqual([file, 0o600]);
    }
    expect(existsSync(path.join(dataDir, 'xkeeper.db'))).toBe(true);
    // Once tight, nothing more to say.
    const again = await runCli(['key', 'show', 'alice', '--json'], env);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).not.toMatch(/owner-only/);
  });

  it('writes backups owner-only, in DATA_DIR/backups and with --out over an existing file', async () => {
    const made = await runCli(['backup', '--json'], env);
    expect(made.code, made.stderr).toBe(0);
    const backupsDir = path.join(dataDir, 'backups');
    expect(mode(backupsDir)).toBe(0o700);
    for (const file of readdirSync(backupsDir)) expect(mode(path.join(backupsDir, file))).toBe(0o600);
    expect(mode(made.json<{ file: string }>().file)).toBe(0o600);

    const out = path.join(tmp.dir, 'elsewhere.tar.gz');
    writeFileSync(out, 'an older file anyone may read', { mode: 0o644 });
    chmodSync(out, 0o644);
    const copied = await runCli(['backup', '--out', out, '--json'], env);
    expect(copied.code, copied.stderr).toBe(0);
    expect(mode(out)).toBe(0o600);
  });
});
