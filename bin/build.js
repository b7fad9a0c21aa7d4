#!/usr/bin/env node
/**
 * `npm run build` (and `npm start`'s prestart, with --if-current): compiles src/ for plain node.
 *
 * Each build goes into its own folder, dist-<hash of the sources>, and `dist` is a symlink
 * swapped to it by rename, which is atomic. A running xkeeper loaded its modules through the
 * symlink's real path (node resolves it), so its later lazy imports keep reading its own,
 * untouched tree however often others build. With --if-current nothing is compiled when dist
 * already points at a build of these sources: a second `npm start` changes no file at all.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  lstatSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const at = (...parts) => path.join(root, ...parts);
/** Builds kept: the current one and the one before it (an instance may still run from it). */
const KEPT = 2;

function sourceHash() {
  const hash = createHash('sha256');
  const files = readdirSync(at('src'), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)))
    .concat(['tsconfig.json', 'tsconfig.build.json', 'package.json'])
    .sort();
  for (const file of files)
    hash
      .update(`${file}\0`)
      .update(readFileSync(at(file)))
      .update('\0');
  return hash.digest('hex').slice(0, 16);
}

function currentTarget() {
  try {
    return lstatSync(at('dist')).isSymbolicLink() ? readlinkSync(at('dist')) : null;
  } catch {
    return null;
  }
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

/**
 * Dates a build of the current sources as new as them: bin/xkeeper.js runs dist/ only when
 * dist/cli.js is at least as new as every source file. Sources rewritten with the same content
 * (a checkout back and forth, a pull that changed nothing here) reuse the build by its hash,
 * so without this the CLI would go on running the TypeScript through tsx, several times slower.
 */
function markCurrent(build) {
  let newest = 0;
  for (const entry of readdirSync(at('src'), { recursive: true, withFileTypes: true })) {
    newest = Math.max(newest, statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
  }
  // 1 ms ahead of now: utimes takes seconds, and a fraction lost would date the build just
  // before a source written this very millisecond. Never further: a source edited after this
  // build must still count as newer. A source dated ahead of this clock (an archive, skew)
  // leaves the build as it was, run through tsx until that time, as before.
  const stamp = Date.now() + 1;
  if (newest > stamp) return;
  try {
    utimesSync(at(build, 'cli.js'), stamp / 1000, stamp / 1000);
  } catch {
    // Not this user's file (built by another, run read-only): the CLI may run the sources
    // through tsx, slower, but `npm start` must not fail over a date.
  }
}

const target = `dist-${sourceHash()}`;
const previous = currentTarget();
if (process.argv.includes('--if-current') && previous === target && existsSync(at(target, 'main.js'))) {
  markCurrent(target);
  process.stdout.write(`dist/ is current (${target})\n`);
  process.exit(0);
}

if (!existsSync(at(target, 'main.js'))) {
  const temp = `${target}.tmp-${process.pid}`;
  rmSync(at(temp), { recursive: true, force: true });
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', temp], {
    cwd: root,
    stdio: 'inherit',
  });
  try {
    renameSync(at(temp), at(target));
  } catch {
    rmSync(at(temp), { recursive: true, force: true }); // a concurrent build of the same sources won
  }
}

markCurrent(target);

// A dist/ folder from before this layout: moved aside, never deleted under a running instance.
if (existsSync(at('dist')) && !lstatSync(at('dist')).isSymbolicLink()) {
  rmSync(at('dist-legacy'), { recursive: true, force: true });
  renameSync(at('dist'), at('dist-legacy'));
}
const link = `dist.link-${process.pid}`;
rmSync(at(link), { force: true });
symlinkSync(target, at(link));
renameSync(at(link), at('dist'));
process.stdout.write(`dist/ → ${target}\n`);

// Older builds go, except the one dist pointed at until now; so do leftovers of dead builds.
const keep = new Set([target, previous].slice(0, KEPT));
for (const name of readdirSync(root)) {
  const temp = /^dist.*\.(?:tmp|link)-(\d+)$/.exec(name);
  if (temp) {
    if (!isAlive(Number(temp[1]))) rmSync(at(name), { recursive: true, force: true });
  } else if (/^dist-[0-9a-f]{16}$/.test(name) && !keep.has(name)) {
    rmSync(at(name), { recursive: true, force: true });
  }
}
