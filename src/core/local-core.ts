/**
 * The adapter of the local core: config file, child process (when CORE_MANAGED), gRPC API and
 * the reconciler, behind the {@link Core} interface. All changes run one at a time.
 */
import { appendFileSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../logger.ts';
import { CoreApi, CoreApiError, type AlterResult } from './api.ts';
import {
  type CoreConfig,
  type CoreLogLevel,
  type CoreUser,
  renderCoreConfig,
  requiredXrayVersion,
  settingsHash,
  usersOfConfig,
} from './config.ts';
import { installConfig, readInstalledConfig } from './config-file.ts';
import type { CoreEvent } from './events.ts';
import {
  canListUsers,
  compareVersions,
  detectFlavor,
  type Flavor,
  type FlavorResult,
  supportsReality,
} from './flavor.ts';
import { vlessShareLink } from './link.ts';
import { CoreProcess } from './process.ts';
import { checkRealityTarget, realityPublicKey } from './reality.ts';
import type {
  ApplyResult,
  Core,
  CoreAdapterConfig,
  CoreCheck,
  CoreReading,
  CounterVisitor,
  CoreStatus,
  CreateCoreOptions,
  DesiredCoreState,
  OrphanCore,
  RealityCheck,
  SyncResult,
} from './types.ts';
import { diffUsers, invalidUserReason, userKey } from './users.ts';

const READY_TIMEOUT_MS = 10_000;
/** A burst of changes is written to the config file once, this long after the last one… */
const WRITE_DEBOUNCE_MS = 200;
/** …but never later than this after the first unwritten one… */
const WRITE_MAX_DELAY_MS = 2_000;
/**
 * …or than this many times the last write took, if longer: each write reads and renders every
 * key (~0.3 s at 100k), and a burst must not spend more than about a tenth of the event loop
 * on files only a restart reads (the journal covers a crash meanwhile).
 */
const WRITE_COST_FACTOR = 10;

/** pino level → core log level. The core's "info" logs every connection: one step quieter. */
function coreLogLevel(level: CoreAdapterConfig['LOG_LEVEL']): CoreLogLevel {
  switch (level) {
    case 'trace':
      return 'debug';
    case 'debug':
      return 'info';
    case 'info':
    case 'warn':
      return 'warning';
    case 'error':
    case 'fatal':
      return 'error';
    case 'silent':
      return 'none';
  }
}

/** The local core (id `local`). */
/** Changes queued together: name key → the user to put in the core, or the name to take out. */
interface PendingBatch {
  users: Map<string, CoreUser | string>;
  result: Promise<ApplyResult>;
}

export class LocalCore implements Core {
  readonly id = 'local';
  private readonly config: CoreAdapterConfig;
  private readonly logger: Logger;
  private readonly configPath: string;
  private readonly pidPath: string;
  /** The core binary; {@link reloadBinary} switches it after `core install`. */
  private bin: string;
  private flavor: FlavorResult | undefined;
  private api: CoreApi | undefined;
  private proc: CoreProcess | undefined;
  /** Users the core holds as far as xkeeper knows (V2Fly cannot list them); null: unknown. */
  private tracked: Map<string, CoreUser> | null = null;
  /** Users of the installed config file: what a core (re)started from it holds. */
  private installedUsers: CoreUser[] = [];
  /** Settings of the last rendered desired state (for share links). */
  private reality: DesiredCoreState['reality'] | undefined;
  private lastUptime: number | undefined;
  private observedRestarts = 0;
  private lastError: string | null = null;
  private bringingUp = false;
  /** start() was called and stop() was not: the reconciler may (re)start a managed core. */
  private wanted = false;
  private detecting: Promise<FlavorResult> | undefined;
  private unavailableReported: string | null = null;
  /** The V2Fly warning is said once per process, not at every bring-up. */
  private v2flyWarned = false;
  private queue: Promise<unknown> = Promise.resolve();
  /** Changes waiting for their turn on the core, applied together (see `apply`). */
  private waiting: PendingBatch | undefined;
  /** Settings hash of the last config the core's `-test` passed in this process. */
  private validatedHash: string | null = null;
  /** Names changed on the core since the config file was last written (also in the journal). */
  private unwritten = new Map<string, string>();
  /** When the oldest unwritten change happened (ms), or null when the file is current. */
  private dirtySince: number | null = null;
  private writeTimer: NodeJS.Timeout | undefined;
  /** How long the last config write took (ms). */
  private lastWriteMs = 0;
  /**
   * Names a core may hold beyond the config file it started from: the journal of a process that
   * died before writing the file. The reconciler removes those the database does not want.
   */
  private suspects = new Map<string, string>();

  constructor(private readonly options: CreateCoreOptions) {
    this.config = options.config;
    this.logger = options.logger.child({ core: 'local' });
    this.configPath = path.join(this.config.dataDir, 'core.json');
    this.pidPath = path.join(this.config.dataDir, 'core.pid');
    this.bin = this.config.CORE_BIN;
    this.journalPath = path.join(this.config.dataDir, 'core.pending');
  }

  /** One name a line: users changed on the core whose change the config file may lack. */
  private readonly journalPath: string;

  /** Runs `task` after every task queued before it: changes to the core never interleave. */
  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Logs the event (as `message` when given, in an operator's words) and passes it on. */
  private emit(event: CoreEvent, message?: string): void {
    const severe = event.severity === 'error' || event.severity === 'critical';
    const reason = event.data.error ?? event.data.message ?? event.data.reason;
    if (severe && typeof reason === 'string') this.lastError = reason;
    const level = severe ? 'error' : event.severity === 'warning' ? 'warn' : 'info';
    this.logger[level]({ event: event.type, ...event.data }, message ?? `core event ${event.type}`);
    try {
      this.options.onEvent?.({ ...event, data: { core_id: this.id, ...event.data } });
    } catch (error) {
      this.logger.error({ err: error }, 'core event handler failed');
    }
  }

  // ── lifecycle ──────────────────────────────────────────────────────────────

  start(): Promise<void> {
    return this.exclusive(async () => {
      this.wanted = true;
      if (await this.bringUp()) await this.reconcile();
    });
  }

  stop(): Promise<void> {
    return this.exclusive(async () => {
      if (this.dirtySince !== null) await this.writeConfig();
      this.cancelWrite();
      this.wanted = false;
      await this.proc?.stop();
      this.api?.close();
      this.api = undefined;
      this.tracked = null;
      this.lastUptime = undefined;
    });
  }

  restart(): Promise<void> {
    return this.exclusive(async () => {
      if (!this.config.CORE_MANAGED)
        throw new Error('the core is not managed by xkeeper (CORE_MANAGED=false)');
      this.wanted = true;
      if (this.needsBringUp()) {
        if (await this.bringUp()) await this.reconcile();
        return;
      }
      const hash = await this.writeConfig();
      if (hash === null || !this.proc) return; // refused: the running core keeps its valid config
      this.bringingUp = true;
      try {
        await this.proc.restart(hash);
      } finally {
        this.bringingUp = false;
      }
      if (await this.waitReady()) await this.reconcile();
    });
  }

  reloadBinary(bin: string): Promise<void> {
    return this.exclusive(async () => {
      await this.proc?.stop();
      this.api?.close();
      this.api = undefined;
      this.proc = undefined;
      this.flavor = undefined;
      this.tracked = null;
      this.lastUptime = undefined;
      this.bin = bin;
      if (!this.wanted) return;
      if (await this.bringUp()) await this.reconcile();
    });
  }

  private isReady(): boolean {
    return this.flavor?.available === true && this.api !== undefined;
  }

  /** No usable core yet, or a managed one that is not running and will not restart itself. */
  private needsBringUp(): boolean {
    if (!this.isReady()) return true;
    if (!this.config.CORE_MANAGED) return false;
    return !this.proc || this.proc.state === 'stopped' || this.proc.state === 'failed';
  }

  /**
   * Detects the core, installs the config, then adopts an orphan or starts a core.
   * Resolves true once the core's API answers.
   */
  private async bringUp(): Promise<boolean> {
    const flavor = await this.ensureFlavor();
    if (!flavor.available) {
      // Once per reason: the reconciler retries on every sync.
      if (this.unavailableReported !== flavor.reason) {
        this.unavailableReported = flavor.reason;
        this.emit(
          {
            type: 'core.not_available',
            severity: 'warning',
            data: { reason: flavor.reason, bin: flavor.bin },
          },
          `No VPN core at CORE_BIN=${flavor.bin} (${flavor.reason}): users get no VPN until one is installed. ` +
            'Install Xray with `npx xkeeper core install` (into DATA_DIR/bin, found there at the next start) ' +
            'or set CORE_BIN to an xray binary.',
        );
      }
      return false;
    }
    this.unavailableReported = null;
    if (!supportsReality(flavor.name) && !this.v2flyWarned) {
      this.v2flyWarned = true;
      this.logger.warn(
        { version: flavor.version },
        'V2Fly core instead of Xray: the inbound is plain VLESS over TCP without REALITY (development and ' +
          'tests only). Install Xray with `npx xkeeper core install` for production.',
      );
    }
    // If the new config is refused, a core starts from the previous (validated) file.
    const previous = await readInstalledConfig(this.configPath);
    this.installedUsers = previous ? usersOfConfig(previous) : [];
    for (const name of this.readJournal()) this.suspects.set(userKey(name), name);
    const hash = (await this.writeConfig()) ?? (previous ? settingsHash(previous) : null);
    if (!this.config.CORE_MANAGED) {
      this.tracked = null; // an external core: unknown until the first sync
      return this.waitReady();
    }
    if (hash === null) return false; // nothing valid to run; the event says why
    this.proc ??= this.createProcess(flavor);
    this.bringingUp = true;
    try {
      const orphan = await this.proc.findOrphan();
      if (orphan && orphan.configHash === hash) {
        await this.proc.adopt(orphan);
        // It started from the previous file; the journal names what changed since over the API
        // (an unknown UUID: the reconciler replaces or removes each of them).
        this.tracked = toMap(previous ? usersOfConfig(previous) : []);
        for (const [key, name] of this.suspects) this.tracked.set(key, { name, uuid: '' });
        this.emit({ type: 'core.adopted', severity: 'info', data: { pid: orphan.pid } });
      } else {
        await this.proc.start(hash); // stops a stale orphan first
      }
    } finally {
      this.bringingUp = false;
    }
    return this.waitReady();
  }

  /** Detects the core once it exists (re-checked while it does not) and opens its API. */
  private async ensureFlavor(): Promise<FlavorResult> {
    if (!this.flavor?.available) {
      this.detecting ??= detectFlavor(this.bin).finally(() => {
        this.detecting = undefined;
      });
      this.flavor = await this.detecting;
    }
    if (this.flavor.available && !this.api) {
      // Bulk changes (a batch of keys) from the thread pool: the main thread keeps answering.
      this.api = new CoreApi({
        flavor: this.flavor.name,
        port: this.config.CORE_API_PORT,
        bulkInThread: true,
      });
    }
    return this.flavor;
  }

  private createProcess(flavor: Flavor): CoreProcess {
    return new CoreProcess({
      flavor,
      configPath: this.configPath,
      pidPath: this.pidPath,
      logPath: path.join(this.config.dataDir, 'core.log'),
      // Already named by `component: core`: a second component key would duplicate it.
      logger: this.logger,
      onEvent: (event) => this.emit(event),
      onStarted: () => this.onCoreStarted(),
      ...this.options.process,
    });
  }

  /**
   * A core process started. Started by us in order, it holds exactly the installed users.
   * Restarted after a crash, outside the queue, it may have read the file during a change:
   * its users count as unknown until the reconciler, queued here, has run.
   */
  private onCoreStarted(): void {
    this.lastUptime = undefined;
    this.api?.reconnect();
    if (this.bringingUp) {
      this.tracked = toMap(this.installedUsers);
      return;
    }
    this.tracked = null;
    void this.exclusive(async () => {
      await this.waitReady();
      if (this.isReady()) await this.reconcile();
    }).catch((error: unknown) => this.logger.error({ err: error }, 'reconcile after restart failed'));
  }

  /** Waits until the API answers, giving up early when the managed process is gone. */
  private async waitReady(): Promise<boolean> {
    const api = this.api;
    if (!api) return false;
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (this.proc && this.proc.state !== 'running' && this.proc.state !== 'starting') break;
      try {
        this.observeUptime((await api.getSysStats()).uptimeSeconds);
        return true;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    this.lastError =
      this.proc?.lastError ?? `core API not answering on 127.0.0.1:${this.config.CORE_API_PORT}`;
    return false;
  }

  /** An uptime drop means the core restarted behind our back: its users are unknown. */
  private observeUptime(uptime: number): void {
    if (this.lastUptime !== undefined && uptime < this.lastUptime) {
      this.tracked = null;
      this.observedRestarts++;
      this.emit({ type: 'core.restart_detected', severity: 'warning', data: { uptime_seconds: uptime } });
    }
    this.lastUptime = uptime;
  }

  // ── desired state and config file ──────────────────────────────────────────

  /** The desired state with invalid or duplicate users dropped (and reported as events). */
  private desired(): DesiredCoreState {
    const state = this.options.getDesiredState();
    this.reality = state.reality;
    const seen = new Set<string>();
    const users: CoreUser[] = [];
    for (const user of state.users) {
      const reason = invalidUserReason(user) ?? (seen.has(userKey(user.name)) ? 'duplicate name' : null);
      if (reason) {
        this.emit({ type: 'core.user_rejected', severity: 'error', data: { name: user.name, reason } });
        continue;
      }
      seen.add(userKey(user.name));
      users.push(user);
    }
    return { reality: state.reality, users };
  }

  private render(flavor: Flavor, state: DesiredCoreState): CoreConfig {
    return renderCoreConfig({
      settings: {
        flavor: flavor.name,
        apiPort: this.config.CORE_API_PORT,
        vlessPort: this.config.VLESS_PORT,
        reality: {
          privateKey: state.reality.privateKey,
          shortIds: state.reality.shortIds,
          sni: state.reality.sni ?? this.config.REALITY_SNI,
          target: state.reality.target ?? this.config.realityTarget,
          minClientVer: this.config.REALITY_MIN_CLIENT_VER,
        },
        blockPrivateNetworks: this.config.BLOCK_PRIVATE_NETWORKS,
        logLevel: coreLogLevel(this.config.LOG_LEVEL),
      },
      users: state.users,
    });
  }

  /**
   * Renders the desired state and installs it if the core accepts it. Returns the settings
   * hash of the installed config, or null when it was refused (the event carries the reason).
   */
  private async writeConfig(given?: DesiredCoreState): Promise<string | null> {
    const started = performance.now();
    const state = given ?? this.desired();
    const flavor = this.flavor;
    if (!flavor?.available) return null;
    this.cancelWrite();
    const written = new Map(this.unwritten);
    const config = this.render(flavor, state);
    const hash = settingsHash(config);
    const result = await installConfig(flavor, this.configPath, config, {
      validate: hash !== this.validatedHash,
    });
    if (!result.ok) {
      this.emit({ type: 'core.config_refused', severity: 'error', data: { message: result.message } });
      return null;
    }
    this.validatedHash = hash;
    this.installedUsers = state.users;
    this.lastWriteMs = performance.now() - started;
    // The state was read after every change journaled so far had been committed: all are in.
    for (const key of written.keys()) this.unwritten.delete(key);
    this.clearJournal();
    return hash;
  }

  /** Writes the config file soon: once after a burst of changes (see WRITE_DEBOUNCE_MS). */
  private scheduleWrite(): void {
    const now = Date.now();
    this.dirtySince ??= now;
    clearTimeout(this.writeTimer);
    const maxDelay = Math.max(WRITE_MAX_DELAY_MS, this.lastWriteMs * WRITE_COST_FACTOR);
    const delay = Math.min(WRITE_DEBOUNCE_MS, Math.max(0, this.dirtySince + maxDelay - now));
    this.writeTimer = setTimeout(() => {
      this.writeTimer = undefined;
      this.exclusive(async () => {
        if (this.dirtySince !== null) await this.writeConfig();
      }).catch((error: unknown) => this.logger.error({ err: error }, 'core config write failed'));
    }, delay);
  }

  private cancelWrite(): void {
    clearTimeout(this.writeTimer);
    this.writeTimer = undefined;
    this.dirtySince = null;
  }

  /**
   * Records names about to change on the core before the config file has them, so a crash
   * before the next write cannot leave a removed key in an adopted core. Synchronous: one
   * small append per batch, done before the change reaches the core.
   */
  private journal(names: readonly string[]): void {
    const fresh = names.filter((name) => !this.unwritten.has(userKey(name)));
    if (fresh.length === 0) return;
    appendFileSync(this.journalPath, fresh.map((name) => `${name}\n`).join(''), { mode: 0o600 });
    for (const name of fresh) this.unwritten.set(userKey(name), name);
  }

  private readJournal(): string[] {
    try {
      return readFileSync(this.journalPath, 'utf8').split('\n').filter(Boolean);
    } catch {
      return [];
    }
  }

  /** The journal goes once the file has every change and no suspect is left to repair. */
  private clearJournal(): void {
    if (this.unwritten.size === 0 && this.suspects.size === 0) rmSync(this.journalPath, { force: true });
  }

  // ── users ──────────────────────────────────────────────────────────────────

  /**
   * Applies a change. Changes that arrive while the core is busy join one batch queued behind
   * the running task, so a burst of single creates reaches the core as a batch does: one
   * journal append, one run of gRPC calls, one config write.
   */
  apply(change: { add?: CoreUser[]; remove?: string[] }): Promise<ApplyResult> {
    const failed: ApplyResult['failed'] = [];
    const add = (change.add ?? []).filter((user) => {
      const reason = invalidUserReason(user);
      if (reason) failed.push({ name: user.name, reason });
      return reason === null;
    });
    const batch = (this.waiting ??= this.queueBatch());
    // Later changes win per name: the batch holds each name's last wanted state.
    for (const name of change.remove ?? []) batch.users.set(userKey(name), name);
    for (const user of add) batch.users.set(userKey(user.name), user);
    const mine = new Set([...(change.remove ?? []), ...add.map((user) => user.name)].map(userKey));
    return batch.result.then((result) => ({
      status: result.status,
      failed: [...failed, ...result.failed.filter((f) => mine.has(userKey(f.name)))],
    }));
  }

  /** The batch that collects changes until its turn comes. */
  private queueBatch(): PendingBatch {
    const users = new Map<string, CoreUser | string>();
    const result = this.exclusive(async (): Promise<ApplyResult> => {
      this.waiting = undefined;
      const failed: ApplyResult['failed'] = [];
      if (!this.isReady()) return { status: 'pending', failed };
      const remove: string[] = [];
      const add: CoreUser[] = [];
      for (const user of users.values()) {
        if (typeof user === 'string') remove.push(user);
        else add.push(user); // added with replacement: an old UUID the core holds goes
      }
      this.journal([...remove, ...add.map((user) => user.name)]);
      try {
        return { status: await this.applyToCore(remove, add, failed), failed };
      } finally {
        this.scheduleWrite();
      }
    });
    return { users, result };
  }

  /**
   * Removes, then adds. A user the core already holds is replaced, since its UUID may be an
   * old one (a kicked key must stop working). Returns `pending` when the core is unreachable.
   */
  private async applyToCore(
    remove: readonly string[],
    add: readonly CoreUser[],
    failed: ApplyResult['failed'],
  ): Promise<'applied' | 'pending'> {
    const api = this.api;
    if (!api) return 'pending';
    try {
      await api.removeUsers(remove);
      for (const name of remove) this.tracked?.delete(userKey(name));
      const results = await api.addUsers(add);
      const replace = add.filter((_, index) => isExists(results[index]));
      if (replace.length > 0) {
        const retried = await api.replaceUsers(replace);
        replace.forEach((user, index) => {
          const result = retried[index];
          if (result && !result.ok) failed.push({ name: user.name, reason: result.message });
        });
      }
      const refused = new Set(failed.map((f) => userKey(f.name)));
      for (const user of add) {
        if (!refused.has(userKey(user.name))) this.tracked?.set(userKey(user.name), user);
      }
      return 'applied';
    } catch (error) {
      if (error instanceof CoreApiError && error.unavailable) return 'pending';
      throw error;
    }
  }

  /** Users in the core: listed by Xray ≥ 24.11.5, else as tracked; null when unknown. */
  private async usersInCore(api: CoreApi): Promise<CoreUser[] | null> {
    this.observeUptime((await api.getSysStats()).uptimeSeconds);
    if (this.flavor?.available && canListUsers(this.flavor)) {
      const listed = await api.listUsers();
      if (listed.available) return listed.value;
    }
    return this.tracked ? [...this.tracked.values()] : null;
  }

  sync(): Promise<SyncResult> {
    return this.exclusive(async () => {
      const up = this.wanted && this.needsBringUp() ? await this.bringUp() : this.isReady();
      if (!up) {
        const names = this.desired().users.map((user) => user.name);
        return { status: 'pending', missing: names, extra: [], changed: [] };
      }
      return this.reconcile();
    });
  }

  /** The reconciler: desired users vs the core, then the repair and a fresh config file. */
  private async reconcile(): Promise<SyncResult> {
    const api = this.api;
    const state = this.desired();
    if (!api) return { status: 'pending', missing: state.users.map((u) => u.name), extra: [], changed: [] };
    // What the core could hold beyond the file it started from, should its contents be unknown.
    const suspects = new Map([...this.suspects, ...this.unwritten]);
    for (const user of this.installedUsers) suspects.set(userKey(user.name), user.name);
    await this.writeConfig(state);
    let inCore: CoreUser[] | null;
    try {
      inCore = await this.usersInCore(api);
    } catch (error) {
      if (error instanceof CoreApiError && error.unavailable) {
        return { status: 'pending', ...diffUsers(state.users, []) };
      }
      throw error;
    }
    // Unknown contents (an external core restarted): add everyone, replacing what is there.
    const diff = diffUsers(state.users, inCore ?? []);
    const byName = new Map(state.users.map((user) => [userKey(user.name), user]));
    const toAdd = [...diff.missing, ...diff.changed].flatMap((name) => byName.get(userKey(name)) ?? []);
    const toRemove = [...diff.extra, ...diff.changed];
    if (inCore === null) {
      for (const [key, name] of suspects) if (!byName.has(key)) toRemove.push(name);
    }
    const failed: ApplyResult['failed'] = [];
    const status = await this.applyToCore(toRemove, toAdd, failed);
    if (status === 'applied') {
      this.tracked = toMap(state.users.filter((u) => !failed.some((f) => f.name === u.name)));
      this.suspects.clear();
      this.clearJournal();
    }
    if (inCore !== null && toAdd.length + toRemove.length > 0) {
      this.emit({ type: 'core.drift_fixed', severity: 'warning', data: { ...diff, failed } });
    }
    return { status, ...diff };
  }

  // ── reading ────────────────────────────────────────────────────────────────

  async readCounters(visit: CounterVisitor): Promise<CoreReading | null> {
    await this.ensureFlavor();
    const api = this.api;
    if (!api) return null;
    try {
      // A restart is seen from the uptime even when the counters then fail.
      const { sys, online } = await api.readCounters(visit, (sys) => this.observeUptime(sys.uptimeSeconds));
      return { uptimeSeconds: sys.uptimeSeconds, online };
    } catch (error) {
      if (error instanceof CoreApiError && error.unavailable) return null;
      throw error;
    }
  }

  async status(): Promise<CoreStatus> {
    const flavor = this.flavor;
    const base: CoreStatus = {
      flavor: flavor?.available ? flavor.name : null,
      version: flavor?.available ? flavor.version : null,
      running: false,
      pid: this.proc?.pid ?? null,
      uptime_seconds: null,
      restarts: this.proc?.restarts ?? this.observedRestarts,
      users_in_core: null,
      memory_bytes: null,
      last_error: this.lastError,
      available: flavor?.available ?? false,
      reason: flavor === undefined ? 'not started' : flavor.available ? null : flavor.reason,
      warnings: flavor?.available ? await this.versionWarnings(flavor) : [],
    };
    const api = this.api;
    if (!api) return base;
    try {
      const sys = await api.getSysStats();
      this.observeUptime(sys.uptimeSeconds);
      const counted = flavor?.available && canListUsers(flavor) ? await api.countUsers() : null;
      return {
        ...base,
        running: true,
        uptime_seconds: sys.uptimeSeconds,
        memory_bytes: sys.memoryBytes,
        users_in_core: counted?.available ? counted.value : (this.tracked?.size ?? null),
      };
    } catch (error) {
      if (error instanceof CoreApiError && error.unavailable) return base;
      throw error;
    }
  }

  /** Warns when the core is older than a feature of the installed config needs. */
  private async versionWarnings(flavor: Flavor): Promise<string[]> {
    if (flavor.name !== 'xray') return [];
    const installed = await readInstalledConfig(this.configPath);
    const needed = installed && requiredXrayVersion(installed);
    if (!needed || compareVersions(flavor.version, needed.version) >= 0) return [];
    return [
      `Xray ${flavor.version} is older than ${needed.version}, which the config needs for ${needed.feature}: run "xkeeper core install"`,
    ];
  }

  async check(): Promise<CoreCheck> {
    const { diff, reality } = await this.exclusive(async () => {
      const state = this.desired();
      let inCore: CoreUser[] | null = null;
      if (this.api) {
        try {
          inCore = await this.usersInCore(this.api);
        } catch (error) {
          if (!(error instanceof CoreApiError && error.unavailable)) throw error;
        }
      }
      return { diff: diffUsers(state.users, inCore ?? []), reality: state.reality };
    });
    const realityCheck = await this.checkReality(reality);
    const inSync = diff.missing.length + diff.extra.length + diff.changed.length === 0;
    return { in_sync: inSync, ...diff, reality: realityCheck };
  }

  private async checkReality(reality: DesiredCoreState['reality']): Promise<RealityCheck> {
    const base: RealityCheck = {
      enabled: false,
      sni: reality.sni ?? this.config.REALITY_SNI,
      target: reality.target ?? this.config.realityTarget,
      public_key: null,
      short_ids: reality.shortIds,
      min_client_ver: this.config.REALITY_MIN_CLIENT_VER,
      target_check: null,
      reason: null,
    };
    const flavor = this.flavor;
    if (!flavor?.available) return { ...base, reason: 'no core available' };
    if (!supportsReality(flavor.name)) return { ...base, reason: 'V2Fly core: plain VLESS, no REALITY' };
    let publicKey: string;
    try {
      publicKey = realityPublicKey(reality.privateKey);
    } catch (error) {
      return { ...base, enabled: true, reason: (error as Error).message };
    }
    const targetCheck = await checkRealityTarget(base.target, base.sni);
    return {
      ...base,
      enabled: true,
      public_key: publicKey,
      target_check: targetCheck,
      reason: targetCheck.ok ? null : targetCheck.reason,
    };
  }

  async findOrphan(): Promise<OrphanCore | null> {
    const flavor = await this.ensureFlavor();
    if (!flavor.available || !this.config.CORE_MANAGED) return null;
    this.proc ??= this.createProcess(flavor);
    const orphan = await this.proc.findOrphan();
    if (!orphan) return null;
    const current = settingsHash(this.render(flavor, this.desired())) === orphan.configHash;
    return { pid: orphan.pid, startedAt: orphan.startedAt, current };
  }

  shareLink(user: CoreUser): string | null {
    const flavor = this.flavor;
    if (!flavor?.available) return null;
    const host = this.config.vlessHost;
    const port = this.config.VLESS_PORT;
    if (!supportsReality(flavor.name)) return vlessShareLink(user, { host, port });
    const reality = this.reality ?? this.options.getDesiredState().reality;
    return vlessShareLink(user, {
      host,
      port,
      reality: {
        sni: reality.sni ?? this.config.REALITY_SNI,
        publicKey: publicKeyOf(reality.privateKey),
        shortId: reality.shortIds[0] ?? '',
      },
    });
  }
}

function toMap(users: readonly CoreUser[]): Map<string, CoreUser> {
  return new Map(users.map((user) => [userKey(user.name), user]));
}

function isExists(result: AlterResult | undefined): boolean {
  return result !== undefined && !result.ok && result.reason === 'exists';
}

const publicKeys = new Map<string, string>();

/** Derivation is cheap but links are made in bulk (subscriptions): memoize per key. */
function publicKeyOf(privateKey: string): string {
  let key = publicKeys.get(privateKey);
  if (key === undefined) {
    key = realityPublicKey(privateKey);
    publicKeys.set(privateKey, key);
  }
  return key;
}
