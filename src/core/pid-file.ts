/**
 * `core.pid` in DATA_DIR: which core process xkeeper started and from which settings, so a
 * new xkeeper finds a core left running by a crashed one instead of starting a second.
 */
import { readFileSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';

/** What the pid file records about a running core. */
export interface PidRecord {
  pid: number;
  /** {@link settingsHash} of the config the core was started with. */
  configHash: string;
  bin: string;
  configPath: string;
  /** ISO time of the start. */
  startedAt: string;
}

/** Reads the pid file; null when absent or unreadable. */
export async function readPidFile(file: string): Promise<PidRecord | null> {
  try {
    const record = JSON.parse(await readFile(file, 'utf8')) as Partial<PidRecord>;
    if (typeof record.pid !== 'number' || typeof record.configHash !== 'string') return null;
    return {
      pid: record.pid,
      configHash: record.configHash,
      bin: String(record.bin ?? ''),
      configPath: String(record.configPath ?? ''),
      startedAt: String(record.startedAt ?? ''),
    };
  } catch {
    return null;
  }
}

/** Writes the pid file (owner-only). */
export async function writePidFile(file: string, record: PidRecord): Promise<void> {
  await writeFile(file, `${JSON.stringify(record)}\n`, { mode: 0o600 });
}

/** Removes the pid file if present. */
export async function removePidFile(file: string): Promise<void> {
  await rm(file, { force: true });
}

/**
 * True while a process with this pid exists and has not exited (a zombie awaiting its parent
 * counts as gone: it holds no ports). EPERM means it exists but is not ours to signal.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return process.platform !== 'linux';
  }
}

/**
 * True when `record.pid` is alive and is still the core it names: its command line holds the
 * config path (guards against the pid having been reused by another program). Where /proc
 * does not exist, liveness alone decides.
 */
export async function isRecordedCore(record: PidRecord): Promise<boolean> {
  if (!isAlive(record.pid)) return false;
  try {
    const cmdline = await readFile(`/proc/${record.pid}/cmdline`, 'utf8');
    return cmdline.split('\0').includes(record.configPath);
  } catch {
    return process.platform !== 'linux';
  }
}
