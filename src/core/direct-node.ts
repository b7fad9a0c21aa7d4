/**
 * The driver of a node whose Xray API is reachable at an address (`--direct HOST:PORT` on a
 * private network, or an SSH forward on 127.0.0.1): the core's own gRPC API, nothing else.
 * The flavor is found on the first call (Xray's service names, else V2Fly's).
 */
import * as grpc from '@grpc/grpc-js';
import type { CoreUser } from './config.ts';
import type { CoreReading, CounterVisitor, NodeDriver, NodeSysStats } from './types.ts';
import { CoreApi, type CoreApiAddress, CoreApiError } from './api.ts';
import type { FlavorName } from './flavor.ts';

export type DirectNodeOptions = CoreApiAddress & {
  /** Deadline of each call (default 5 s). */
  timeoutMs?: number;
  /** Known flavor; found by probing when absent. */
  flavor?: FlavorName;
};

/** Adds and removes go out this many at a time. */
const CONCURRENCY = 64;

export function createDirectNode(options: DirectNodeOptions): NodeDriver {
  // Bulk changes from the thread pool, so thousands of keys do not hold the main thread.
  const make = (flavor: FlavorName) => new CoreApi({ ...options, flavor, bulkInThread: true });
  let api = make(options.flavor ?? 'xray');
  let probed = options.flavor !== undefined;

  /** The API under the core's service names: Xray answers UNIMPLEMENTED-free, V2Fly does not. */
  async function ready(): Promise<CoreApi> {
    if (probed) return api;
    try {
      await api.getSysStats();
    } catch (error) {
      if (!(error instanceof CoreApiError && error.code === grpc.status.UNIMPLEMENTED)) throw error;
      api.close();
      api = make('v2fly');
    }
    probed = true;
    return api;
  }

  return {
    async addUsers(users: readonly CoreUser[]) {
      const core = await ready();
      const failed: { name: string; reason: string }[] = [];
      const results = await core.addUsers(users, CONCURRENCY);
      const replace = users.filter((_, i) => {
        const r = results[i];
        return r !== undefined && !r.ok && r.reason === 'exists';
      });
      if (replace.length > 0) {
        const retried = await core.replaceUsers(replace, CONCURRENCY);
        retried.forEach((r, i) => {
          if (!r.ok) failed.push({ name: replace[i]!.name, reason: r.message });
        });
      }
      return { failed };
    },

    async removeUsers(names: readonly string[]) {
      // "not found" comes back as a value: already gone is gone.
      await (await ready()).removeUsers(names, CONCURRENCY);
    },

    async listUsers() {
      const listed = await (await ready()).listUsers();
      return listed.available ? listed.value : null;
    },

    async readCounters(visit: CounterVisitor): Promise<CoreReading> {
      const { sys, online } = await (await ready()).readCounters(visit);
      return { uptimeSeconds: sys.uptimeSeconds, online };
    },

    async sysStats(): Promise<NodeSysStats> {
      const sys = await (await ready()).getSysStats();
      return { uptimeSeconds: sys.uptimeSeconds, memoryBytes: sys.memoryBytes, goroutines: sys.goroutines };
    },

    async version() {
      return null; // the API does not say; the SSH layer reads `<bin> -version`
    },

    close() {
      api.close();
    },
  };
}
