/**
 * What the services need of a VPN core. The services talk to cores only through this
 * interface (the local core today, more nodes later), never to a concrete process.
 */
/** A VPN account as a core sees it: the key name is the core's email. */
export interface CoreUser {
  name: string;
  uuid: string;
}

/**
 * Receives each user counter: `user>>>NAME>>>traffic>>>uplink|downlink` as UTF-8 bytes,
 * `bytes[start, end)` (valid only during the call), and its value since the core started.
 */
export type CounterVisitor = (bytes: Uint8Array, start: number, end: number, value: number) => void;

export interface CoreReading {
  /** Seconds the core has been up; a drop means it restarted and its counters reset. */
  uptimeSeconds: number;
  /** Names the core reports online right now, when it can tell. */
  online?: string[] | null;
}

export interface CorePort {
  /** Core id used to key counter baselines; the local core is `local`. */
  readonly id: string;
  /** Removes, then adds users on the running core; never throws for a core that is down. */
  apply(change: { add?: CoreUser[]; remove?: string[] }): Promise<unknown>;
  /**
   * Hands every user counter, read without reset, to `visit` as the answer is decoded (no
   * collection of them is built: 200k at 100k keys); null when the core cannot be reached.
   */
  readCounters(visit: CounterVisitor): Promise<CoreReading | null>;
  /** The share link of a user for the running inbound; null while it is unknown. */
  shareLink(user: CoreUser): string | null;
  /** Brings the core in line with the DB's desired users (after a restore, say). */
  sync?(): Promise<unknown>;
}

/** Which statuses are in the core is a key rule: see keys/rules.ts. */
export { isInCore, STATUSES_IN_CORE } from './keys/rules.ts';

/** A core that is not there: changes stay in the DB until the reconciler applies them. */
export const absentCore: CorePort = {
  id: 'local',
  apply: () => Promise.resolve('pending'),
  readCounters: () => Promise.resolve(null),
  shareLink: () => null,
};

/** Operator controls of the core for the admin bot, the HTTP API and the CLI. */
export interface CoreControl {
  /** Flavor, version, running, pid, uptime, restarts, memory, users in core, last error. */
  status(): Promise<Record<string, unknown>>;
  /** Drift between the DB and the running core: `{ in_sync, missing, extra, changed, reality }`. */
  check(): Promise<Record<string, unknown>>;
  /** Fixes drift over the API, without a restart. */
  sync(): Promise<Record<string, unknown>>;
  /** Restarts the core process (drops every connection). */
  restart(): Promise<void>;
  /** A core was installed (`core install`): restarts the core once on the binary now in force. */
  reload?(): Promise<void>;
}

export type { NodeDriver, NodeSysStats } from '../core/types.ts';
