/**
 * Carries the core's output into pino. The core writes to a file in DATA_DIR, not to a pipe:
 * a Go program dies of SIGPIPE when it writes to a pipe whose reader is gone, so a piped core
 * would not outlive an xkeeper crash long enough to be adopted. This module follows the file.
 */
import { open, stat, truncate, type FileHandle } from 'node:fs/promises';
import type { Logger } from '../logger.ts';

const POLL_MS = 200;
/** The file is emptied past this size; its lines already went to pino. */
const MAX_FILE_BYTES = 8 * 1024 * 1024;
const KEPT_LINES = 20;

type Level = 'debug' | 'info' | 'warn' | 'error';

const LEVELS: Record<string, Level> = {
  Debug: 'debug',
  Info: 'info',
  Warning: 'warn',
  Error: 'error',
};

/**
 * pino level of one core line (`2024/01/02 03:04:05 [Warning] …`, or a Go panic). The core
 * announces its normal start as a warning ("[Warning] core: Xray 1.8.4 started"): info here.
 * Untagged lines are its start banner (name, version, slogan): debug, unless they report a
 * failure.
 */
export function levelOfCoreLine(line: string): Level {
  const tagged = /\[(Debug|Info|Warning|Error)\]/.exec(line)?.[1];
  if (tagged === 'Warning' && /\b(?:Xray|V2Ray) \S+ started$/.test(line)) return 'info';
  if (tagged) return LEVELS[tagged] ?? 'info';
  return /^panic:|^fatal error:|failed to/i.test(line) ? 'error' : 'debug';
}

/** Opens the log file for the core's stdout and stderr (append mode, created if missing). */
export async function openCoreLogForWriting(file: string): Promise<FileHandle> {
  return open(file, 'a', 0o600);
}

/** Follows the core log file from its current end. */
export class CoreLogTail {
  private position = 0;
  private partial = '';
  private readonly recent: string[] = [];
  private timer: NodeJS.Timeout | undefined;
  private reading: Promise<void> = Promise.resolve();

  /** `logger` should be a child logger that names the core. */
  constructor(
    private readonly file: string,
    private readonly logger: Logger,
  ) {}

  /** Starts following from the current end of the file (older lines were logged before). */
  async start(): Promise<void> {
    this.position = await stat(this.file).then(
      (s) => s.size,
      () => 0,
    );
    this.timer ??= setInterval(() => void this.flush(), POLL_MS);
    this.timer.unref();
  }

  /** Stops following after logging whatever is left. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  /** The last lines the core wrote (for last_error). */
  lastLines(): string[] {
    return [...this.recent];
  }

  /** Reads and logs every complete line written so far. */
  flush(): Promise<void> {
    this.reading = this.reading
      .then(() => this.readNew())
      .catch((error: unknown) => {
        this.logger.debug({ err: error }, 'core log not readable');
      });
    return this.reading;
  }

  private async readNew(): Promise<void> {
    const size = await stat(this.file).then(
      (s) => s.size,
      () => 0,
    );
    if (size < this.position) this.position = 0; // emptied by us or by hand
    if (size > this.position) {
      const handle = await open(this.file, 'r');
      try {
        const buffer = Buffer.alloc(size - this.position);
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, this.position);
        this.position += bytesRead;
        this.emit(buffer.subarray(0, bytesRead).toString('utf8'));
      } finally {
        await handle.close();
      }
    }
    if (this.position > MAX_FILE_BYTES) {
      // The core opened the file with O_APPEND, so its next write lands at the new end.
      await truncate(this.file, 0);
      this.position = 0;
    }
  }

  private emit(text: string): void {
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop() ?? '';
    for (const raw of lines) {
      const line = raw.trimEnd();
      if (!line) continue;
      this.recent.push(line);
      if (this.recent.length > KEPT_LINES) this.recent.shift();
      this.logger[levelOfCoreLine(line)](line);
    }
  }
}
