/**
 * Typed facade over the core's gRPC API (HandlerService, StatsService). Every call has a
 * deadline; expected refusals ("already exists", "not found", an older core without the
 * method) come back as values, transport failures as {@link CoreApiError}.
 */
import * as grpc from '@grpc/grpc-js';
import type { CoreUser } from './config.ts';
import { VISION_FLOW, VLESS_TAG } from './config.ts';
import { ApiThreadError, BULK_MIN_USERS, ThreadedAlter } from './api-thread.ts';
import { type FlavorName, supportsReality } from './flavor.ts';
import {
  counterName,
  decode,
  forEachStat,
  methodDescriptor,
  type MethodDescriptor,
  typedMessage,
} from './proto/index.ts';

/** Outcome of adding or removing one user. */
export type AlterResult = { ok: true } | { ok: false; reason: 'exists' | 'not_found'; message: string };

/** A result that older cores cannot give. */
export type Feature<T> = { available: true; value: T } | { available: false; reason: string };

/** One stats counter, e.g. `user>>>alice>>>traffic>>>downlink`. */
export interface CoreStat {
  name: string;
  value: number;
}

/** The core's process figures from GetSysStats. */
export interface SysStats {
  /** Seconds since the core started; a drop means it restarted. */
  uptimeSeconds: number;
  /** Memory obtained from the OS by the Go runtime (bytes). */
  memoryBytes: number;
  /** Live heap (bytes). */
  heapBytes: number;
  goroutines: number;
}

/** A gRPC failure the caller did not expect (core down, deadline, internal error). */
export class CoreApiError extends Error {
  constructor(
    readonly code: grpc.status,
    message: string,
  ) {
    super(message);
    this.name = 'CoreApiError';
  }

  /** True when the core is not answering at all (stopped, restarting, wrong port). */
  get unavailable(): boolean {
    return this.code === grpc.status.UNAVAILABLE || this.code === grpc.status.DEADLINE_EXCEEDED;
  }
}

/** Where a core's API listens. */
export type CoreApiAddress =
  /** `host` is 127.0.0.1 (the local core) unless a `direct` node says. */
  | { port: number; host?: string }
  /** A Unix socket: an SSH forward to a node's API (owner-only, see forwardPort). */
  | { socketPath: string };

export type CoreApiOptions = CoreApiAddress & {
  flavor: FlavorName;
  /** Deadline of each call (default 5 s). */
  timeoutMs?: number;
  /** Changes of many users go out from a thread of the pool (see api-thread.ts). */
  bulkInThread?: boolean;
};

/** The gRPC target of an API address. */
function grpcTarget(address: CoreApiAddress): string {
  if ('socketPath' in address) return `unix:${address.socketPath}`;
  const host = address.host ?? '127.0.0.1';
  return `${host.includes(':') ? `[${host}]` : host}:${address.port}`;
}

/** A QueryStats answer is ~80 bytes a counter: 64 MiB covers ~400k users. */
const MAX_RECEIVE_BYTES = 64 * 1024 * 1024;
const DEFAULT_TIMEOUT_MS = 5_000;
/** The core is local: retry the connection quickly after a restart, not grpc's 1-120 s. */
const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  'grpc.max_receive_message_length': MAX_RECEIVE_BYTES,
  'grpc.initial_reconnect_backoff_ms': 100,
  'grpc.max_reconnect_backoff_ms': 1_000,
  // Per-call bookkeeping nobody reads here.
  'grpc.enable_channelz': 0,
  'grpc.enable_retries': 0,
  // HTTP/2's default 64 KiB window makes a 1.2 MB QueryStats answer (10k users) wait out ~20
  // round trips for window updates: nothing on loopback, seconds from a node abroad through its
  // SSH forward (48 ms where loopback takes 9 even between two namespaces on one machine). Any
  // answer we accept fits in one window.
  'grpc-node.flow_control_window': MAX_RECEIVE_BYTES,
};

interface UserMessage {
  email: string;
  account: { type: string; value: Buffer } | null;
}

/** Runs `fn` over `items` with at most `limit` calls in flight; results keep input order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

/** Typed client of one core's API. */
export class CoreApi {
  readonly flavor: FlavorName;
  private readonly address: string;
  private readonly timeoutMs: number;
  private client: grpc.Client;
  private readonly methods = new Map<string, MethodDescriptor>();
  /** Changes of many users go out from a thread of the pool (see api-thread.ts). */
  private bulk: ThreadedAlter | null = null;

  constructor(private readonly options: CoreApiOptions) {
    this.flavor = options.flavor;
    this.address = grpcTarget(options);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.client = this.connect();
  }

  private connect(): grpc.Client {
    return new grpc.Client(this.address, grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
  }

  /** Drops the channel and opens a fresh one (after a core restart, skipping any backoff). */
  reconnect(): void {
    this.client.close();
    this.client = this.connect();
    this.closeBulk();
  }

  /** Closes the channel for good. */
  close(): void {
    this.client.close();
    this.closeBulk();
  }

  private closeBulk(): void {
    this.bulk?.close();
    this.bulk = null;
  }

  /**
   * Makes a change of `count` users here, or for many (a client with `bulkInThread`) in a
   * thread of the pool. A change whose thread died before answering is made again here, whole: an add
   * that had landed comes back "exists" (the callers replace those), a remove "not found".
   */
  private change(
    count: number,
    inThread: (bulk: ThreadedAlter) => Promise<AlterResult[]>,
    inPlace: () => Promise<AlterResult[]>,
  ): Promise<AlterResult[]> {
    if (count < BULK_MIN_USERS || !this.options.bulkInThread) return inPlace();
    this.bulk ??= new ThreadedAlter({ ...this.options, bulkInThread: false });
    return inThread(this.bulk).catch((error: unknown) => {
      if (error instanceof ApiThreadError) return inPlace();
      throw error;
    });
  }

  /** One unary call; `raw` leaves the answer as its bytes, for the caller to decode. */
  private call<T>(
    service: 'HandlerService' | 'StatsService',
    method: string,
    request: Record<string, unknown>,
    raw = false,
  ): Promise<T> {
    const key = `${service}/${method}`;
    let descriptor = this.methods.get(key);
    if (!descriptor) {
      descriptor = methodDescriptor(this.flavor, service, method);
      this.methods.set(key, descriptor);
    }
    const { path, serialize, deserialize } = descriptor;
    return new Promise((resolve, reject) => {
      this.client.makeUnaryRequest(
        path,
        serialize,
        raw ? (bytes: Buffer) => bytes : deserialize,
        request,
        { deadline: Date.now() + this.timeoutMs },
        (error, response) => {
          if (error) reject(new CoreApiError(error.code, error.details || error.message));
          else resolve(response as T);
        },
      );
    });
  }

  private alter(operation: { type: string; value: Buffer }): Promise<AlterResult> {
    return this.call('HandlerService', 'AlterInbound', { tag: VLESS_TAG, operation }).then(
      () => ({ ok: true }) as const,
      (error: unknown) => {
        if (error instanceof CoreApiError) {
          if (/\bUser\b.*\balready exists/i.test(error.message)) {
            return { ok: false, reason: 'exists', message: error.message } as const;
          }
          if (/\bUser\b.*\bnot found/i.test(error.message)) {
            return { ok: false, reason: 'not_found', message: error.message } as const;
          }
        }
        throw error;
      },
    );
  }

  /** Adds a VLESS user to the `vless` inbound. */
  addUser(name: string, uuid: string): Promise<AlterResult> {
    const flow = supportsReality(this.flavor) ? VISION_FLOW : '';
    const account = typedMessage(this.flavor, 'VlessAccount', { id: uuid, flow });
    const user = { level: 0, email: name, account };
    return this.alter(typedMessage(this.flavor, 'AddUserOperation', { user }));
  }

  /** Removes a user by name; its open connections stay open (the core's behaviour). */
  removeUser(name: string): Promise<AlterResult> {
    return this.alter(typedMessage(this.flavor, 'RemoveUserOperation', { email: name }));
  }

  /** Adds many users with at most `concurrency` calls in flight; results in input order. */
  addUsers(users: readonly CoreUser[], concurrency = 32): Promise<AlterResult[]> {
    return this.change(
      users.length,
      (bulk) => bulk.addUsers(users, concurrency),
      () => mapLimit(users, concurrency, (user) => this.addUser(user.name, user.uuid)),
    );
  }

  /**
   * Replaces users the core already holds (their UUID may be an old one): each is removed and
   * added again before the next of its lane, so a user is out of the core for one round trip,
   * not for the whole batch. Results are the adds', in input order.
   */
  replaceUsers(users: readonly CoreUser[], concurrency = 32): Promise<AlterResult[]> {
    return this.change(
      users.length,
      (bulk) => bulk.replaceUsers(users, concurrency),
      () =>
        mapLimit(users, concurrency, async (user) => {
          await this.removeUser(user.name);
          return this.addUser(user.name, user.uuid);
        }),
    );
  }

  /** Removes many users with at most `concurrency` calls in flight; results in input order. */
  removeUsers(names: readonly string[], concurrency = 32): Promise<AlterResult[]> {
    return this.change(
      names.length,
      (bulk) => bulk.removeUsers(names, concurrency),
      () => mapLimit(names, concurrency, (name) => this.removeUser(name)),
    );
  }

  /** Counters whose name contains `pattern`; `reset` zeroes them atomically. */
  async queryStats(pattern: string, reset = false): Promise<CoreStat[]> {
    const stats: CoreStat[] = [];
    await this.forEachStat(
      pattern,
      (bytes, start, end, value) => stats.push({ name: counterName(bytes, start, end), value }),
      reset,
    );
    return stats;
  }

  /**
   * Like {@link queryStats}, but hands each counter to `visit` instead of building a list:
   * at 100k users the answer holds 200k counters, and the collector keeps only a map of them.
   */
  async forEachStat(
    pattern: string,
    visit: (bytes: Uint8Array, start: number, end: number, value: number) => void,
    reset = false,
  ): Promise<void> {
    const bytes = await this.call<Buffer>('StatsService', 'QueryStats', { pattern, reset }, true);
    forEachStat(bytes, visit);
  }

  /**
   * Every user counter (to `visit`), the core's uptime and who is online, asked at once: over
   * an SSH forward to a node abroad three calls one after another cost three round trips.
   */
  async readCounters(
    visit: (bytes: Uint8Array, start: number, end: number, value: number) => void,
    /** Gets the core's SysStats as soon as they come, even when the counters then fail. */
    onSysStats?: (sys: SysStats) => void,
  ): Promise<{ sys: SysStats; online: string[] | null }> {
    const [sys, , online] = await Promise.all([
      this.getSysStats().then((sys) => {
        onSysStats?.(sys);
        return sys;
      }),
      this.forEachStat('user>>>', visit),
      this.onlineUsers(),
    ]);
    return { sys, online: online.available ? online.value : null };
  }

  /** Uptime and memory of the core. */
  async getSysStats(): Promise<SysStats> {
    const r = await this.call<Record<string, number>>('StatsService', 'GetSysStats', {});
    return {
      uptimeSeconds: r.Uptime ?? 0,
      memoryBytes: r.Sys ?? 0,
      heapBytes: r.Alloc ?? 0,
      goroutines: r.NumGoroutine ?? 0,
    };
  }

  /** Maps UNIMPLEMENTED (an older core) to "not available", anything else is thrown. */
  private async feature<T>(reason: string, run: () => Promise<T>): Promise<Feature<T>> {
    try {
      return { available: true, value: await run() };
    } catch (error) {
      if (error instanceof CoreApiError && error.code === grpc.status.UNIMPLEMENTED) {
        return { available: false, reason };
      }
      throw error;
    }
  }

  /** Users of the `vless` inbound (Xray ≥ 24.11.5). */
  listUsers(): Promise<Feature<CoreUser[]>> {
    return this.feature('this core cannot list users (Xray 24.11.5+ can)', async () => {
      const response = await this.call<{ users: UserMessage[] }>('HandlerService', 'GetInboundUsers', {
        tag: VLESS_TAG,
        email: '',
      });
      return response.users.map((user) => ({
        name: user.email,
        uuid: user.account ? decode<{ id: string }>('VlessAccount', user.account.value).id : '',
      }));
    });
  }

  /** Number of users of the `vless` inbound (Xray ≥ 24.11.5). */
  countUsers(): Promise<Feature<number>> {
    return this.feature('this core cannot count users (Xray 24.11.5+ can)', async () => {
      const response = await this.call<{ count: number }>('HandlerService', 'GetInboundUsersCount', {
        tag: VLESS_TAG,
        email: '',
      });
      return response.count;
    });
  }

  /**
   * Names of users with a live connection from a non-loopback address (GetAllOnlineUsers,
   * Xray ≥ 26.1.13). Older cores would need one GetStatsOnline call per user: not worth it.
   */
  onlineUsers(): Promise<Feature<string[]>> {
    return this.feature('this core cannot list online users (Xray 26.1.13+ can)', async () => {
      const response = await this.call<{ users: string[] }>('StatsService', 'GetAllOnlineUsers', {});
      return response.users.map((entry) => /^user>>>(.*)>>>online$/.exec(entry)?.[1] ?? entry);
    });
  }
}
