/**
 * DATA_DIR holds the REALITY private key, every subscription token, API key hashes and
 * backups of all of them: it is the owner's alone. Everything this process creates is
 * owner-only whatever the umask it was started with, and what an older install or a careless
 * copy left readable by others is tightened at start.
 */
import { chmodSync, lstatSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';

/** Group and other permission bits: none of them belong on anything in DATA_DIR. */
const OTHERS = 0o077;
/** Walking stops this deep: DATA_DIR's own layout is shallow (backups/, bin/, incoming/). */
const MAX_DEPTH = 4;

function tighten(file: string, depth: number, changed: string[]): void {
  const stat = lstatSync(file);
  if (stat.isSymbolicLink()) return;
  if (stat.mode & OTHERS) {
    chmodSync(file, stat.mode & 0o700);
    changed.push(file);
  }
  if (stat.isDirectory() && depth < MAX_DEPTH) {
    for (const entry of readdirSync(file)) tighten(path.join(file, entry), depth + 1, changed);
  }
}

/**
 * Makes the process create owner-only files from now on (umask 077), creates `dataDir` 0700
 * when missing, and removes group/other bits from it and everything in it. Returns the paths
 * it tightened (the caller logs them).
 */
export function secureDataDir(dataDir: string): string[] {
  process.umask(OTHERS);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const changed: string[] = [];
  tighten(dataDir, 0, changed);
  return changed;
}
