/**
 * One xkeeper per DATA_DIR: a lock file holding the owner's pid, created exclusively (O_EXCL)
 * before the database or the core is touched and removed on the way out. A lock left by a
 * dead process (a crash, a reboot) is taken over. On Linux the owner's start time is recorded
 * too, so a pid reused by an unrelated process after a reboot does not count as a live owner.
 */
import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const LOCK_FILE = 'xkeeper.lock';

/** Another live xkeeper holds the lock. */
export class AlreadyRunningError extends Error {
  constructor(readonly pid: number) {
    super(`xkeeper is already running on DATA_DIR (pid ${pid})`);
    this.name = 'AlreadyRunningError';
  }
}

interface LockRecord {
  pid: number;
  /** Kernel start time of the process (clock ticks since boot), when /proc tells it. */
  start?: string;
}

/** Field 22 of /proc/PID/stat; undefined where there is no /proc. */
function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count from its closing one.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readRecord(file: string): LockRecord | undefined {
  try {
    const record = JSON.parse(readFileSync(file, 'utf8')) as LockRecord;
    return Number.isInteger(record.pid) && record.pid > 0 ? record : undefined;
  } catch {
    return undefined; // half-written or foreign content: nobody can be holding it
  }
}

/** True when the recorded process is still the one that took the lock. */
function holdsLock(record: LockRecord): boolean {
  if (record.pid === process.pid || !isAlive(record.pid)) return false;
  const start = processStartTime(record.pid);
  return record.start === undefined || start === undefined || start === record.start;
}

/**
 * Takes the lock on `dataDir` (created if missing) for this process.
 * @returns a function that releases it (idempotent).
 * @throws AlreadyRunningError when a live xkeeper holds it.
 */
export function lockDataDir(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(dataDir, LOCK_FILE);
  const record: LockRecord = { pid: process.pid, start: processStartTime(process.pid) };
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(file, JSON.stringify(record), { flag: 'wx', mode: 0o600 });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 3) throw error;
    }
    const holder = readRecord(file);
    if (holder && holdsLock(holder)) throw new AlreadyRunningError(holder.pid);
    // Stale: remove it and race for a fresh exclusive create (the loser sees the winner above).
    try {
      unlinkSync(file);
    } catch {
      // removed by the other contender
    }
  }
  let released = false;
  return () => {
    if (released) return;
    released = true;
    // Only our own lock: never remove one a successor took over.
    if (readRecord(file)?.pid === process.pid) unlinkSync(file);
  };
}
