#!/usr/bin/env node
// The `xkeeper` CLI. Runs the compiled build (dist/, made by `npm run build` and `npm start`)
// when it is at least as new as every file in src/: a call then costs a plain node start.
// Otherwise (a fresh clone, or sources edited since the last build) it runs the TypeScript
// through tsx, so `npx xkeeper` works straight after `npm ci`, only slower.
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

function mtimeOf(file) {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return -1; // missing
  }
}

function newestSource() {
  const src = path.join(root, 'src');
  let newest = 0;
  if (mtimeOf(src) < 0) return newest; // shipped without sources: the build is all there is
  for (const file of readdirSync(src, { recursive: true })) {
    newest = Math.max(newest, mtimeOf(path.join(src, file)));
  }
  return newest;
}

const built = mtimeOf(path.join(root, 'dist', 'cli.js'));
if (!(built >= 0 && built >= newestSource() && (await loadedBuild()))) {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli.ts');
}

/** Runs dist/cli.js; false when a rebuild swapping dist/ at this instant left a module missing. */
async function loadedBuild() {
  try {
    await import('../dist/cli.js');
    return true;
  } catch (error) {
    // Linking fails before any of the CLI runs, so the sources can still take over.
    if (error?.code === 'ERR_MODULE_NOT_FOUND') return false;
    throw error;
  }
}
