/**
 * `xkeeper restore FILE --yes` with hostile archives, as a child process: refused with
 * BACKUP_INVALID in bounded memory (peak RSS read from /proc while it runs), nothing live
 * changed, no temporary files left.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/client.ts';
import { systemClock } from '../../src/services/clock.ts';
import { createServices } from '../../src/services/index.ts';
import { bombArchive, manyEntriesArchive } from '../helpers/backup-archive.ts';
import { runCli } from '../helpers/cli.ts';
import { dataDirDb, silentLogger, tempDir, testConfig } from '../helpers/db.ts';
import { watchPeakRss } from '../helpers/rss.ts';

const tmp = tempDir();
const scratch = path.join(tmp.dir, 'tmp');
const env = { DATA_DIR: path.join(tmp.dir, 'data'), ADMIN_IDS: '42', TMPDIR: scratch };
afterAll(() => tmp.cleanup());

const keyNames = () => {
  const db = openDatabase(path.join(env.DATA_DIR, 'xkeeper.db'));
  try {
    return db.$client.prepare('SELECT name FROM keys ORDER BY name').all();
  } finally {
    db.$client.close();
  }
};

/** What xkeeper left in TMPDIR (tsx keeps its cache there too). */
const ourTempFiles = () => readdirSync(scratch).filter((name) => name.startsWith('xkeeper-'));

/** Runs `restore FILE --yes` and returns the result with the child's peak RSS in MiB. */
async function restore(file: string) {
  let watch: ReturnType<typeof watchPeakRss> | undefined;
  const result = await runCli(
    ['restore', file, '--yes', '--json'],
    env,
    (pid) => (watch = watchPeakRss(pid)),
  );
  return { ...result, peak: watch!.stop() };
}

beforeAll(async () => {
  mkdirSync(scratch);
  const db = dataDirDb(env.DATA_DIR);
  const services = createServices({ db, config: testConfig(env), logger: silentLogger, clock: systemClock });
  await services.keys.create({ name: 'ann' }, 'test');
  db.$client.close();
});

describe('xkeeper restore with hostile archives', () => {
  it('refuses a bomb and a 100 000-entry archive with peak RSS within 100 MB of a plain refusal', async () => {
    const before = keyNames();
    // The same command refusing a small file that is no archive at all: the baseline.
    const junk = path.join(tmp.dir, 'junk.tar.gz');
    writeFileSync(junk, randomBytes(4096));
    const baseline = await restore(junk);
    expect(baseline.code).toBe(1);
    expect(baseline.stderr).toMatch(/BACKUP_INVALID/);

    const cases = [
      [bombArchive(path.join(tmp.dir, 'bomb.tar.gz'), 1 * 2 ** 30), /more than 100 times its size/],
      [manyEntriesArchive(path.join(tmp.dir, 'many.tar.gz'), 100_000), /more than 8 entries/],
    ] as const;
    for (const [file, reason] of cases) {
      const run = await restore(file);
      console.log(
        `${path.basename(file)}: CLI peak RSS ${run.peak.toFixed(1)} MiB (plain refusal ${baseline.peak.toFixed(1)} MiB)`,
      );
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(/BACKUP_INVALID/);
      expect(run.stderr).toMatch(reason);
      expect(run.peak - baseline.peak).toBeLessThan(100);
      expect(keyNames()).toEqual(before);
      expect(ourTempFiles()).toEqual([]);
      expect(existsSync(path.join(env.DATA_DIR, 'backups'))).toBe(false); // no pre-restore archive
    }
  }, 180_000);
});
