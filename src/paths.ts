/**
 * Where the project's own files are (package.json, locales/, drizzle/, the .proto files),
 * whichever way this module runs: from src/ under tsx, or compiled into dist/ (`npm start`).
 * Found by walking up to xkeeper's package.json, so no module depends on its depth.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function findProjectRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === 'xkeeper') return dir;
    } catch {
      // No (readable) package.json here: keep walking up.
    }
    if (path.dirname(dir) === dir) throw new Error(`xkeeper's package.json not found above ${from}`);
  }
}

export const PROJECT_ROOT = findProjectRoot(path.dirname(fileURLToPath(import.meta.url)));

/** A path inside the project, e.g. `projectPath('locales')`. */
export function projectPath(...parts: string[]): string {
  return path.join(PROJECT_ROOT, ...parts);
}
