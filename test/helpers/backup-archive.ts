/** Edits the database inside a backup archive, as someone holding a downloaded backup could. */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
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

const MiB = 2 ** 20;

/** One tar header block for a plain file. */
function tarHeader(name: string, size: number): Buffer {
  const block = Buffer.alloc(512);
  new tar.Header({ path: name, mode: 0o600, size, type: 'File', mtime: new Date(0) }).encode(block);
  return block;
}

/**
 * A decompression bomb: a gzip'd tar whose `xkeeper.db` is `bytes` of zeros (a multiple of
 * 16 MiB), about 1/1000 of that on disk. Built from one compressed 16 MiB run repeated as
 * gzip members (a valid gzip stream), so making it costs a fraction of a second.
 */
export function bombArchive(out: string, bytes: number): string {
  const run = gzipSync(Buffer.alloc(16 * MiB), { level: 9 });
  const parts = [gzipSync(tarHeader('xkeeper.db', bytes))];
  for (let i = 0; i < bytes / (16 * MiB); i++) parts.push(run);
  parts.push(gzipSync(Buffer.alloc(1024))); // the tar's end blocks
  writeFileSync(out, Buffer.concat(parts));
  return out;
}

/** A gzip'd tar of `count` empty files (one header repeated: encoding 100 000 takes seconds). */
export function manyEntriesArchive(out: string, count: number): string {
  const blocks = new Array<Buffer>(count).fill(tarHeader('empty', 0));
  writeFileSync(out, gzipSync(Buffer.concat([...blocks, Buffer.alloc(1024)])));
  return out;
}
