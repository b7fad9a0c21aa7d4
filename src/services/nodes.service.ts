/**
 * VPN servers (nodes): the model every other layer builds on. A node is one core with its own
 * address, REALITY material and transport; the local core is the node `local`. This service
 * owns the rows (create, change, enable, remove), what each node should hold (desired users),
 * what it holds as far as xkeeper applied it (applied users, written in the step that applies
 * them) and its health. Talking to nodes is the workers' job (src/services/node-workers.ts).
 */
import { and, asc, eq, sql } from 'drizzle-orm';
import type { Config } from '../config.ts';
import { coreVersionLabel } from '../core/flavor.ts';
import { generateRealityKeyPair, generateShortIds, realityPublicKey } from '../core/reality.ts';
import { parseSshTarget as parseRemoteSshTarget, type SshTarget } from '../core/remote/ssh.ts';
import type { Db } from '../db/client.ts';
import { lazyStatement } from '../db/statements.ts';
import {
  coreCounters,
  coreCounterSets,
  keyNodes,
  nodes,
  nodeUsers,
  type Node,
  type NodeTransport,
} from '../db/schema.ts';
import type { Clock } from './clock.ts';
import { utcDay } from './traffic.service.ts';
import { STATUSES_IN_CORE, type CoreUser } from './core-port.ts';
import { AppError } from './errors.ts';
import type { AlertOptions } from './alerts.ts';
import type { EventsService } from './events.service.ts';
import type { AdminAlert } from './messages.ts';
import type { NodeAction, NodeActions } from './node-actions.ts';
import type { NodeProvisioner, ProvisionRequest } from './node-provisioning.ts';

export type { Node, NodeTransport } from '../db/schema.ts';

/** The name of the local core's node. */
export const LOCAL_NODE = 'local';

/** `up`/`down` from health checks; `unknown` before the first; `disabled` whatever the health. */
export type NodeStatus = 'up' | 'down' | 'unknown' | 'disabled';

/** A node as the CLI and HTTP API show it (CONTRACT.md node JSON). Never holds secrets. */
export interface NodeJson {
  name: string;
  display_name: string;
  status: NodeStatus;
  /** Since when the status holds (ISO), null before the first check. */
  since: string | null;
  transport: NodeTransport;
  address: string;
  port: number;
  sni: string;
  target: string;
  public_key: string | null;
  short_ids: string[];
  enabled: boolean;
  traffic_multiplier: number;
  position: number;
  version: string | null;
  /** Users in the node's core at the last check (null: unknown). */
  users: number | null;
  uptime_seconds: number | null;
  rtt_ms: number | null;
  memory_bytes: number | null;
  cpu_percent: number | null;
  last_error: string | null;
  last_seen_at: string | null;
  /** ssh: how xkeeper reaches it (the pinned host key is a public fingerprint). */
  ssh: { user: string; host: string; port: number; host_key: string | null } | null;
  /** direct: the core API's HOST:PORT. */
  direct: string | null;
  remote_dir: string | null;
  core_bin: string | null;
  /** ssh: the API port on the node's loopback. */
  api_port: number | null;
}

/** What the config and the links of a node need, with the environment's defaults filled in. */
import type { NodeEndpoint } from '../core/node-config.ts';
import type { NodeCoreSettings } from '../core/remote/provision.ts';

export type { NodeEndpoint };

export interface CreateNodeInput {
  name: string;
  displayName?: string | null;
  /** Public address for links; default the SSH host, or the host of `direct`. */
  address?: string;
  port?: number;
  sni?: string;
  target?: string;
  transport: Exclude<NodeTransport, 'local'>;
  ssh?: { user: string; host: string; port?: number; hostKey?: string | null };
  /** direct: "HOST:PORT" of the core API. */
  direct?: string;
  remoteDir?: string;
  coreBin?: string | null;
  apiPort?: number;
  trafficMultiplier?: number;
  enabled?: boolean;
  /** The node's REALITY material; made here when absent ({@link NodesService.plan} makes it first). */
  reality?: { privateKey: string; shortIds: string[] };
  /** ssh: the node's core as provisioning left it running. */
  core?: { bin: string; flavor: 'xray' | 'v2fly'; version: string; mode: 'systemd' | 'detached' };
}

/** A node about to be added: its input with REALITY material, and the core settings it will run. */
export interface NodePlan {
  input: CreateNodeInput & { reality: { privateKey: string; shortIds: string[] } };
  settings: NodeCoreSettings;
}

/** What `node set` may change. The name and transport are fixed (the name keys counters). */
export interface UpdateNodeInput {
  displayName?: string | null;
  address?: string | null;
  port?: number | null;
  sni?: string | null;
  target?: string | null;
  trafficMultiplier?: number;
  position?: number;
  sshHostKey?: string | null;
  coreBin?: string | null;
  remoteDir?: string | null;
  apiPort?: number | null;
  directAddress?: string | null;
}

/** A node's raw traffic (before its multiplier) today and this month, UTC. */
export interface NodeUsage {
  today: { upload: number; download: number };
  month: { upload: number; download: number };
}

/** One health check's outcome, as a worker saw it. */
export type HealthObservation =
  | {
      ok: true;
      rttMs: number;
      version?: string | null;
      uptimeSeconds?: number | null;
      usersInCore?: number | null;
      memoryBytes?: number | null;
      cpuPercent?: number | null;
    }
  | {
      ok: false;
      error: string;
      /** The node pinned another host key: down at once (retrying cannot fix it), alerted once per key seen. */
      hostKey?: { pinned: string; seen: string };
    };

/** A change of a node's up/down state, raised once per transition. */
export type HealthTransition = 'up' | 'down' | null;

export const NODE_NAME_RE = /^[a-z0-9][a-z0-9_-]{0,31}$/i;
/** A DNS host name (what a REALITY server name is): dotted labels ending in a letters-only TLD. */
export const HOSTNAME_RE = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;
/** A pinned SSH host key: OpenSSH's SHA-256 fingerprint. */
export const HOST_KEY_RE = /^SHA256:[A-Za-z0-9+/]{43}=?$/;
const HOST_PORT_RE = /^(\[[0-9a-f:.]+\]|[^\s:[\]]+):(\d{1,5})$/i;
const DEFAULT_REMOTE_DIR = '/usr/local/etc/xkeeper';
const DEFAULT_API_PORT = 10085;
/** Failed cycles in a row before a node counts as down. */
export const DOWN_AFTER_FAILURES = 3;

/** Splits "HOST:PORT" (IPv6 in brackets); null when it is not one. */
export function parseHostPort(value: string): { host: string; port: number } | null {
  const match = HOST_PORT_RE.exec(value.trim());
  if (!match) return null;
  const port = Number(match[2]);
  if (port < 1 || port > 65535) return null;
  return { host: match[1]!.replace(/^\[|\]$/g, ''), port };
}

/**
 * Splits "USER@HOST[:PORT]" with the SSH layer's own grammar (the one that connects), port
 * undefined when not given; null when it is not one.
 */
export function parseSshTarget(value: string): { user: string; host: string; port?: number } | null {
  let target: SshTarget;
  try {
    target = parseRemoteSshTarget(value);
  } catch {
    return null;
  }
  const portGiven = /:\d+$/.test(value.trim());
  return { user: target.username, host: target.host, port: portGiven ? target.port : undefined };
}

function invalid(message: string): AppError {
  return new AppError('VALIDATION_FAILED', message);
}

function checkPort(port: number | null | undefined, what: string): void {
  if (port != null && (!Number.isInteger(port) || port < 1 || port > 65535)) {
    throw invalid(`${what} must be a port (1-65535)`);
  }
}

function checkSni(sni: string | null | undefined): void {
  if (sni != null && !HOSTNAME_RE.test(sni)) throw invalid('SNI must be a host name, like www.microsoft.com');
}

function checkHostKey(value: string | null | undefined): void {
  if (value != null && !HOST_KEY_RE.test(value)) {
    throw invalid('a host key is its SHA-256 fingerprint: SHA256: and 43 base64 characters');
  }
}

/** The address a new node's links carry: the one given, else the host xkeeper reaches it at. */
function publicAddress(input: CreateNodeInput): string {
  const given = input.address?.trim();
  if (given) return given;
  if (input.transport === 'ssh') return input.ssh?.host.trim() ?? '';
  return (input.direct && parseHostPort(input.direct)?.host) ?? '';
}

function checkMultiplier(value: number | undefined): void {
  if (value !== undefined && !(Number.isFinite(value) && value >= 0 && value <= 100)) {
    throw invalid('traffic multiplier must be between 0 and 100');
  }
}

export function createNodesService(deps: {
  db: Db;
  clock: Clock;
  config: Pick<
    Readonly<Config>,
    | 'vlessHost'
    | 'VLESS_PORT'
    | 'REALITY_SNI'
    | 'REALITY_TARGET'
    | 'BLOCK_PRIVATE_NETWORKS'
    | 'REALITY_MIN_CLIENT_VER'
  >;
  events: Pick<EventsService, 'record'>;
  /** Raises a deduplicated admin alert (services.admins.alert); absent in some tests. */
  alert?: (
    alert: Extract<AdminAlert, { type: 'node.down' | 'node.up' | 'node.host_key_changed' }>,
    options: AlertOptions,
  ) => void;
  /** Runs a new SSH node's core before its row is written (`node add --ssh`). */
  provisioner?: NodeProvisioner;
  /** What the collector charged a key on a node since migration 0012 (traffic.chargedOnNode). */
  chargedOnNode?: (nodeId: number, keyId: number) => { upload: number; download: number };
  /** After a node's rows are gone: the collector drops what it kept of it (traffic.forgetNode). */
  onRemoved?: (node: Node) => void;
  /**
   * After a node was enabled, disabled or changed (by the bot, the CLI or the API alike): its
   * worker applies the change now, not at its next timer, and one reached anew is remade.
   */
  onChanged?: (node: Node) => void;
}) {
  const { db, clock, config, events } = deps;
  const sqlite = db.$client;
  const inCore = STATUSES_IN_CORE.map((s) => `'${s}'`).join(', ');
  // Hot path of every worker pass: plain prepared statements.
  const selectDesired = lazyStatement(
    sqlite,
    `SELECT k.name AS name, k.uuid AS uuid FROM key_nodes kn
     JOIN keys k ON k.id = kn.key_id JOIN nodes n ON n.id = kn.node_id
     WHERE kn.node_id = ? AND n.enabled = 1 AND k.status IN (${inCore})`,
  );
  const selectAllInCore = lazyStatement(sqlite, `SELECT name, uuid FROM keys WHERE status IN (${inCore})`);
  const selectApplied = lazyStatement(sqlite, 'SELECT name, uuid FROM node_users WHERE node_id = ?');
  const upsertApplied = lazyStatement(
    sqlite,
    `INSERT INTO node_users (node_id, name_key, name, uuid) VALUES (?, ?, ?, ?)
     ON CONFLICT (node_id, name_key) DO UPDATE SET name = excluded.name, uuid = excluded.uuid`,
  );
  const selectUsage = lazyStatement(
    sqlite,
    `SELECT coalesce(sum(CASE WHEN day = ? THEN upload_bytes END), 0) AS tu,
       coalesce(sum(CASE WHEN day = ? THEN download_bytes END), 0) AS td,
       coalesce(sum(upload_bytes), 0) AS mu, coalesce(sum(download_bytes), 0) AS md
     FROM node_usage_daily WHERE node_id = ? AND day >= ?`,
  );
  const deleteApplied = lazyStatement(sqlite, 'DELETE FROM node_users WHERE node_id = ? AND name_key = ?');
  // Read on every key view and subscription poll: which nodes a key is on (covering index).
  const selectNodeIdsOfKey = lazyStatement(sqlite, 'SELECT node_id FROM key_nodes WHERE key_id = ?');
  /**
   * Every node, in order, kept between writes: a handful of rows read on every key view and
   * poll. Each write to `nodes` below drops it; it is never filled inside a transaction, so
   * a rolled-back write cannot leave its rows here.
   */
  let cachedNodes: Node[] | null = null;
  function allNodes(): Node[] {
    if (cachedNodes) return cachedNodes;
    const rows = db.select().from(nodes).orderBy(asc(nodes.position), asc(nodes.id)).all();
    if (!sqlite.inTransaction) cachedNodes = rows;
    return rows;
  }
  /** The enabled nodes among `ids`, in order. */
  function enabledAmong(ids: readonly number[]): Node[] {
    return allNodes().filter((node) => node.enabled && ids.includes(node.id));
  }
  function nodesChanged(): void {
    cachedNodes = null;
  }
  // Deriving a public key costs more than the rest of a poll: once per private key.
  const publicKeys = new Map<string, string>();
  /** Operator actions by who runs them: the local core's controls, the remote nodes' workers. */
  const actions: Record<'local' | 'remote', NodeActions | null> = { local: null, remote: null };

  function find(name: string): Node | null {
    return (
      db
        .select()
        .from(nodes)
        .where(sql`lower(${nodes.name}) = ${name.toLowerCase()}`)
        .get() ?? null
    );
  }

  function get(name: string): Node {
    const node = find(name);
    if (!node) throw new AppError('NOT_FOUND', `no node named ${name}`);
    return node;
  }

  function byId(id: number): Node | null {
    return db.select().from(nodes).where(eq(nodes.id, id)).get() ?? null;
  }

  function touch(id: number, set: Partial<typeof nodes.$inferInsert>): Node {
    nodesChanged();
    return db
      .update(nodes)
      .set({ ...set, updatedAt: clock.now() })
      .where(eq(nodes.id, id))
      .returning()
      .get();
  }

  function statusOf(node: Node): NodeStatus {
    return node.enabled ? node.health : 'disabled';
  }

  /** The endpoint of a node: its own values, the environment's for what `local` leaves null. */
  function endpoint(
    node: Pick<Node, 'realityPrivateKey' | 'realityShortIds' | 'sni' | 'address' | 'port' | 'target'>,
  ): NodeEndpoint {
    const privateKey = node.realityPrivateKey ?? '';
    let publicKey = publicKeys.get(privateKey);
    if (publicKey === undefined) {
      try {
        publicKey = privateKey ? realityPublicKey(privateKey) : '';
      } catch {
        publicKey = '';
      }
      publicKeys.set(privateKey, publicKey);
    }
    const sni = node.sni ?? config.REALITY_SNI;
    return {
      address: node.address ?? config.vlessHost,
      port: node.port ?? config.VLESS_PORT,
      sni,
      target: node.target ?? config.REALITY_TARGET ?? `${sni}:443`,
      reality: { privateKey, publicKey, shortIds: node.realityShortIds },
    };
  }

  /** The settings a remote node's core runs on: its endpoint, its API port, the local core's rules. */
  function coreSettings(node: Parameters<typeof endpoint>[0] & Pick<Node, 'apiPort'>): NodeCoreSettings {
    const ep = endpoint(node);
    return {
      apiPort: node.apiPort ?? DEFAULT_API_PORT,
      vlessPort: ep.port,
      reality: {
        privateKey: ep.reality.privateKey,
        shortIds: ep.reality.shortIds,
        sni: ep.sni,
        target: ep.target,
        minClientVer: config.REALITY_MIN_CLIENT_VER,
      },
      blockPrivateNetworks: config.BLOCK_PRIVATE_NETWORKS,
      logLevel: 'warning',
    };
  }

  function view(node: Node): NodeJson {
    const ep = endpoint(node);
    return {
      name: node.name,
      display_name: node.displayName ?? node.name,
      status: statusOf(node),
      since: node.healthSince?.toISOString() ?? null,
      transport: node.transport,
      address: ep.address,
      port: ep.port,
      sni: ep.sni,
      target: ep.target,
      public_key: ep.reality.publicKey || null,
      short_ids: ep.reality.shortIds,
      enabled: node.enabled,
      traffic_multiplier: node.trafficMultiplier,
      position: node.position,
      version: node.coreVersion,
      users: node.usersInCore,
      uptime_seconds: node.uptimeSeconds,
      rtt_ms: node.rttMs,
      memory_bytes: node.memoryBytes,
      cpu_percent: node.cpuPercent,
      last_error: node.lastError,
      last_seen_at: node.lastSeenAt?.toISOString() ?? null,
      ssh:
        node.transport === 'ssh'
          ? {
              user: node.sshUser ?? '',
              host: node.sshHost ?? '',
              port: node.sshPort ?? 22,
              host_key: node.sshHostKey,
            }
          : null,
      direct: node.directAddress,
      remote_dir: node.remoteDir,
      core_bin: node.coreBin,
      api_port: node.apiPort,
    };
  }

  function checkCreate(input: CreateNodeInput): void {
    if (!NODE_NAME_RE.test(input.name)) {
      throw invalid('node name: 1-32 letters, digits, "_" or "-", starting with a letter or digit');
    }
    checkPort(input.port, 'port');
    checkMultiplier(input.trafficMultiplier);
    checkSni(input.sni);
    if (input.transport === 'direct') {
      if (!input.direct || !parseHostPort(input.direct)) throw invalid('--direct needs HOST:PORT');
    } else if (input.transport === 'ssh') {
      if (!input.ssh?.user || !input.ssh.host) throw invalid('--ssh needs USER@HOST[:PORT]');
      checkPort(input.ssh.port, 'ssh port');
      checkHostKey(input.ssh.hostKey);
      checkPort(input.apiPort, 'api port');
    } else {
      throw invalid(`unknown transport ${String(input.transport)}`);
    }
    if (!publicAddress(input)) throw invalid('a node needs a public address for its links');
  }

  function setEnabled(name: string, enabled: boolean, actor: string): { node: Node; changed: boolean } {
    const node = get(name);
    if (node.enabled === enabled) return { node, changed: false };
    const next = db.transaction((tx) => {
      const row = touch(node.id, { enabled });
      events.record({ type: enabled ? 'node.enabled' : 'node.disabled', actor, subject: node.name }, tx);
      return row;
    });
    deps.onChanged?.(next);
    return { node: next, changed: true };
  }

  const service = {
    /** Every node, in order (`local` first unless moved). */
    list(): Node[] {
      return [...allNodes()];
    },

    /** Enabled nodes, in order. */
    enabled(): Node[] {
      return allNodes().filter((node) => node.enabled);
    },

    /** Restored data is in place: the rows kept between writes are stale. */
    forget: nodesChanged,

    find,
    /** @throws AppError NOT_FOUND */
    get,
    byId,
    view,
    status: statusOf,
    endpoint,

    /**
     * Makes sure node `local` exists and has REALITY material (first start of a fresh
     * install; an upgraded one got its row from the migration). Returns it.
     */
    ensureLocal(): Node {
      let node = find(LOCAL_NODE);
      if (!node) {
        nodesChanged();
        node =
          db
            .insert(nodes)
            .values({ name: LOCAL_NODE, transport: 'local', position: 0 })
            .onConflictDoNothing()
            .returning()
            .get() ?? get(LOCAL_NODE);
      }
      if (!node.realityPrivateKey || node.realityShortIds.length === 0) {
        node = touch(node.id, {
          realityPrivateKey: node.realityPrivateKey ?? generateRealityKeyPair().privateKey,
          realityShortIds: node.realityShortIds.length > 0 ? node.realityShortIds : generateShortIds(),
        });
      }
      return node;
    },

    /**
     * Checks a node about to be added and makes its REALITY material, without writing
     * anything: provisioning runs the node on these settings before its row exists.
     */
    plan(input: CreateNodeInput): NodePlan {
      checkCreate(input);
      if (find(input.name)) throw new AppError('NODE_NAME_TAKEN', `a node named ${input.name} exists`);
      const reality = input.reality ?? {
        privateKey: generateRealityKeyPair().privateKey,
        shortIds: generateShortIds(),
      };
      const sni = input.sni ?? config.REALITY_SNI;
      const settings = coreSettings({
        address: publicAddress(input),
        port: input.port ?? 443,
        sni,
        target: input.target ?? `${sni}:443`,
        realityPrivateKey: reality.privateKey,
        realityShortIds: reality.shortIds,
        apiPort: input.apiPort ?? DEFAULT_API_PORT,
      });
      return { input: { ...input, reality }, settings };
    },

    coreSettings,

    /** Adds a node (its own REALITY keys made here unless given); every key joins it. */
    create(input: CreateNodeInput, actor: string): Node {
      checkCreate(input);
      if (find(input.name)) throw new AppError('NODE_NAME_TAKEN', `a node named ${input.name} exists`);
      return db.transaction((tx) => {
        const position =
          (tx
            .select({ max: sql<number>`max(${nodes.position})` })
            .from(nodes)
            .get()?.max ?? 0) + 1;
        nodesChanged();
        const node = tx
          .insert(nodes)
          .values({
            name: input.name,
            displayName: input.displayName ?? null,
            address: publicAddress(input),
            port: input.port ?? 443,
            sni: input.sni ?? config.REALITY_SNI,
            target: input.target ?? `${input.sni ?? config.REALITY_SNI}:443`,
            realityPrivateKey: input.reality?.privateKey ?? generateRealityKeyPair().privateKey,
            realityShortIds: input.reality?.shortIds ?? generateShortIds(),
            transport: input.transport,
            sshUser: input.ssh?.user ?? null,
            sshHost: input.ssh?.host ?? null,
            sshPort: input.transport === 'ssh' ? (input.ssh?.port ?? 22) : null,
            sshHostKey: input.ssh?.hostKey ?? null,
            remoteDir: input.transport === 'ssh' ? (input.remoteDir ?? DEFAULT_REMOTE_DIR) : null,
            coreBin: input.core?.bin ?? input.coreBin ?? null,
            coreFlavor: input.core?.flavor ?? null,
            coreMode: input.core?.mode ?? null,
            coreVersion: input.core ? coreVersionLabel(input.core.flavor, input.core.version) : null,
            apiPort: input.transport === 'ssh' ? (input.apiPort ?? DEFAULT_API_PORT) : null,
            directAddress: input.transport === 'direct' ? input.direct!.trim() : null,
            enabled: input.enabled ?? true,
            trafficMultiplier: input.trafficMultiplier ?? 1,
            position,
          })
          .returning()
          .get();
        // Every key is on every node.
        tx.run(sql`INSERT INTO key_nodes (key_id, node_id) SELECT id, ${node.id} FROM keys`);
        events.record(
          { type: 'node.created', actor, subject: node.name, data: { transport: node.transport } },
          tx,
        );
        return node;
      });
    },

    /** Changes what `node set` may change. */
    update(name: string, patch: UpdateNodeInput, actor: string): Node {
      const node = get(name);
      checkPort(patch.port, 'port');
      checkPort(patch.apiPort, 'api port');
      checkMultiplier(patch.trafficMultiplier);
      checkHostKey(patch.sshHostKey);
      checkSni(patch.sni);
      if (patch.directAddress != null && !parseHostPort(patch.directAddress)) {
        throw invalid('direct address must be HOST:PORT');
      }
      const set = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
      if (node.transport !== 'local' && set.address === null) throw invalid('a node needs an address');
      const row = db.transaction((tx) => {
        const row = touch(node.id, set);
        events.record({ type: 'node.modified', actor, subject: node.name, data: set }, tx);
        return row;
      });
      deps.onChanged?.(row);
      return row;
    },

    /** Puts a node back in service; its worker applies every key. */
    enable(name: string, actor: string) {
      return setEnabled(name, true, actor);
    },

    /** Takes a node out of service: its desired users become none (its worker removes them). */
    disable(name: string, actor: string) {
      return setEnabled(name, false, actor);
    },

    /**
     * Deletes a node's row, its membership, applied state and counter baselines. The caller
     * drains it first (disable, then let its worker remove its users) when it is reachable.
     * The local node stays (disable it instead).
     */
    remove(name: string, actor: string): Node {
      const node = get(name);
      if (node.transport === 'local') {
        throw new AppError('VALIDATION_FAILED', 'the local node cannot be removed; disable it instead');
      }
      db.transaction((tx) => {
        tx.delete(nodes).where(eq(nodes.id, node.id)).run();
        nodesChanged();
        tx.delete(coreCounters).where(eq(coreCounters.coreId, node.name)).run();
        tx.delete(coreCounterSets).where(eq(coreCounterSets.coreId, node.name)).run();
        events.record({ type: 'node.removed', actor, subject: node.name }, tx);
      });
      deps.onRemoved?.(node);
      return node;
    },

    /**
     * Removes a node as an operator asks for it (`DELETE /nodes/{name}`, `node remove`): its
     * worker takes its users off it first where one runs (an unreachable node goes anyway).
     */
    async retire(name: string, actor: string): Promise<{ node: Node; drained: boolean }> {
      const node = get(name);
      if (node.transport !== 'local' && actions.remote?.retire) {
        return { node, ...(await actions.remote.retire(node, actor)) };
      }
      return { node: service.remove(name, actor), drained: false };
    },

    /**
     * Adds a node as an operator asks for it (`POST /nodes`, `node add`): the one entry point
     * of both, where the SSH provisioning of a new node plugs in.
     */
    async add(input: CreateNodeInput, actor: string, request: ProvisionRequest = {}): Promise<Node> {
      let node: Node;
      if (input.transport === 'ssh') {
        if (!deps.provisioner)
          throw new AppError('CORE_UNAVAILABLE', 'this build cannot provision SSH nodes');
        // The node runs before its row exists: a failed step leaves no row behind.
        const plan = service.plan(input);
        const users = selectAllInCore().all() as CoreUser[];
        const provisioned = await deps.provisioner.provision(plan, users, request);
        node = service.create({ ...plan.input, ...provisioned }, actor);
        // Its config lists every key: that is what its core holds now.
        service.recordApplied(node.id, { added: users });
        request.onProgress?.({ step: 'users', status: 'done', detail: `${users.length} keys in its config` });
      } else {
        node = service.create(input, actor);
      }
      // A first pass right away: the node gets every key, and the answer says whether it is up
      // (a node that does not answer is recorded as such; its worker goes on trying).
      await actions.remote?.check(node).catch(() => undefined);
      const added = byId(node.id) ?? node;
      request.onProgress?.({
        step: 'ready',
        status: 'done',
        detail: `node ${added.name} ${statusOf(added) === 'down' ? 'added, but down: ' + (added.lastError ?? '') : 'ready'}`,
      });
      return added;
    },

    /** Connects (or with null, detaches) the actions of the local core or of the remote nodes. */
    attachActions(runner: 'local' | 'remote', port: NodeActions | null): void {
      actions[runner] = port;
    },

    /**
     * Runs `check`, `sync` or `restart` on a node through whoever drives it; answers with the
     * node JSON as it is after, plus what the action found or did (`result`).
     * @throws AppError NOT_FOUND; CORE_UNAVAILABLE when nothing drives the node here.
     */
    async act(name: string, action: NodeAction): Promise<NodeJson & { result: Record<string, unknown> }> {
      const node = get(name);
      const port = node.transport === 'local' ? actions.local : actions.remote;
      if (!port) {
        throw new AppError(
          'CORE_UNAVAILABLE',
          node.transport === 'local'
            ? 'no core adapter is attached'
            : `no worker drives node ${node.name} here: ${action} needs a running xkeeper`,
        );
      }
      const result = await port[action](node);
      return { ...view(byId(node.id) ?? node), result };
    },

    /** Users the node should hold now: keys in core status on it; none when it is disabled. */
    desiredUsers(nodeId: number): CoreUser[] {
      return selectDesired().all(nodeId) as CoreUser[];
    },

    /** Users the node holds as far as xkeeper applied them. */
    appliedUsers(nodeId: number): CoreUser[] {
      return selectApplied().all(nodeId) as CoreUser[];
    },

    /** Records what reached the node (call in the step that applied it). */
    recordApplied(
      nodeId: number,
      change: { added?: readonly CoreUser[]; removed?: readonly string[] },
    ): void {
      sqlite.transaction(() => {
        for (const name of change.removed ?? []) deleteApplied().run(nodeId, name.toLowerCase());
        for (const user of change.added ?? []) {
          upsertApplied().run(nodeId, user.name.toLowerCase(), user.name, user.uuid);
        }
      })();
    },

    /** Replaces the applied state with what the node's core listed (exact, Xray ≥ 24.11.5). */
    replaceApplied(nodeId: number, users: readonly CoreUser[]): void {
      sqlite.transaction(() => {
        db.delete(nodeUsers).where(eq(nodeUsers.nodeId, nodeId)).run();
        for (const user of users) upsertApplied().run(nodeId, user.name.toLowerCase(), user.name, user.uuid);
      })();
    },

    /** Whether key `keyId` is on node `nodeId` (membership, not health). */
    isMember(keyId: number, nodeId: number): boolean {
      return (
        db
          .select({ one: sql`1` })
          .from(keyNodes)
          .where(and(eq(keyNodes.keyId, keyId), eq(keyNodes.nodeId, nodeId)))
          .get() !== undefined
      );
    },

    /** Enabled nodes a key is on, in order (for links). */
    nodesOfKey(keyId: number): Node[] {
      return enabledAmong(selectNodeIdsOfKey().pluck().all(keyId) as number[]);
    },

    enabledAmong,

    /**
     * A key's charged traffic per node it is on (lifetime), by node name: what `key_nodes`
     * holds from before migration 0012 plus the collector's charges since.
     */
    trafficOfKey(keyId: number): { node: string; upload: number; download: number }[] {
      return db
        .select({
          nodeId: nodes.id,
          node: nodes.name,
          upload: keyNodes.uploadBytes,
          download: keyNodes.downloadBytes,
        })
        .from(keyNodes)
        .innerJoin(nodes, eq(nodes.id, keyNodes.nodeId))
        .where(eq(keyNodes.keyId, keyId))
        .orderBy(asc(nodes.position), asc(nodes.id))
        .all()
        .map(({ nodeId, node, upload, download }) => {
          const since = deps.chargedOnNode?.(nodeId, keyId) ?? { upload: 0, download: 0 };
          return { node, upload: upload + since.upload, download: download + since.download };
        });
    },

    /** The node's raw traffic today and this month, from its daily totals. */
    usage(nodeId: number): NodeUsage {
      const today = utcDay(clock.now());
      const row = selectUsage().get(today, today, nodeId, `${today.slice(0, 8)}01`) as {
        tu: number;
        td: number;
        mu: number;
        md: number;
      };
      return { today: { upload: row.tu, download: row.td }, month: { upload: row.mu, download: row.md } };
    },

    /**
     * Records one health check. Down after {@link DOWN_AFTER_FAILURES} failures in a row, up
     * after one success; each transition writes an event and one admin alert.
     */
    recordHealth(nodeId: number, seen: HealthObservation): { node: Node; transition: HealthTransition } {
      return db.transaction((tx) => {
        const node = tx.select().from(nodes).where(eq(nodes.id, nodeId)).get();
        if (!node) throw new AppError('NOT_FOUND', `no node with id ${nodeId}`);
        const now = clock.now();
        let transition: HealthTransition = null;
        let set: Partial<typeof nodes.$inferInsert>;
        if (seen.ok) {
          if (node.health !== 'up') transition = 'up';
          set = {
            health: 'up',
            failures: 0,
            lastError: null,
            lastSeenAt: now,
            rttMs: Math.round(seen.rttMs),
            ...(seen.version !== undefined && { coreVersion: seen.version }),
            ...(seen.uptimeSeconds !== undefined && { uptimeSeconds: seen.uptimeSeconds }),
            ...(seen.usersInCore !== undefined && { usersInCore: seen.usersInCore }),
            ...(seen.memoryBytes !== undefined && { memoryBytes: seen.memoryBytes }),
            ...(seen.cpuPercent !== undefined && { cpuPercent: seen.cpuPercent }),
          };
        } else {
          const failures = node.failures + 1;
          const down =
            (failures >= DOWN_AFTER_FAILURES || seen.hostKey !== undefined) && node.health !== 'down';
          if (down) transition = 'down';
          set = { failures, lastError: seen.error.slice(0, 500), ...(down && { health: 'down' }) };
        }
        // A first success of a node never seen is not news: no alert from unknown to up.
        const news = transition === 'down' || (transition === 'up' && node.health === 'down');
        if (transition) set.healthSince = now;
        nodesChanged();
        const row = tx
          .update(nodes)
          .set({ ...set, updatedAt: now })
          .where(eq(nodes.id, nodeId))
          .returning()
          .get();
        if (!seen.ok && seen.hostKey) {
          // Its own event and alert, once per key seen: a refused host key needs a person.
          const data = { node: node.name, ...seen.hostKey };
          const key = `${node.name}:${seen.hostKey.seen}`;
          // The same refusal again (same message) is not a new event.
          if (node.lastError !== row.lastError) {
            events.record(
              {
                type: 'node.host_key_changed',
                severity: 'critical',
                actor: 'node',
                subject: node.name,
                data,
              },
              tx,
            );
          }
          deps.alert?.({ type: 'node.host_key_changed', severity: 'critical', data }, { key, tx });
        }
        if (news && transition) {
          const data = { node: node.name, error: row.lastError ?? 'no answer' };
          events.record(
            {
              type: `node.${transition}`,
              severity: transition === 'down' ? 'warning' : 'info',
              actor: 'node',
              subject: node.name,
              data,
            },
            tx,
          );
          // Keyed by the transition's instant: one alert per transition, however often retried.
          const key = `${node.name}:${now.getTime()}`;
          if (transition === 'down') {
            deps.alert?.({ type: 'node.down', severity: 'warning', data }, { key, tx });
          } else {
            deps.alert?.(
              { type: 'node.up', severity: 'info', data: { node: node.name, error: null } },
              { key, tx },
            );
          }
        }
        return { node: row, transition: news ? transition : null };
      });
    },
  };
  return service;
}

export type NodesService = ReturnType<typeof createNodesService>;
