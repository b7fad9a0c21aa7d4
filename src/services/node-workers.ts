/**
 * One worker per remote node, level-triggered: each pass compares what the node should hold
 * (the keys on it, from the database) with what it holds (listed by the core when it can,
 * else the applied state recorded in the database) and sends the difference, recording each
 * batch as applied in the step that sent it. Passes run on every wake-up (a key changed) and
 * on a timer, so a lost wake-up or a node down for a day only delays the repair. Each worker
 * runs on its own: a node that hangs holds up nobody but itself (every call has a deadline).
 */
import type { Logger } from '../logger.ts';
import type { CoreUser, NodeDriver } from './core-port.ts';
import type { Node, NodesService } from './nodes.service.ts';
import { hasRestarted } from './traffic.service.ts';

export interface NodeWorkersOptions {
  nodes: NodesService;
  logger: Logger;
  /** The driver of a remote node; null when this build cannot reach its transport. */
  driverFor: (node: Node) => NodeDriver | null;
  /** Pause between passes of a healthy node (default 30 s). */
  intervalMs?: number;
  /** Longest pause after failures (default 5 min); the pause doubles per failure from intervalMs. */
  maxBackoffMs?: number;
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

const key = (name: string) => name.toLowerCase();

/** desired − current, by name and UUID: what to remove and what to add. */
function difference(desired: readonly CoreUser[], current: readonly CoreUser[], full: boolean) {
  const want = new Map(desired.map((u) => [key(u.name), u]));
  const have = new Map(current.map((u) => [key(u.name), u]));
  const remove = current.filter((u) => want.get(key(u.name))?.uuid !== u.uuid).map((u) => u.name);
  const add = full ? [...desired] : desired.filter((u) => have.get(key(u.name))?.uuid !== u.uuid);
  return { remove, add };
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
  readonly driver: NodeDriver | null;

  constructor(
    readonly nodeId: number,
    readonly name: string,
    private readonly options: Required<Omit<NodeWorkersOptions, 'driverFor'>>,
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

  stop(): Promise<unknown> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.driver?.close();
    return this.running ?? Promise.resolve();
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
      const started = performance.now();
      const sys = await driver.sysStats();
      const rttMs = performance.now() - started;
      // A core that restarted holds only its config file's users: everything is re-applied.
      // So is one xkeeper has not seen yet, unless the core lists its users (exact).
      const restarted =
        this.lastUptime === undefined || hasRestarted(this.lastUptime, this.lastUptimeAt, sys.uptimeSeconds);
      const listed = await driver.listUsers();
      if (listed) nodes.replaceApplied(node.id, listed);
      const full = restarted && listed === null;
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
      });
      if (result.added + result.removed > 0 || full) {
        logger.info({ node: node.name, added: result.added, removed: result.removed, full }, 'node synced');
      }
      return { ...result, ok: true, full };
    } catch (error) {
      this.failures++;
      const message = error instanceof Error ? error.message : String(error);
      logger.warn({ node: node.name, err: message, failures: this.failures }, 'node pass failed');
      if (!this.stopped) nodes.recordHealth(node.id, { ok: false, error: message });
      return { ...result, error: message };
    }
  }
}

/** The workers of every remote node (the local core keeps its own reconciler). */
export function createNodeWorkers(options: NodeWorkersOptions) {
  const settings = {
    nodes: options.nodes,
    logger: options.logger.child({ component: 'nodes' }),
    intervalMs: options.intervalMs ?? 30_000,
    maxBackoffMs: options.maxBackoffMs ?? 300_000,
  };
  const workers = new Map<number, NodeWorker>();
  let started = false;

  /** Starts workers of new nodes and stops those of removed ones. */
  function refresh(): void {
    const remote = options.nodes.list().filter((n) => n.transport !== 'local');
    const ids = new Set(remote.map((n) => n.id));
    for (const [id, worker] of workers) {
      if (!ids.has(id)) {
        void worker.stop();
        workers.delete(id);
      }
    }
    for (const node of remote) {
      if (workers.has(node.id)) continue;
      const worker = new NodeWorker(node.id, node.name, settings, options.driverFor(node));
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
    },

    refresh,

    /** Wakes every worker (a key changed); each pass reads the database afresh. */
    wakeAll(): void {
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
      // The local node cannot be removed: refused before it is disabled.
      if (options.nodes.get(name).transport === 'local') options.nodes.remove(name, actor);
      options.nodes.disable(name, actor);
      const result = await workerOf(name).syncNow();
      options.nodes.remove(name, actor);
      refresh();
      return { drained: result.ok };
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
      workers.clear();
    },
  };
}

export type NodeWorkers = ReturnType<typeof createNodeWorkers>;
