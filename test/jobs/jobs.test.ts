import { afterEach, describe, expect, it, vi } from 'vitest';
import { jobSpecs } from '../../src/jobs/index.ts';
import { testServices } from '../helpers/db.ts';
import { createMemoryCore } from '../helpers/memory-core.ts';

const globals = globalThis as { gc?: unknown };

function collectJob() {
  const { services } = testServices();
  const mem = createMemoryCore();
  services.attachCore(mem.core);
  const job = jobSpecs(services).find((spec) => spec.name === 'collect-traffic')!;
  return { services, mem, job };
}

describe('the collect-traffic job', () => {
  const saved = globals.gc;
  afterEach(() => {
    globals.gc = saved;
  });

  it('collects, enforces limits, then asks V8 for a background full GC', async () => {
    const { services, mem, job } = collectJob();
    await services.keys.create({ name: 'alice', trafficLimitBytes: 100 }, 'test');
    mem.traffic('alice', 60, 60);
    const calls: string[] = [];
    const collect = services.traffic.collect.bind(services.traffic);
    vi.spyOn(services.traffic, 'collect').mockImplementation(() => {
      calls.push('collect');
      return collect();
    });
    globals.gc = vi.fn(() => calls.push('gc'));

    await job.run();

    expect(calls).toEqual(['collect', 'gc']);
    expect(globals.gc).toHaveBeenCalledWith({ type: 'major', execution: 'async' });
    expect(services.keys.get('alice')).toMatchObject({
      uploadBytes: 60,
      downloadBytes: 60,
      status: 'limited',
    });
  });

  it('runs the same without --expose-gc', async () => {
    const { services, mem, job } = collectJob();
    await services.keys.create({ name: 'bob' }, 'test');
    mem.traffic('bob', 5, 7);
    delete globals.gc;
    await job.run();
    expect(services.keys.get('bob')).toMatchObject({ uploadBytes: 5, downloadBytes: 7 });
  });
});
