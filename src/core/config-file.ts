/**
 * Installs a rendered config on disk: validated by the core itself (`-test`) before it
 * replaces anything, written atomically (temp file + rename), the previous file kept as `.prev`.
 */
import { execFile } from 'node:child_process';
import { copyFile, link, mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { type CoreConfig, coreConfigPieces } from './config.ts';
import { type Flavor, testArgs } from './flavor.ts';

/** Outcome of {@link installConfig}. */
export type InstallResult = { ok: true; changed: boolean } | { ok: false; message: string };

const TEST_TIMEOUT_MS = 30_000;

/** Keeps the lines of core output that explain a failure: no banner, info lines or stack. */
export function coreErrorMessage(output: string): string {
  const lines = output
    .split('\n')
    .map((line) => line.trim())
    .filter(
      (line) =>
        line !== '' &&
        !/^(Xray|V2Ray) \d/.test(line) &&
        !line.startsWith('A unified platform') &&
        !/\[(Info|Debug)\]/.test(line) &&
        !line.startsWith('goroutine ') &&
        !/\.go:\d+/.test(line) &&
        !/^[\w./-]+\(.*\)$/.test(line),
    );
  return lines.join('; ').slice(0, 1000) || 'the core refused the config without a message';
}

/** Runs the core's config test on `file`; resolves with null when it passes. */
export function testConfigFile(flavor: Flavor, file: string): Promise<string | null> {
  return new Promise((resolve) => {
    execFile(
      flavor.bin,
      testArgs(flavor.name, file),
      { timeout: TEST_TIMEOUT_MS, maxBuffer: 4 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (!error) resolve(null);
        else resolve(coreErrorMessage(`${stdout}\n${stderr}`) || error.message);
      },
    );
  });
}

/**
 * Validates `config` with the core and, if it passes, atomically installs it at `file`
 * (owner-only: it holds the REALITY private key). An unchanged config is not installed again
 * (it is written to the temp file and compared with the installed one, which stays untouched).
 * `validate: false` skips the core's `-test` (a process spawn) when only the users changed
 * since a config with the same settings passed it: valid users cannot make it invalid.
 * Never throws for a refused config; throws only on I/O errors.
 */
export async function installConfig(
  flavor: Flavor,
  file: string,
  config: CoreConfig,
  { validate = true }: { validate?: boolean } = {},
): Promise<InstallResult> {
  await mkdir(path.dirname(file), { recursive: true });
  // Xray picks the parser by extension, so the temp file keeps `.json`.
  const temp = `${file.replace(/\.json$/, '')}.${process.pid}.tmp.json`;
  try {
    await writePieces(temp, coreConfigPieces(config));
    if (await sameContent(temp, file)) return { ok: true, changed: false };
    const refusal = validate ? await testConfigFile(flavor, temp) : null;
    if (refusal !== null) return { ok: false, message: refusal };
    if (await exists(file)) {
      // The installed file becomes `.prev` by a second name, not a copy; `file` never goes missing.
      await rm(`${file}.prev`, { force: true });
      await link(file, `${file}.prev`).catch(() => copyFile(file, `${file}.prev`));
    }
    await rename(temp, file);
    return { ok: true, changed: true };
  } finally {
    await rm(temp, { force: true });
  }
}

/** Writes `pieces` to `file`, created anew and owner-only (it holds the REALITY private key). */
async function writePieces(file: string, pieces: Iterable<string>): Promise<void> {
  await rm(file, { force: true });
  const handle = await open(file, 'wx', 0o600);
  try {
    // writeFile, unlike write, goes on after a partial write and throws when the disk is full.
    for (const piece of pieces) await handle.writeFile(piece);
  } finally {
    await handle.close();
  }
}

const exists = (file: string) =>
  stat(file).then(
    () => true,
    () => false,
  );

/** Whether two files hold the same bytes (false when either is missing), read a MB at a time. */
async function sameContent(a: string, b: string): Promise<boolean> {
  const fileA = await open(a).catch(() => null);
  if (!fileA) return false;
  try {
    const fileB = await open(b).catch(() => null);
    if (!fileB) return false;
    try {
      const [{ size }, { size: sizeB }] = await Promise.all([fileA.stat(), fileB.stat()]);
      if (size !== sizeB) return false;
      const chunk = 1024 * 1024;
      const bufA = Buffer.alloc(chunk);
      const bufB = Buffer.alloc(chunk);
      for (let at = 0; at < size;) {
        const [readA, readB] = await Promise.all([
          fileA.read(bufA, 0, chunk, at),
          fileB.read(bufB, 0, chunk, at),
        ]);
        const n = readA.bytesRead;
        if (n === 0 || n !== readB.bytesRead || !bufA.subarray(0, n).equals(bufB.subarray(0, n)))
          return false;
        at += n;
      }
      return true;
    } finally {
      await fileB.close();
    }
  } finally {
    await fileA.close();
  }
}

/** Reads an installed config; null when it is missing or not JSON. */
export async function readInstalledConfig(file: string): Promise<CoreConfig | null> {
  try {
    const parsed: unknown = JSON.parse(await readFile(file, 'utf8'));
    return parsed && typeof parsed === 'object' ? (parsed as CoreConfig) : null;
  } catch {
    return null;
  }
}
