/**
 * One worker per remote node, level-triggered: each pass compares what the node should hold
 * (the keys on it, from the database) with what it holds (listed by the core when it can,
 * else the applied state recorded in the database) and sends the difference, recording each
 * batch as applied in the step that sent it. Passes run on every wake-up (a key changed) and
 * on a timer, so a lost wake-up or a node down for a day only delays the repair. Each worker
 * runs on its own: a node that hangs holds up nobody but itself (every call has a deadline).
 */
import { createHash } from 'node:crypto';
import { RemoteError } from '../core/remote/errors.ts';
import type { Logger } from '../logger.ts';
import { AppError } from './errors.ts';
import type { CoreUser, NodeDriver } from './core-port.ts';
import { type HealthObservation, LOCAL_NODE, type Node, type NodesService } from './nodes.service.ts';
import { hasRestarted } from './traffic.service.ts';

export interface NodeWorkersOptions {
  nodes: NodesService;
  logger: Logger;
  /** The driver of a remote node; null when this build cannot reach its transport. */
  driverFor: (node: Node) => NodeDriver | null;
  /** Pause between passes of a healthy node (default 30 s). */
  intervalMs?: number;
  /**
   * Longest pause after failures; the pause doubles per failure from intervalMs. Default: the
   * interval itself. A failed pass is also the node's health check, so a longer pause would
   * leave a node that is back unreconciled, and reported down, for that long.
   */
  maxBackoffMs?: number;
  /**
   * Shortest pause between two rewrites of a node's config file (default 5 s): a burst of key
   * changes is one write, not one per change.
   */
  configWriteMs?: number;
  /**
   * Node `local`'s health as its own core tells it, read on the same cycle as the remote
   * nodes' passes (its users are the local core's reconciler's job, not a worker's).
   */
  localHealth?: () => Promise<HealthObservation>;
}

/** What one pass did. */
export interface NodeSyncResult {
  node: string;
  ok: boolean;
  added: number;
  removed: number;
  /** The core restarted (or xkeeper could not tell what it holds): every key was re-applied. */
  full: boolean;
  failed: { name: string; reason: string }[];
  error: string | null;
}

/** Changes go out and are recorded this many users at a time. */
const BATCH = 1000;
/** A core's start time from its uptime (whole seconds, read one round trip ago) is this sure. */
const UPTIME_SLACK_MS = 1_500;

const key = (name: string) => name.toLowerCase();

/** desired − current, by name and UUID: what to remove and what to add. */
function difference(desired: readonly CoreUser[], current: readonly CoreUser[], full: boolean) {
  const want = new Map(desired.map((u) => [key(u.name), u]));
  const have = new Map(current.map((u) => [key(u.name), u]));
  const remove = current.filter((u) => want.get(key(u.name))?.uuid !== u.uuid).map((u) => u.name);
  const add = full ? [...desired] : desired.filter((u) => have.get(key(u.name))?.uuid !== u.uuid);
  return { remove, add };
}

/** A digest of a user list, to tell whether the node's config file still lists them. */
function fingerprint(users: readonly CoreUser[]): string {
  const hash = createHash('sha256');
  for (const u of [...users].sort((a, b) => (key(a.name) < key(b.name) ? -1 : 1))) {
    hash.update(`${key(u.name)}:${u.uuid}\n`);
  }
  return hash.digest('hex');
}

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += BATCH) out.push(items.slice(i, i + BATCH));
  return out;
}

class NodeWorker {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<NodeSyncResult> | null = null;
  private again = false;
  private stopped = false;
  private failures = 0;
  private lastUptime: number | undefined;
  private lastUptimeAt = 0;
  /** When the last write of the node's config file began (the spacing of writes). */
  private writtenAt = 0;
  /** The node's config file as this worker last wrote it (users, digest, when the write ended); unknown at start. */
  private file: { users: readonly CoreUser[]; digest: string; at: number } | null = null;
  private configTimer: NodeJS.Timeout | undefined;
  readonly driver: NodeDriver | null;

  constructor(
    readonly nodeId: number,
    readonly name: string,
    /** How the driver reaches the node; a change (`node set --host-key`, …) makes a new worker. */
    readonly reach: string,
    private readonly options: Required<Omit<NodeWorkersOptions, 'driverFor' | 'localHealth'>>,
    driver: NodeDriver | null,
  ) {
    this.driver = driver;
  }

  start(): void {
    this.schedule(0);
  }

  /** A pass soon; one asked for during a pass runs right after it (no change is missed). */
  wake(): void {
    if (this.stopped) return;
    if (this.running) this.again = true;
    else this.schedule(0);
  }

  /** Runs a pass now (after the one in flight) and resolves with its result. */
  async syncNow(): Promise<NodeSyncResult> {
    if (this.running) await this.running.catch(() => undefined);
    return this.run();
  }

  /**
   * `node restart`: rewrites the node's config with its settings and users, restarts its core
   * and runs a pass (which re-applies every user to the new process).
   */
  async restartCore(): Promise<NodeSyncResult> {
    const core = this.driver?.process;
    if (!core) {
      throw new AppError('VALIDATION_FAILED', `xkeeper does not run the core of node ${this.name}`);
    }
    if (this.running) await this.running.catch(() => undefined);
    const users = this.options.nodes.desiredUsers(this.nodeId);
    try {
      await core.restart(users);
    } catch (error) {
      throw new AppError(
        error instanceof RemoteError ? error.code : 'CORE_UNAVAILABLE',
        `restarting the core of node ${this.name}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    this.writtenAt = Date.now();
    this.file = { users, digest: fingerprint(users), at: this.writtenAt };
    return this.syncNow();
  }

  /**
   * `node remove`: a last pass takes every user off the (disabled) node; then no pass runs
   * again and, when it was drained, its config file is emptied too (written now, whatever the
   * spacing), so a restart of its core does not bring the users back. The write comes after
   * the halt: a pass of the timer racing it could otherwise run on a node whose row is going.
   */
  async retire(): Promise<NodeSyncResult> {
    const result = await this.syncNow();
    await this.halt();
    if (result.ok) await this.writeConfig([], { now: true });
    return result;
  }

  stop(): Promise<unknown> {
    const halted = this.halt();
    this.driver?.close();
    return halted;
  }

  /** No pass starts again; resolves once the one in flight (if any) is over. */
  private async halt(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    clearTimeout(this.configTimer);
    if (this.running) await this.running.catch(() => undefined);
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.run(), ms);
    this.timer.unref?.();
  }

  private run(): Promise<NodeSyncResult> {
    clearTimeout(this.timer);
    const pass = this.pass().finally(() => {
      this.running = null;
      if (this.again) {
        this.again = false;
        this.schedule(0);
      } else {
        const { intervalMs, maxBackoffMs } = this.options;
        this.schedule(
          this.failures === 0 ? intervalMs : Math.min(maxBackoffMs, intervalMs * 2 ** (this.failures - 1)),
        );
      }
    });
    this.running = pass;
    return pass;
  }

  private async pass(): Promise<NodeSyncResult> {
    const { nodes, logger } = this.options;
    const result: NodeSyncResult = {
      node: this.name,
      ok: false,
      added: 0,
      removed: 0,
      full: false,
      failed: [],
      error: null,
    };
    const driver = this.driver;
    const node = nodes.byId(this.nodeId);
    if (!node || this.stopped) return { ...result, error: 'node removed' };
    try {
      if (!driver) throw new Error(`xkeeper cannot reach ${node.transport} nodes in this build`);
      // A detached core that died is started again (from its config file's users); the
      // uptime below then tells this pass to re-apply everything.
      const checkedAt = Date.now();
      const startedByUs = (await driver.process?.ensureRunning()) === 'restarted';
      if (startedByUs) logger.warn({ node: node.name }, "the node's core was not running: started it again");
      const started = performance.now();
      const sys = await driver.sysStats();
      const rttMs = performance.now() - started;
      // A core that restarted holds only its config file's users. They are known when the core
      // lists them, or when this worker wrote that file before the core started; otherwise
      // everything is re-applied (each user the core holds replaced, its UUID unknown).
      const restarted =
        this.lastUptime === undefined || hasRestarted(this.lastUptime, this.lastUptimeAt, sys.uptimeSeconds);
      const listed = await driver.listUsers();
      const coreStartedAfter = startedByUs
        ? checkedAt
        : Date.now() - sys.uptimeSeconds * 1000 - UPTIME_SLACK_MS;
      const known =
        listed ?? (restarted && this.file && this.file.at < coreStartedAfter ? this.file.users : null);
      if (known) nodes.replaceApplied(node.id, known);
      const full = restarted && known === null;
      const current = nodes.appliedUsers(node.id);
      const desired = nodes.desiredUsers(node.id);
      const { remove, add } = difference(desired, current, full);
      for (const batch of chunks(remove)) {
        await driver.removeUsers(batch);
        nodes.recordApplied(node.id, { removed: batch });
        result.removed += batch.length;
      }
      for (const batch of chunks(add)) {
        const { failed } = await driver.addUsers(batch);
        const refused = new Set(failed.map((f) => key(f.name)));
        nodes.recordApplied(node.id, {
          added: batch.filter((u) => !refused.has(key(u.name))),
          removed: batch.filter((u) => refused.has(key(u.name))).map((u) => u.name),
        });
        result.added += batch.length - failed.length;
        result.failed.push(...failed);
      }
      this.lastUptime = sys.uptimeSeconds;
      this.lastUptimeAt = Date.now();
      this.failures = 0;
      nodes.recordHealth(node.id, {
        ok: true,
        rttMs,
        version: await driver.version(),
        uptimeSeconds: sys.uptimeSeconds,
        usersInCore: nodes.appliedUsers(node.id).length,
        memoryBytes: sys.memoryBytes,
        // A failed CPU reading is an unknown figure, never a reason to call the node down.
        ...(driver.cpuPercent && { cpuPercent: await driver.cpuPercent().catch(() => null) }),
      });
      if (result.added + result.removed > 0 || full) {
        logger.info({ node: node.name, added: result.added, removed: result.removed, full }, 'node synced');
      }
      // A worker stopped meanwhile leaves the file to whoever stopped it (`retire` empties it).
      if (!this.stopped) await this.writeConfig(desired);
      return { ...result, ok: true, full };
    } catch (error) {
      this.failures++;
      const message = error instanceof Error ? error.message : String(error);
      // A node down for long fails every cycle: the first failure and every 20th are worth a warning.
      const level = this.failures === 1 || this.failures % 20 === 0 ? 'warn' : 'debug';
      logger[level]({ node: node.name, err: message, failures: this.failures }, 'node pass failed');
      // A node removed during the pass has no row left to record on.
      if (!this.stopped && nodes.byId(node.id)) {
        const hostKey =
          error instanceof RemoteError && error.code === 'NODE_HOST_KEY_MISMATCH'
            ? { pinned: String(error.details.pinned), seen: String(error.details.seen) }
            : undefined;
        nodes.recordHealth(node.id, { ok: false, error: message, ...(hostKey && { hostKey }) });
      }
      return { ...result, error: message };
    }
  }

  /**
   * Keeps the node's config file listing its users (so it serves them across a restart while
   * xkeeper is away), coalesced: at most one write per `configWriteMs`; a change inside that
   * window is written when it ends. A failed write is retried by a later pass.
   */
  private async writeConfig(users: readonly CoreUser[], { now = false } = {}): Promise<void> {
    const core = this.driver?.process;
    if (!core) return;
    const digest = fingerprint(users);
    if (digest === this.file?.digest) return;
    const wait = this.writtenAt + this.options.configWriteMs - Date.now();
    if (wait > 0 && !now) {
      if (!this.configTimer && !this.stopped) {
        this.configTimer = setTimeout(() => {
          this.configTimer = undefined;
          this.wake();
        }, wait);
        this.configTimer.unref?.();
      }
      return;
    }
    this.writtenAt = Date.now();
    const outcome = await core.writeConfig(users).catch((error: unknown) => ({
      ok: false as const,
      message: error instanceof Error ? error.message : String(error),
    }));
    if (outcome.ok) this.file = { users, digest, at: Date.now() };
    else
      this.options.logger.warn({ node: this.name, err: outcome.message }, "writing the node's config failed");
  }
}

/**
 * Records node `local`'s health every `intervalMs` from `probe` (the local core's status), so
 * it is shown, alerted on and hidden from subscriptions by the same rules as any node.
 */
function watchLocalNode(
  probe: () => Promise<HealthObservation>,
  settings: { nodes: NodesService; logger: Logger; intervalMs: number },
) {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | null = null;
  let stopped = true;

  async function check(): Promise<void> {
    const node = settings.nodes.find(LOCAL_NODE);
    if (!node) return;
    const seen = await probe().catch((error: unknown): HealthObservation => ({
      ok: false,
      error: error instanceof Error ? error.message : String(error),
    }));
    if (!stopped) settings.nodes.recordHealth(node.id, seen);
  }

  function loop(): void {
    running = check()
      .catch((error: unknown) =>
        settings.logger.warn({ err: error }, "recording the local node's health failed"),
      )
      .finally(() => {
        running = null;
        if (stopped) return;
        timer = setTimeout(loop, settings.intervalMs);
        timer.unref?.();
      });
  }

  return {
    start(): void {
      if (!stopped) return;
      stopped = false;
      loop();
    },
    stop(): Promise<void> {
      stopped = true;
      clearTimeout(timer);
      return running ?? Promise.resolve();
    },
  };
}

/** What a node's driver is made from: the fields that say how and where it is reached. */
function reachOf(node: Node): string {
  return JSON.stringify([
    node.transport,
    node.directAddress,
    node.sshUser,
    node.sshHost,
    node.sshPort,
    node.sshHostKey,
    node.apiPort,
    node.coreBin,
    node.coreMode,
    node.remoteDir,
  ]);
}

/** The workers of every remote node (the local core keeps its own reconciler), and `local`'s health. */
export function createNodeWorkers(options: NodeWorkersOptions) {
  const settings = {
    nodes: options.nodes,
    logger: options.logger.child({ component: 'nodes' }),
    intervalMs: options.intervalMs ?? 30_000,
    maxBackoffMs: options.maxBackoffMs ?? options.intervalMs ?? 30_000,
    configWriteMs: options.configWriteMs ?? 5_000,
  };
  const workers = new Map<number, NodeWorker>();
  const local = options.localHealth && watchLocalNode(options.localHealth, settings);
  let started = false;

  /** Starts workers of new nodes, stops those of removed ones, renews those reached anew. */
  function refresh(): void {
    const remote = new Map(
      options.nodes
        .list()
        .filter((n) => n.transport !== 'local')
        .map((n) => [n.id, n]),
    );
    for (const [id, worker] of workers) {
      const node = remote.get(id);
      if (!node || reachOf(node) !== worker.reach) {
        void worker.stop();
        workers.delete(id);
      }
    }
    for (const node of remote.values()) {
      if (workers.has(node.id)) continue;
      const worker = new NodeWorker(node.id, node.name, reachOf(node), settings, options.driverFor(node));
      workers.set(node.id, worker);
      if (started) worker.start();
    }
  }

  function workerOf(name: string): NodeWorker {
    refresh();
    const node = options.nodes.get(name);
    const worker = workers.get(node.id);
    if (!worker) throw new Error(`node ${name} has no worker (the local core reconciles itself)`);
    return worker;
  }

  return {
    start(): void {
      started = true;
      refresh();
      for (const worker of workers.values()) worker.start();
      local?.start();
    },

    refresh,

    /** Wakes every worker (a key changed); each pass reads the database afresh. Not before start. */
    wakeAll(): void {
      if (!started) return;
      for (const worker of workers.values()) worker.wake();
    },

    /** Runs a pass of one node now and returns what it did (`node sync`). */
    syncNow(name: string): Promise<NodeSyncResult> {
      return workerOf(name).syncNow();
    },

    /**
     * Removes a node: disabled first, so a pass takes every user off it, then its row goes.
     * An unreachable node is removed anyway (its users stay until its core is wiped).
     */
    async remove(name: string, actor: string): Promise<{ drained: boolean }> {
      if (options.nodes.get(name).transport === 'local') {
        throw new AppError('VALIDATION_FAILED', 'the local node cannot be removed; disable it instead');
      }
      options.nodes.disable(name, actor);
      const result = await workerOf(name).retire();
      options.nodes.remove(name, actor);
      refresh();
      return { drained: result.ok };
    },

    /** `node restart` of a node whose core xkeeper runs (ssh). */
    restart(name: string): Promise<NodeSyncResult> {
      return workerOf(name).restartCore();
    },

    /** Drivers of enabled remote nodes, for collection. */
    drivers(): { node: Node; driver: NodeDriver }[] {
      refresh();
      return options.nodes.enabled().flatMap((node) => {
        const driver = workers.get(node.id)?.driver;
        return driver ? [{ node, driver }] : [];
      });
    },

    async stop(): Promise<void> {
      started = false;
      await Promise.all([...workers.values()].map((w) => w.stop().catch(() => undefined)));
      await local?.stop();
      workers.clear();
    },
  };
}

export type NodeWorkers = ReturnType<typeof createNodeWorkers>;
