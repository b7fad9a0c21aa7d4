/**
 * Supervises the core as a child process: start, stop (SIGTERM, then SIGKILL after a grace
 * period), restart, automatic restart with exponential backoff after an unexpected exit, and
 * the pid file through which a core orphaned by an xkeeper crash is found and adopted or
 * replaced. At most one core runs for a DATA_DIR: a recorded core is always stopped before
 * another is spawned.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import type { Logger } from '../logger.ts';
import { CoreLogTail, openCoreLogForWriting } from './core-log.ts';
import type { CoreEventSink } from './events.ts';
import { type Flavor, runArgs } from './flavor.ts';
import {
  isAlive,
  isRecordedCore,
  type PidRecord,
  readPidFile,
  removePidFile,
  writePidFile,
} from './pid-file.ts';

/** Exit code of Xray/V2Ray for a config it cannot load: restarting would not help. */
const EXIT_BAD_CONFIG = 23;

export type CoreProcessState = 'stopped' | 'starting' | 'running' | 'backoff' | 'failed';

export interface CoreProcessOptions {
  flavor: Flavor;
  configPath: string;
  pidPath: string;
  logPath: string;
  logger: Logger;
  onEvent: CoreEventSink;
  /** Called after every spawn or adoption, automatic restarts included. */
  onStarted: (pid: number) => void;
  /** First automatic restart delay (default 500 ms), doubled per failure up to `backoffMaxMs`. */
  backoffInitialMs?: number;
  /** Cap of the restart delay (default 30 s). */
  backoffMaxMs?: number;
  /** Time between SIGTERM and SIGKILL (default 5 s). */
  stopGraceMs?: number;
}

/** A core that ran this long before exiting restarts without the accumulated backoff. */
const STABLE_AFTER_MS = 60_000;
const ADOPTED_POLL_MS = 500;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Supervisor of the local core process. */
export class CoreProcess {
  /** Current state; `failed` means the core refused its config (exit 23) and waits for us. */
  state: CoreProcessState = 'stopped';
  /** Start time of the current process. */
  startedAt: Date | null = null;
  /** Restarts since this supervisor was created (automatic and requested). */
  restarts = 0;
  /** Why the core last stopped unexpectedly or failed to start. */
  lastError: string | null = null;

  private child: ChildProcess | undefined;
  private childExit: Promise<unknown> = Promise.resolve();
  private spawning: Promise<void> | undefined;
  private adoptedPid: number | undefined;
  private watchTimer: NodeJS.Timeout | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  private stopping = false;
  private configHash = '';
  private readonly tail: CoreLogTail;

  constructor(private readonly options: CoreProcessOptions) {
    this.tail = new CoreLogTail(options.logPath, options.logger);
  }

  /** Pid of the running core (child or adopted). */
  get pid(): number | null {
    return this.child?.pid ?? this.adoptedPid ?? null;
  }

  /** True while a core process is up (it may still be opening its API port). */
  get running(): boolean {
    return this.state === 'running';
  }

  /** Last lines of core output, for error reports. */
  lastOutput(): string[] {
    return this.tail.lastLines();
  }

  /**
   * A live core recorded in the pid file that this supervisor does not run: left behind by
   * a crashed xkeeper. Its API still answers, so counters can be read before deciding.
   */
  async findOrphan(): Promise<PidRecord | null> {
    const record = await readPidFile(this.options.pidPath);
    if (!record || record.pid === this.pid) return null;
    return (await isRecordedCore(record)) ? record : null;
  }

  /** Takes over a running orphan instead of starting a new core. */
  async adopt(record: PidRecord): Promise<void> {
    this.clearRestart();
    this.stopping = false;
    this.adoptedPid = record.pid;
    this.configHash = record.configHash;
    this.startedAt = new Date(record.startedAt || Date.now());
    this.state = 'running';
    await this.tail.start();
    this.watchTimer = setInterval(() => {
      if (this.adoptedPid !== undefined && !isAlive(this.adoptedPid)) {
        this.stopWatching();
        void this.handleExit(null, null);
      }
    }, ADOPTED_POLL_MS);
    this.watchTimer.unref();
    this.options.onStarted(record.pid);
  }

  /**
   * Starts the core with the installed config unless one runs already. A recorded orphan is
   * stopped first. `configHash` goes into the pid file.
   */
  async start(configHash: string): Promise<void> {
    this.stopping = false;
    this.configHash = configHash;
    if (this.pid !== null) return;
    this.clearRestart();
    await this.spawn();
  }

  /** Stops the core (child or adopted) and forgets it. Idempotent. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.clearRestart();
    await this.spawning;
    const grace = this.options.stopGraceMs ?? 5_000;
    if (this.child) {
      const child = this.child;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), grace);
      await this.childExit;
      clearTimeout(timer);
    } else if (this.adoptedPid !== undefined) {
      this.stopWatching();
      await terminate(this.adoptedPid, grace);
      this.adoptedPid = undefined;
    }
    this.state = 'stopped';
    this.startedAt = null;
    await removePidFile(this.options.pidPath);
    await this.tail.stop();
  }

  /** Stops, then starts again with `configHash` (the installed config may have changed). */
  async restart(configHash: string): Promise<void> {
    await this.stop();
    this.restarts++;
    await this.start(configHash);
  }

  /** Spawns once at a time; `stop()` waits for a spawn in progress. */
  private spawn(): Promise<void> {
    this.spawning ??= this.spawnCore().finally(() => {
      this.spawning = undefined;
    });
    return this.spawning;
  }

  private async spawnCore(): Promise<void> {
    const { flavor, configPath, pidPath, logPath } = this.options;
    this.state = 'starting';
    await this.stopStray();
    await this.tail.start();
    const log = await openCoreLogForWriting(logPath);
    let child: ChildProcess;
    let exited: Promise<[number | null, NodeJS.Signals | null]>;
    try {
      // Own process group: a terminal's Ctrl-C reaches xkeeper, which stops the core in order.
      child = spawn(flavor.bin, runArgs(flavor.name, configPath), {
        stdio: ['ignore', log.fd, log.fd],
        detached: true,
      });
      // Listened for at once: a core refusing its config can exit before the awaits below end.
      exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve([code, signal])));
      await new Promise<void>((resolve, reject) => {
        child.once('spawn', resolve);
        child.once('error', reject);
      });
    } catch (error) {
      this.lastError = `cannot run ${flavor.bin}: ${(error as Error).message}`;
      this.scheduleRestart(null, null);
      return;
    } finally {
      await log.close();
    }
    const pid = child.pid ?? -1;
    this.child = child;
    this.childExit = exited.then(() => undefined);
    this.startedAt = new Date();
    this.state = 'running';
    try {
      await writePidFile(pidPath, {
        pid,
        configHash: this.configHash,
        bin: flavor.bin,
        configPath,
        startedAt: this.startedAt.toISOString(),
      });
    } finally {
      // Handled only once the pid file is written, so an early exit never races it; and
      // handled even if the write failed, so the child is never left unwatched.
      void exited.then(([code, signal]) => {
        if (this.child !== child) return;
        this.child = undefined;
        void this.handleExit(code, signal);
      });
    }
    this.options.logger.info({ core_pid: pid }, 'core started');
    this.options.onStarted(pid);
  }

  /** Stops a recorded core that is not ours, so two cores never compete for the ports. */
  private async stopStray(): Promise<void> {
    const orphan = await this.findOrphan();
    if (!orphan) return;
    await terminate(orphan.pid, this.options.stopGraceMs ?? 5_000);
    this.options.onEvent({
      type: 'core.orphan_replaced',
      severity: 'warning',
      data: { pid: orphan.pid, config_hash: orphan.configHash, current_hash: this.configHash },
    });
  }

  private async handleExit(code: number | null, signal: NodeJS.Signals | null): Promise<void> {
    await this.tail.flush();
    if (this.stopping) return;
    this.adoptedPid = undefined;
    const output = this.tail.lastLines().slice(-3).join(' | ');
    const how = signal ? `signal ${signal}` : code === null ? 'unknown status' : `code ${code}`;
    this.lastError = `core exited (${how})${output ? `: ${output}` : ''}`;
    if (code === EXIT_BAD_CONFIG) {
      // The config file is broken; a loop of restarts would only repeat the refusal.
      this.state = 'failed';
      this.startedAt = null;
      await removePidFile(this.options.pidPath);
      this.options.onEvent({
        type: 'core.config_refused',
        severity: 'critical',
        data: { exit_code: code, message: output },
      });
      return;
    }
    if (this.startedAt && Date.now() - this.startedAt.getTime() >= STABLE_AFTER_MS) {
      this.failures = 0;
    }
    this.scheduleRestart(code, signal);
  }

  private scheduleRestart(code: number | null, signal: NodeJS.Signals | null): void {
    const initial = this.options.backoffInitialMs ?? 500;
    const max = this.options.backoffMaxMs ?? 30_000;
    const delay = Math.min(max, initial * 2 ** this.failures);
    this.failures++;
    this.state = 'backoff';
    this.startedAt = null;
    this.options.onEvent({
      type: 'core.exited',
      severity: 'error',
      data: { exit_code: code, signal, restart_in_ms: delay, error: this.lastError },
    });
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.stopping) return;
      this.restarts++;
      this.spawn().then(
        () => {
          if (this.state !== 'running') return;
          this.options.onEvent({
            type: 'core.restarted',
            severity: 'warning',
            data: { pid: this.pid, restarts: this.restarts },
          });
        },
        (error: unknown) => {
          this.lastError = `restart failed: ${(error as Error).message}`;
          this.options.logger.error({ err: error }, 'core restart failed');
        },
      );
    }, delay);
  }

  private clearRestart(): void {
    clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
  }

  private stopWatching(): void {
    clearInterval(this.watchTimer);
    this.watchTimer = undefined;
  }
}

/** Stops a process that is not our child: SIGTERM, then SIGKILL after `graceMs`. */
async function terminate(pid: number, graceMs: number): Promise<void> {
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(pid, name);
    } catch {
      // already gone
    }
  };
  signal('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(50);
  if (!isAlive(pid)) return;
  signal('SIGKILL');
  const killDeadline = Date.now() + 5_000;
  while (isAlive(pid)) {
    if (Date.now() > killDeadline) throw new Error(`core process ${pid} does not die`);
    await sleep(20);
  }
}
