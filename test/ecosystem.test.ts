/** pm2 runs what `npm start` runs: the same script and the same node flags. */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { startFlags } from './helpers/product.ts';

const { apps } = createRequire(import.meta.url)('../ecosystem.config.cjs') as {
  apps: { script: string; node_args: string; instances: number }[];
};

describe('ecosystem.config.cjs', () => {
  it('starts dist/main.js once, with the node flags of npm start', () => {
    expect(apps).toHaveLength(1);
    expect(apps[0]!.script).toBe('dist/main.js');
    expect(apps[0]!.instances).toBe(1);
    expect(apps[0]!.node_args.split(/\s+/)).toEqual(startFlags());
    // One V8 background thread: its default of four contends with the core on a small VPS.
    expect(startFlags()).toContain('--v8-pool-size=1');
    // No pretenuring: a burst of creations taught V8 to allocate some per-request objects in
    // the old generation, and every read after it paid in collections (BENCHMARKS.md).
    expect(startFlags()).toContain('--no-allocation-site-pretenuring');
  });
});
