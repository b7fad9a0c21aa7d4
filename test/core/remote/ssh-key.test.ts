/**
 * xkeeper's SSH key is readable whatever pair the generator drew: ssh2's generator drops
 * leading zero bytes of an Ed25519 public key, so about one pair in 256 could not be read
 * back, and the install that drew it could never reach a node (`node key` failed for good).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { loadOrCreateSshKey } from '../../../src/core/remote/ssh-key.ts';

it('every new key can be read back and gives its public line (1,500 fresh DATA_DIRs)', async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'xk-keys-'));
  try {
    const failures: string[] = [];
    for (let i = 0; i < 1500; i++) {
      const dir = path.join(root, String(i));
      try {
        const key = await loadOrCreateSshKey(dir);
        expect(key.publicLine()).toMatch(/^ssh-ed25519 [A-Za-z0-9+/]{68} xkeeper$/);
        // And again from the file, as every later start reads it.
        expect((await loadOrCreateSshKey(dir)).publicLine()).toBe(key.publicLine());
      } catch (error) {
        failures.push(String(error));
      }
    }
    expect(failures).toEqual([]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}, 120_000);
