/**
 * WAL checkpoints off the event loop. With SQLite's automatic checkpoint, the commit that
 * crosses 1,000 WAL pages copies them into the database file and fsyncs it, inside the request
 * that happened to commit: at thousands of keys that is a stall of tens to hundreds of ms every
 * few hundred commits (the p99 of reads, the max of the list) and half of a small commit's
 * cost on average. Here the server's connection stops checkpointing and a worker thread with
 * its own connection runs a PASSIVE checkpoint (never blocks a writer or a reader) every
 * `intervalMs`; one with nothing new to copy costs a read of the WAL index.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';

const DEFAULT_INTERVAL_MS = 250;

/** The worker's code: plain JS, so it runs the same from dist/, through tsx and in tests. */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 5000');
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
const timer = setInterval(() => {
  try {
    checkpoint.get();
  } catch (error) {
    parentPort.postMessage({ error: String(error && error.message) });
  }
}, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  try { checkpoint.get(); } catch {}
  db.close();
  parentPort.close();
});
`;

export interface Checkpointer {
  /** Stops the worker after a last checkpoint and gives the connection its automatic ones back. */
  stop(): Promise<void>;
}

/**
 * Moves the WAL checkpoints of `sqlite` (a file database in WAL mode) to a worker thread.
 * `onError` hears a checkpoint that failed (the next one retries).
 */
export function startCheckpointer(
  sqlite: Database.Database,
  onError: (message: string) => void,
  intervalMs = DEFAULT_INTERVAL_MS,
): Checkpointer {
  const autocheckpoint = sqlite.pragma('wal_autocheckpoint', { simple: true }) as number;
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER, { eval: true, workerData: { driver, file: sqlite.name, intervalMs } });
  worker.on('message', (message: { error?: string }) => {
    if (message.error) onError(message.error);
  });
  worker.on('error', (error) => onError(error.message));
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  // Running, it must not keep the process alive on its own.
  worker.unref();
  sqlite.pragma('wal_autocheckpoint = 0');
  let stopping: Promise<void> | undefined;
  return {
    stop: () =>
      (stopping ??= (() => {
        sqlite.pragma(`wal_autocheckpoint = ${autocheckpoint}`);
        worker.ref(); // the wait for its exit keeps the process alive until it closed the file
        worker.postMessage('stop');
        return exited;
      })()),
  };
}
