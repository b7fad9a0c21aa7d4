import { readFileSync, rmSync, statSync } from 'node:fs';
import * as tar from 'tar';
import { afterEach, describe, expect, it } from 'vitest';
import { loadOrCreateSshKey, sshKeyPath, SSH_KEY_FILE } from '../../src/core/remote/ssh-key.ts';
import { dataDirDb, memoryCoreServices, tempDir } from '../helpers/db.ts';

const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

function setup() {
  const tmp = tempDir();
  cleanups.push(tmp.cleanup);
  const db = dataDirDb(tmp.dir);
  cleanups.push(() => db.$client.close());
  const { services } = memoryCoreServices({ DATA_DIR: tmp.dir }, { now: '2026-11-27T10:00:00Z', db });
  return { dir: tmp.dir, services };
}

async function entriesOf(file: string): Promise<string[]> {
  const names: string[] = [];
  await tar.list({ file, onReadEntry: (entry) => names.push(entry.path) });
  return names;
}

describe("backups carry xkeeper's SSH key", () => {
  it('archives the key and a restore puts it back, owner-only', async () => {
    const { dir, services } = setup();
    const key = await loadOrCreateSshKey(dir);
    const backup = await services.backups.create({ actor: 'cli' });
    expect(await entriesOf(backup.file)).toContain(SSH_KEY_FILE);

    // The key is lost (a new machine, a wiped DATA_DIR): the restore brings it back.
    rmSync(sshKeyPath(dir));
    await services.backups.restore(backup.file, 'cli');
    expect(readFileSync(sshKeyPath(dir), 'utf8')).toBe(key.privateKey);
    expect(statSync(sshKeyPath(dir)).mode & 0o777).toBe(0o600);
    expect((await loadOrCreateSshKey(dir)).publicLine()).toBe(key.publicLine());
  });

  it('an install without a key backs up and restores as before', async () => {
    const { dir, services } = setup();
    const backup = await services.backups.create({ actor: 'cli' });
    expect(await entriesOf(backup.file)).not.toContain(SSH_KEY_FILE);
    await services.backups.restore(backup.file, 'cli');
    expect(() => statSync(sshKeyPath(dir))).toThrow();
  });
});
