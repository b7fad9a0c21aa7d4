/**
 * Bulk user changes to a core (the local one or a node's), made from worker threads. Each
 * AlterInbound call costs xkeeper ~100-250 µs of CPU in grpc-js and node's HTTP/2, one user per
 * call: applying 1,000 keys to three nodes from the main thread kept it busy for a second, the
 * bot and the HTTP API waiting behind, and bound every core's rate to that one thread (batch
 * creation through the API topped out at ~4,000 keys/s, the main thread saturated). A client's
 * `CoreApi.addUsers`/`removeUsers` of many users hand them to a small pool of threads (at most
 * one per CPU, cores shared among them); the main thread only sends the batch and gets the
 * results. Readings stay on the main thread: their answer has to be decoded there anyway, and
 * moving it across cost more than its transport. A thread's young generation follows the
 * process's `--max-semi-space-size` (V8 lets the flag override a worker's limit), which is why
 * `npm start` sets 4 MB: with 8 the thread alone held 16 MB of it.
 */
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { CoreUser } from './config.ts';
import { type AlterResult, CoreApiError, type CoreApiOptions } from './api.ts';
import type { ThreadCall } from './api-thread-worker.ts';

export type ThreadRequest =
  | { op: 'open'; client: number; options: CoreApiOptions }
  | { op: 'close'; client: number }
  | { op: 'call'; id: number; client: number; method: ThreadCall; args: unknown[] };

export type ThreadReply =
  { id: number; value: unknown } | { id: number; error: { message: string; code?: number } };

/** The thread stopped before it answered: the change may have been made in part. */
export class ApiThreadError extends Error {
  override readonly name = 'ApiThreadError';
}

/** A thread holds a chunk of users and its calls in flight: a few MB. */
const THREAD_HEAP_MB = 32;
/** Users a message carries, so that no change, however large, crowds the thread's heap. */
const CHUNK = 1_000;

/** tsx's ESM `register` (its CommonJS twin registers hooks that cannot be found from a thread). */
function tsxRegisterUrl(): string {
  const require = createRequire(import.meta.url);
  const manifest = require.resolve('tsx/package.json');
  const { exports } = require(manifest) as { exports: Record<string, { import: { default: string } }> };
  const entry = exports['./esm/api']?.import.default;
  if (!entry) throw new Error('tsx has no ESM register API');
  return pathToFileURL(path.join(path.dirname(manifest), entry)).href;
}

/** The worker's module next to this one: compiled, or the sources through tsx (tests, dev CLI). */
function startWorker(): Worker {
  const compiled = !import.meta.url.endsWith('.ts');
  const entry = new URL(`./api-thread-worker.${compiled ? 'js' : 'ts'}`, import.meta.url);
  // The parent's node options are not the worker's (its V8 heap flags apply all the same, see
  // above). A capped heap makes the thread collect its calls' garbage instead of growing (a
  // throwaway measure of 15k adds through CoreApi, not the product: the process peaked 30 MB
  // higher without the cap).
  const options = { execArgv: [], resourceLimits: { maxOldGenerationSizeMb: THREAD_HEAP_MB } };
  if (compiled) return new Worker(entry, options);
  const tsx = tsxRegisterUrl();
  const boot = `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(boot, { ...options, eval: true });
}

/** A thread left without clients waits this long for one (a node re-enabled, a link remade). */
const IDLE_MS = 5 * 60_000;

class ApiThread {
  private clients = 0;
  private idleTimer: NodeJS.Timeout | null = null;
  dead = false;
  private readonly worker = startWorker();
  private readonly pending = new Map<
    number,
    { resolve: (value: unknown) => void; reject: (error: Error) => void }
  >();
  private nextId = 1;

  constructor(private readonly onGone: (thread: ApiThread) => void) {
    // An idle thread must not keep the process alive; a call in flight must (see request).
    this.worker.unref();
    this.worker.on('message', (reply: ThreadReply) => this.settle(reply));
    this.worker.on('error', (error) =>
      this.fail(new ApiThreadError(`the core API thread failed: ${error.message}`)),
    );
    this.worker.on('exit', (code) =>
      this.fail(new ApiThreadError(`the core API thread stopped (exit code ${code})`)),
    );
  }

  get load(): number {
    return this.clients;
  }

  join(): void {
    this.clients++;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
  }

  leave(): void {
    if (--this.clients > 0 || this.dead) return;
    this.idleTimer = setTimeout(() => this.terminate(), IDLE_MS);
    this.idleTimer.unref();
  }

  post(request: ThreadRequest): void {
    if (!this.dead) this.worker.postMessage(request);
  }

  request(client: number, method: ThreadCall, args: unknown[]): Promise<unknown> {
    if (this.dead) return Promise.reject(new ApiThreadError('the core API thread stopped'));
    const id = this.nextId++;
    if (this.pending.size === 0) this.worker.ref();
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ op: 'call', id, client, method, args } satisfies ThreadRequest);
    });
  }

  terminate(): void {
    this.fail(new ApiThreadError('the core API thread was stopped'));
    void this.worker.terminate();
  }

  private settle(reply: ThreadReply): void {
    const waiting = this.pending.get(reply.id);
    if (!waiting) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.worker.unref();
    if ('value' in reply) waiting.resolve(reply.value);
    else if (reply.error.code === undefined) waiting.reject(new Error(reply.error.message));
    else waiting.reject(new CoreApiError(reply.error.code, reply.error.message));
  }

  private fail(error: ApiThreadError): void {
    if (this.dead) return;
    this.dead = true;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.onGone(this);
    for (const waiting of this.pending.values()) waiting.reject(error);
    this.pending.clear();
  }
}

/**
 * From this many users a change goes to the pool. Below it the hop costs more than it saves,
 * and a lone key change never starts a thread.
 */
export const BULK_MIN_USERS = 16;

const threads: ApiThread[] = [];
/** More threads than CPUs would only take turns on them. */
const MAX_THREADS = Math.max(1, os.availableParallelism());
let nextClient = 1;

function threadForNewClient(): ApiThread {
  if (threads.length < MAX_THREADS) {
    const thread = new ApiThread((gone) => {
      const index = threads.indexOf(gone);
      if (index >= 0) threads.splice(index, 1);
    });
    threads.push(thread);
    return thread;
  }
  return threads.reduce((least, thread) => (thread.load < least.load ? thread : least));
}

/** Threads running now. */
export function apiThreadCount(): number {
  return threads.length;
}

/** Stops every thread at once; their calls in flight fail, later calls start a new one. */
export function stopApiThreads(): void {
  for (const thread of [...threads]) thread.terminate();
}

/** Adds and removes users of one core from one of the pool's threads (started on first use). */
export class ThreadedAlter {
  private readonly client = nextClient++;
  private thread: ApiThread | null = null;
  private closed = false;

  constructor(private readonly options: CoreApiOptions) {}

  private call<T>(method: ThreadCall, ...args: unknown[]): Promise<T> {
    if (this.closed) return Promise.reject(new Error('this core API client is closed'));
    if (!this.thread || this.thread.dead) {
      // First call, or the thread died (its calls failed): open on a live one.
      this.thread = threadForNewClient();
      this.thread.join();
      this.thread.post({ op: 'open', client: this.client, options: this.options });
    }
    return this.thread.request(this.client, method, args) as Promise<T>;
  }

  /** `CoreApi.addUsers`, in the thread. */
  addUsers(users: readonly CoreUser[], concurrency?: number): Promise<AlterResult[]> {
    return this.sendUsers('addUsers', users, concurrency);
  }

  /** `CoreApi.replaceUsers`, in the thread. */
  replaceUsers(users: readonly CoreUser[], concurrency?: number): Promise<AlterResult[]> {
    return this.sendUsers('replaceUsers', users, concurrency);
  }

  private sendUsers(
    method: 'addUsers' | 'replaceUsers',
    users: readonly CoreUser[],
    concurrency?: number,
  ): Promise<AlterResult[]> {
    // Plain copies: a caller's row may carry more than a thread message can hold.
    return this.inChunks(users, (chunk) =>
      this.call(
        method,
        chunk.map(({ name, uuid }) => ({ name, uuid })),
        concurrency,
      ),
    );
  }

  /** `CoreApi.removeUsers`, in the thread. */
  removeUsers(names: readonly string[], concurrency?: number): Promise<AlterResult[]> {
    return this.inChunks(names, (chunk) => this.call('removeUsers', chunk, concurrency));
  }

  private async inChunks<T>(
    items: readonly T[],
    send: (chunk: readonly T[]) => Promise<AlterResult[]>,
  ): Promise<AlterResult[]> {
    const results: AlterResult[] = [];
    for (let start = 0; start < items.length; start += CHUNK) {
      results.push(...(await send(items.slice(start, start + CHUNK))));
    }
    return results;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    const thread = this.thread;
    if (!thread || thread.dead) return;
    thread.post({ op: 'close', client: this.client });
    thread.leave();
  }
}
