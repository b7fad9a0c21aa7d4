/**
 * Connects the core adapter to the services: the DB is the truth the core follows, the
 * REALITY keys live in settings (so backups carry them), and core incidents become events
 * and admin alerts. Used by main.ts and, for ops on the files, by the CLI.
 */
import { readFile } from 'node:fs/promises';
import { resolveCoreBin, type Config } from './config.ts';
import { createCpuMeter } from './core/cpu.ts';
import { coreVersionLabel } from './core/flavor.ts';
import { createCore, type Core, type CoreEvent } from './core/index.ts';
import type { Logger } from './logger.ts';
import type { Services } from './services/index.ts';
import type { NodeDriver } from './services/core-port.ts';
import { remoteNodeActions } from './services/node-actions.ts';
import { type HealthObservation, LOCAL_NODE, parseHostPort, type Node } from './services/nodes.service.ts';
import { createNodeWorkers, type NodeWorkers } from './services/node-workers.ts';
import { createDirectNode } from './core/direct-node.ts';
import { loadOrCreateSshKey, type RemoteCore } from './core/remote/index.ts';
import { createSshNode, type SshNodeOptions } from './core/remote/ssh-node.ts';

/**
 * Makes sure node `local` has its REALITY key pair and short ids (generated at first start;
 * later starts keep them, in its row).
 */
export function ensureRealityKeys(services: Services): void {
  services.nodes.ensureLocal();
}

/** Records a core incident; warnings and worse also alert the admins (throttled). */
export function recordCoreEvent(services: Services, event: CoreEvent): void {
  services.db.transaction((tx) => {
    services.events.record(
      { type: event.type, severity: event.severity, actor: 'core', data: event.data },
      tx,
    );
    if (event.severity === 'info') return;
    // One alert of a type per 10 minutes.
    services.admins.alert(
      { type: event.type, severity: event.severity, data: event.data },
      { tx, throttleMinutes: 10 },
    );
  });
}

/** Creates the local core adapter fed by the services, and attaches it to them. */
export function wireCore(config: Readonly<Config>, services: Services, logger: Logger): Core {
  ensureRealityKeys(services);
  const core = createCore({
    config,
    logger: logger.child({ component: 'core' }),
    getDesiredState: () => {
      const local = services.nodes.get(LOCAL_NODE);
      const { sni, target, reality } = services.nodes.endpoint(local);
      return {
        reality: { privateKey: reality.privateKey, shortIds: reality.shortIds, sni, target },
        // The local node's members in core status; none while it is disabled.
        users: services.nodes.desiredUsers(local.id),
      };
    },
    onEvent: (event) => recordCoreEvent(services, event),
  });
  services.attachCore(core, {
    status: () => core.status() as unknown as Promise<Record<string, unknown>>,
    check: () => core.check() as unknown as Promise<Record<string, unknown>>,
    sync: () => core.sync() as unknown as Promise<Record<string, unknown>>,
    restart: () => core.restart(),
    reload: async () => core.reloadBinary?.(resolveCoreBin(config)),
  });
  return core;
}

/**
 * Creates the workers of the remote nodes and attaches them (collection reads their nodes,
 * key changes wake them). They run once started.
 */
export function wireNodes(
  services: Services,
  logger: Logger,
  options: {
    /** The local core: node `local`'s health is read from it on the workers' cycle. */
    local?: Pick<Core, 'status'>;
    intervalMs?: number;
    maxBackoffMs?: number;
    timeoutMs?: number;
    configWriteMs?: number;
    sshBackoffMs?: number;
  } = {},
): NodeWorkers {
  const { nodes, config } = services;
  // xkeeper's key, read once for every node.
  let key: Promise<string> | null = null;
  const privateKey = () => {
    key ??= loadOrCreateSshKey(config.dataDir).then((k) => k.privateKey);
    key.catch(() => (key = null));
    return key;
  };
  const intervalMs = options.intervalMs ?? config.NODE_SYNC_INTERVAL_SECONDS * 1000;
  const workers = createNodeWorkers({
    nodes,
    logger,
    driverFor: (node) =>
      nodeDriverFor(node, {
        timeoutMs: options.timeoutMs,
        ssh: {
          privateKey,
          settings: () => {
            const row = nodes.byId(node.id);
            return row && nodes.coreSettings(row);
          },
          backoffInitialMs: options.sshBackoffMs,
          // A node back after an outage is reached again within one pass interval.
          backoffMaxMs: Math.min(30_000, intervalMs),
        },
      }),
    intervalMs,
    maxBackoffMs: options.maxBackoffMs,
    configWriteMs: options.configWriteMs,
    ...(options.local && { localHealth: localNodeHealth(options.local) }),
  });
  services.attachNodeWorkers(workers);
  services.nodes.attachActions('remote', remoteNodeActions(workers));
  return workers;
}

/**
 * Node `local`'s health as the local core tells it (down when it does not run or answer),
 * with this machine's CPU use over the cycle and the core's own memory (SysStats).
 */
export function localNodeHealth(
  core: Pick<Core, 'status'>,
  cpuPercent = createCpuMeter(() => readFile('/proc/stat', 'utf8')),
): () => Promise<HealthObservation> {
  return async () => {
    const started = performance.now();
    const status = await core.status();
    const rttMs = performance.now() - started;
    if (!status.running) {
      return { ok: false, error: status.last_error ?? status.reason ?? 'the local core does not answer' };
    }
    return {
      ok: true,
      rttMs,
      version: status.flavor && status.version ? coreVersionLabel(status.flavor, status.version) : null,
      uptimeSeconds: status.uptime_seconds,
      usersInCore: status.users_in_core,
      memoryBytes: status.memory_bytes,
      cpuPercent: await cpuPercent(),
    };
  };
}

/**
 * Starts the core. A core orphaned by a crashed xkeeper is read first, so the crash loses
 * no traffic, then the adapter adopts it (same settings) or replaces it.
 */
export async function startCore(core: Core, services: Services, logger: Logger): Promise<void> {
  const orphan = await core.findOrphan();
  if (orphan) {
    logger.info(
      { pid: orphan.pid, current: orphan.current },
      'found a core left running; reading its counters first',
    );
    await services.traffic.collect();
  }
  await core.start();
}

/**
 * The driver of a remote node by its transport. `direct`: its Xray API at HOST:PORT. `ssh`:
 * one SSH link per node with a forward of the node's loopback API port, the same API driver
 * on that forward, and the node's core process driven over the link.
 */
interface NodeDriverOptions {
  /** Deadline of each call to a node (default 5 s). */
  timeoutMs?: number;
  ssh?: Pick<SshNodeOptions, 'privateKey' | 'settings' | 'backoffInitialMs' | 'backoffMaxMs'>;
}

export function nodeDriverFor(node: Node, options: NodeDriverOptions = {}): NodeDriver | null {
  if (node.transport === 'direct' && node.directAddress) {
    const address = parseHostPort(node.directAddress);
    return address ? createDirectNode({ ...address, timeoutMs: options.timeoutMs }) : null;
  }
  if (node.transport === 'ssh' && options.ssh && node.sshUser && node.sshHost && node.sshHostKey) {
    return createSshNode({
      ...options.ssh,
      target: { username: node.sshUser, host: node.sshHost, port: node.sshPort ?? 22 },
      hostKey: node.sshHostKey,
      apiPort: node.apiPort ?? 10085,
      timeoutMs: options.timeoutMs,
      core: remoteCoreOf(node),
    });
  }
  return null;
}

/** The core provisioning left running on an ssh node; null when xkeeper does not know it. */
function remoteCoreOf(node: Node): RemoteCore | null {
  if (!node.coreBin || !node.coreFlavor || !node.coreMode || !node.remoteDir) return null;
  return {
    bin: node.coreBin,
    flavor: node.coreFlavor,
    version: node.coreVersion?.replace(/^\S+ /, '') ?? '',
    mode: node.coreMode,
    remoteDir: node.remoteDir,
  };
}
