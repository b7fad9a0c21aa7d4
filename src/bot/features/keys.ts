/** Moved to `features/keys/`; kept for the buy feature until its rework lands. */
export type { UserDeps } from './keys/index.ts';
