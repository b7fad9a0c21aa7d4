/**
 * xkeeper's own SSH identity: one Ed25519 key pair in DATA_DIR (OpenSSH format, owner-only),
 * made on first use. Nodes trust its public line in their `authorized_keys`; backups carry the
 * private key, so a restored xkeeper still reaches its nodes.
 */
import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type * as Ssh2 from 'ssh2';
import { lazyModule } from '../../lazy-module.ts';

const ssh2 = lazyModule<typeof Ssh2>('ssh2');

/** The private key's file name in DATA_DIR. */
export const SSH_KEY_FILE = 'ssh_ed25519_key';
/** Comment at the end of the public line, so an operator sees whose key it is. */
export const SSH_KEY_COMMENT = 'xkeeper';

export interface SshKey {
  /** The private key, OpenSSH format (what ssh2 and `ssh -i` read). */
  privateKey: string;
  /** `ssh-ed25519 AAAA… xkeeper`: the line for a node's `authorized_keys`. */
  publicLine(): string;
}

function fromPrivate(privateKey: string): SshKey {
  const parsed = ssh2().utils.parseKey(privateKey);
  if (parsed instanceof Error) throw new Error(`the SSH key in DATA_DIR cannot be read: ${parsed.message}`);
  const base64 = parsed.getPublicSSH().toString('base64');
  return { privateKey, publicLine: () => `${parsed.type} ${base64} ${SSH_KEY_COMMENT}` };
}

/** Path of xkeeper's private SSH key in `dataDir`. */
export function sshKeyPath(dataDir: string): string {
  return path.join(dataDir, SSH_KEY_FILE);
}

/**
 * Loads xkeeper's key pair from `dataDir`, making it on first use. Two processes making it at
 * once agree on one key: each writes a temp file and hard-links it into place, which only the
 * first link wins.
 */
/**
 * A new Ed25519 pair that ssh2 itself can read back: its generator drops leading zero bytes of
 * the public key, so about one pair in 256 is unreadable (ssh2 issues #1390, #1513). Such a
 * pair is thrown away before it is ever written.
 */
function generateParsableKeyPair(): { private: string } {
  for (;;) {
    const { utils } = ssh2();
    const pair = utils.generateKeyPairSync('ed25519', { comment: SSH_KEY_COMMENT });
    if (!(utils.parseKey(pair.private) instanceof Error)) return pair;
  }
}

export async function loadOrCreateSshKey(dataDir: string): Promise<SshKey> {
  const file = sshKeyPath(dataDir);
  const existing = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    throw error;
  });
  if (existing !== null) return fromPrivate(existing);

  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const pair = generateParsableKeyPair();
  const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temp, pair.private, { mode: 0o600, flag: 'wx' });
    await link(temp, file).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
  } finally {
    await rm(temp, { force: true });
  }
  return fromPrivate(await readFile(file, 'utf8'));
}
