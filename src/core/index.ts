/**
 * The core adapter: the only way the services reach a VPN core. It renders and installs the
 * config, runs the core (when CORE_MANAGED), applies user changes over gRPC without restarts,
 * reads counters and reconciles the core with the desired state the services supply (the
 * database is the truth). A missing core binary is a mode, not a failure: changes stay
 * pending and the reconciler applies them once a core exists.
 */
import { LocalCore } from './local-core.ts';
import type { Core, CreateCoreOptions } from './types.ts';

export type { CoreUser } from './config.ts';
export type { CoreEvent, CoreEventSeverity } from './events.ts';
export { generateRealityKeyPair, generateShortIds } from './reality.ts';
export type * from './types.ts';

/** Creates the adapter of the local core (id `local`). Nothing runs until {@link Core.start}. */
export function createCore(options: CreateCoreOptions): Core {
  return new LocalCore(options);
}
