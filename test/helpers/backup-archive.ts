/** Edits the database inside a backup archive, as someone holding a downloaded backup could. */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tar from 'tar';
import { openDatabase } from '../../src/db/client.ts';

/** Runs `sql` on the archive's database and writes the repacked archive to `out`. */
export async function tamperBackup(file: string, sql: string, out: string): Promise<string> {
  const dir = mkdtempSync(path.join(tmpdir(), 'xk-tamper-'));
  try {
    await tar.extract({ file, cwd: dir });
    const db = openDatabase(path.join(dir, 'xkeeper.db'));
    db.$client.exec(sql);
    db.$client.pragma('wal_checkpoint(TRUNCATE)');
    db.$client.close();
    const entries = readdirSync(dir).filter((f) => !f.endsWith('-wal') && !f.endsWith('-shm'));
    await tar.create({ gzip: true, file: out, cwd: dir, portable: true }, entries);
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
