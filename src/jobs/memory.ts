/**
 * A hint to V8 after each traffic collection. The cycle receives the core's whole QueryStats
 * answer (about 85 bytes a counter, two counters a key: ~15 MB at 100k keys with its network
 * chunks) into buffers outside the JS heap, which only a full GC frees; V8 starts one on its
 * own only once some 64 MB of them have piled up, so resident memory at 100k keys would peak
 * ~70 MB above its steady level. A full GC once such buffers pass a few MB frees them.
 */
type GcOptions = { type: 'major'; execution: 'async' };

/** Buffers outside the heap worth a full GC (at 100k keys: after every cycle; at 1k: seldom). */
const ARRAY_BUFFERS_WORTH_A_GC = 8 * 2 ** 20;

/**
 * Asks for a full GC when the process runs with `--expose-gc` (`npm start` and pm2 do) and
 * enough buffers are held; otherwise does nothing. `async` defers it to a task of its own
 * rather than running it inside this call; the pause is one full GC's (~10 ms measured with
 * the collector's heap at 100k keys).
 */
export function releaseTransientMemory(): void {
  const gc = (globalThis as { gc?: (options: GcOptions) => Promise<void> | void }).gc;
  if (!gc || process.memoryUsage().arrayBuffers < ARRAY_BUFFERS_WORTH_A_GC) return;
  void gc({ type: 'major', execution: 'async' });
}
