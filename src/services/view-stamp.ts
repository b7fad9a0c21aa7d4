/**
 * When a key's view may differ from one built before. The stamp moves when the database
 * changed (a commit by any connection or process: see db/change-watch.ts), when another core
 * was attached (the local node's links are the core's own), and at each new second of the
 * clock: a node down too long drops out of the links by time alone, and what the local core
 * holds outside the database (its detected flavor, its REALITY settings as last rendered)
 * shows within that second. A view built after the stamp was read is current for as long as
 * the stamp holds.
 */
import type { Clock } from './clock.ts';

export function createViewStamp(deps: {
  databaseGeneration: () => number;
  clock: Clock;
  getCore: () => unknown;
}): () => number {
  let stamp = 0;
  let generation = -1;
  let second = -1;
  let core: unknown;
  return () => {
    const nowGeneration = deps.databaseGeneration();
    const nowSecond = Math.floor(deps.clock.now().getTime() / 1000);
    const nowCore = deps.getCore();
    if (nowGeneration !== generation || nowSecond !== second || nowCore !== core) {
      generation = nowGeneration;
      second = nowSecond;
      core = nowCore;
      stamp++;
    }
    return stamp;
  };
}
