/**
 * A hint to V8 after each traffic collection. The cycle receives the core's whole QueryStats
 * answer (about 85 bytes a counter, two counters a key: ~17 MB at 100k keys with its network
 * chunks) into buffers outside the JS heap, which only a full GC frees; V8 starts one on its
 * own only once some 64 MB of them have piled up, so resident memory at 100k keys would peak
 * ~70 MB above its steady level. A background full GC right after the cycle frees them at once.
 */
type GcOptions = { type: 'major'; execution: 'async' };

/**
 * Starts a background full GC when the process runs with `--expose-gc` (`npm start` and pm2
 * do); otherwise does nothing. Never blocks: marking runs concurrently with the event loop.
 */
export function releaseTransientMemory(): void {
  const gc = (globalThis as { gc?: (options: GcOptions) => Promise<void> | void }).gc;
  void gc?.({ type: 'major', execution: 'async' });
}
