/** Public types of the core adapter: what the services give it and get from it. */
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { CoreUser } from './config.ts';
import type { CoreEventSink } from './events.ts';
import type { RealityTargetCheck } from './reality.ts';

/** The Config fields the adapter reads. */
export type CoreAdapterConfig = Pick<
  Config,
  | 'CORE_BIN'
  | 'CORE_MANAGED'
  | 'CORE_API_PORT'
  | 'VLESS_PORT'
  | 'vlessHost'
  | 'REALITY_SNI'
  | 'realityTarget'
  | 'BLOCK_PRIVATE_NETWORKS'
  | 'LOG_LEVEL'
  | 'dataDir'
  | 'REALITY_MIN_CLIENT_VER'
>;

/** What the core should hold, as the services see it in the database. */
export interface DesiredCoreState {
  /** REALITY keys kept in the database (ignored by a V2Fly core). */
  reality: {
    privateKey: string;
    shortIds: string[];
    /** Kept in settings so an admin can change them; default REALITY_SNI / the configured target. */
    sni?: string;
    target?: string;
  };
  /** Every key that belongs in the core (active ones). */
  users: CoreUser[];
}

export interface CreateCoreOptions {
  config: CoreAdapterConfig;
  logger: Logger;
  /** Reads the desired state; called on start, on every change and by the reconciler. */
  getDesiredState: () => DesiredCoreState;
  /** Receives incidents (config refused, core exited/restarted, not available…). */
  onEvent?: CoreEventSink;
  /** Supervisor timings (tests shorten them). */
  process?: { backoffInitialMs?: number; backoffMaxMs?: number; stopGraceMs?: number };
}

/** Outcome of {@link Core.apply}. */
export interface ApplyResult {
  /** `applied`: the core has the change; `pending`: no core answered, the reconciler will. */
  status: 'applied' | 'pending';
  /** Users refused before reaching the core, or refused by it. */
  failed: { name: string; reason: string }[];
}

/**
 * Receives each user counter of a reading: its name (`user>>>NAME>>>traffic>>>uplink|downlink`)
 * as UTF-8 bytes, `bytes[start, end)`, valid only during the call, and bytes since the core
 * started. Called while the answer is decoded, so at 100k users no collection of 200k counters
 * is ever built, nor a string per name (`counterName` makes one when it is needed).
 */
export type CounterVisitor = (bytes: Uint8Array, start: number, end: number, value: number) => void;

/** What a counter reading tells besides the counters themselves. */
export interface CoreReading {
  /** Seconds since the core started; a drop means a restart (its counters restart at 0). */
  uptimeSeconds: number;
  /** Users online right now, or null when the core cannot tell (V2Fly, Xray < 26.1.13). */
  online: string[] | null;
}

/** `core status` (CONTRACT.md) plus memory and availability. */
export interface CoreStatus {
  flavor: 'xray' | 'v2fly' | null;
  version: string | null;
  running: boolean;
  pid: number | null;
  uptime_seconds: number | null;
  restarts: number;
  users_in_core: number | null;
  memory_bytes: number | null;
  last_error: string | null;
  /** False when no usable core binary exists; `reason` says why. */
  available: boolean;
  reason: string | null;
  /** Problems that do not stop the core, e.g. an Xray older than the config needs. */
  warnings: string[];
}

/** REALITY part of `core check`. */
export interface RealityCheck {
  enabled: boolean;
  sni: string;
  target: string;
  public_key: string | null;
  short_ids: string[];
  /** Oldest client version the inbound accepts (`minClientVer`). */
  min_client_ver: string;
  /** TLS probe of the target; null when REALITY is off. */
  target_check: RealityTargetCheck | null;
  reason: string | null;
}

/** `core check` (CONTRACT.md): desired users vs the running core. */
export interface CoreCheck {
  in_sync: boolean;
  missing: string[];
  extra: string[];
  changed: string[];
  reality: RealityCheck;
}

/** Outcome of {@link Core.sync}: what differed before the repair. */
export interface SyncResult {
  status: 'applied' | 'pending';
  missing: string[];
  extra: string[];
  changed: string[];
}

/** A core found running from a previous xkeeper process (see {@link Core.findOrphan}). */
export interface OrphanCore {
  pid: number;
  startedAt: string;
  /** True when it runs the current settings and will be adopted; false: it will be replaced. */
  current: boolean;
}

/** One VPN core as the services use it. Core-agnostic: a remote node would offer the same. */
export interface Core {
  /** Core id keying counter baselines; the local core is `local`. */
  readonly id: string;
  /** Detects the core, installs its config, adopts or starts it and reconciles. Never throws for a missing core. */
  start(): Promise<void>;
  /** Stops the managed core (users lose their connections). */
  stop(): Promise<void>;
  /** Re-renders the config and restarts the managed core (needed only for inbound settings). */
  restart(): Promise<void>;
  /** Removes, then adds users on the running core, and re-renders the config file. */
  apply(change: { add?: CoreUser[]; remove?: string[] }): Promise<ApplyResult>;
  /** Hands every user counter, read without reset, to `visit`; null when no core answers. */
  readCounters(visit: CounterVisitor): Promise<CoreReading | null>;
  status(): Promise<CoreStatus>;
  check(): Promise<CoreCheck>;
  /** Makes the core hold exactly the desired users. */
  sync(): Promise<SyncResult>;
  /** A core left by a crashed xkeeper, before {@link start} adopts or replaces it. */
  findOrphan(): Promise<OrphanCore | null>;
  /** A core binary was installed: detect `bin` and restart the core on it (once). */
  reloadBinary?(bin: string): Promise<void>;
  /** The share link of `user` for the running inbound; null while no core is known. */
  shareLink(user: CoreUser): string | null;
}

/** The core's process figures (GetSysStats). */
export interface NodeSysStats {
  /** Seconds since the core started; a drop means it restarted (users and counters gone). */
  uptimeSeconds: number;
  memoryBytes: number;
  goroutines: number;
}

/**
 * What a node worker needs of one remote node's core, whatever carries the calls (a `direct`
 * API address, an SSH forward). Every call has a deadline and throws when the node does not
 * answer; refusals of single users come back as values.
 */
export interface NodeDriver {
  /** Adds users, replacing one of the same name the core holds (its UUID may be old). */
  addUsers(users: readonly CoreUser[]): Promise<{ failed: { name: string; reason: string }[] }>;
  /** Removes users by name; one the core does not hold counts as removed. */
  removeUsers(names: readonly string[]): Promise<void>;
  /** The users the core holds (Xray ≥ 24.11.5); null when the core cannot list them (V2Fly). */
  listUsers(): Promise<CoreUser[] | null>;
  /** Hands every user counter, read without reset, to `visit` as it is decoded. */
  readCounters(visit: CounterVisitor): Promise<CoreReading>;
  sysStats(): Promise<NodeSysStats>;
  /** The core's name and version when the transport can tell ("Xray 26.1.13"); null otherwise. */
  version(): Promise<string | null>;
  /**
   * CPU use of the node's machine in percent since the previous call (null on the first, or
   * when the reading failed); absent when the transport cannot tell (a `direct` node).
   */
  cpuPercent?(): Promise<number | null>;
  /** The node's core process, when xkeeper runs it (ssh); absent for a `direct` node. */
  process?: NodeCoreProcess;
  /** Closes the connection for good. */
  close(): void;
}

/** What xkeeper does to the core process of a node it manages (over SSH). */
export interface NodeCoreProcess {
  /** Health cycle: starts the core again when it is gone; tells whether it had to. */
  ensureRunning(): Promise<'running' | 'restarted'>;
  /** Rewrites the node's config (current settings, these users; validated on the node) and restarts the core. */
  restart(users: readonly CoreUser[]): Promise<void>;
  /** Rewrites the node's config file with these users, without a restart (coalesced by the caller). */
  writeConfig(users: readonly CoreUser[]): Promise<{ ok: true } | { ok: false; message: string }>;
}
