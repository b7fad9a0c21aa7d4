/**
 * The worker thread behind {@link ThreadedAlter}: holds a {@link CoreApi} per core (the local
 * one, a node's) and runs the bulk adds and removes the main thread sends it (see api-thread.ts for why).
 */
import { parentPort } from 'node:worker_threads';
import { CoreApi, CoreApiError } from './api.ts';
import type { ThreadReply, ThreadRequest } from './api-thread.ts';

const port = parentPort;
if (!port) throw new Error('api-thread-worker runs only as a worker thread');

const apis = new Map<number, CoreApi>();

/** Only these methods may be called from the main thread. */
const CALLS = {
  addUsers: (api: CoreApi, users: Parameters<CoreApi['addUsers']>[0], limit?: number) =>
    api.addUsers(users, limit),
  removeUsers: (api: CoreApi, names: string[], limit?: number) => api.removeUsers(names, limit),
  replaceUsers: (api: CoreApi, users: Parameters<CoreApi['replaceUsers']>[0], limit?: number) =>
    api.replaceUsers(users, limit),
} as const;
export type ThreadCall = keyof typeof CALLS;

async function answer(request: Extract<ThreadRequest, { op: 'call' }>): Promise<void> {
  let reply: ThreadReply;
  try {
    const api = apis.get(request.client);
    if (!api) throw new Error('this core API client is closed');
    const call = CALLS[request.method] as (api: CoreApi, ...args: unknown[]) => Promise<unknown>;
    const value = await call(api, ...request.args);
    reply = { id: request.id, value };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    reply = {
      id: request.id,
      error: { message, code: error instanceof CoreApiError ? error.code : undefined },
    };
  }
  port?.postMessage(reply);
}

port.on('message', (request: ThreadRequest) => {
  if (request.op === 'open') {
    apis.get(request.client)?.close();
    apis.set(request.client, new CoreApi({ ...request.options, bulkInThread: false }));
  } else if (request.op === 'close') {
    apis.get(request.client)?.close();
    apis.delete(request.client);
  } else {
    void answer(request);
  }
});
