/**
 * A CommonJS dependency loaded on its first use. SSH (remote nodes), tar (backups), QR codes,
 * charts and proxy agents serve features many instances never touch, or touch once a day;
 * loaded at start they cost every process their code and heap (~5 MB of the peak at 10k keys).
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export function lazyModule<T>(name: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= require(name) as T);
}
