import { afterEach, describe, expect, it, vi } from 'vitest';
import { jobSpecs, startJobs } from '../../src/jobs/index.ts';
import { memoryCoreServices, silentLogger, testServices } from '../helpers/db.ts';

const globals = globalThis as { gc?: unknown };

function collectJob() {
  const { services, mem } = memoryCoreServices();
  const job = jobSpecs(services).find((spec) => spec.name === 'collect-traffic')!;
  return { services, mem, job };
}

describe('the collect-traffic job', () => {
  const saved = globals.gc;
  afterEach(() => {
    globals.gc = saved;
  });

  it('collects, enforces limits, then asks V8 for a full GC when buffers pile up', async () => {
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
    const usage = process.memoryUsage();
    const memoryUsage = vi.spyOn(process, 'memoryUsage');

    memoryUsage.mockReturnValue({ ...usage, arrayBuffers: 20 * 2 ** 20 });
    await job.run();
    expect(calls).toEqual(['collect', 'gc']);
    expect(globals.gc).toHaveBeenCalledWith({ type: 'major', execution: 'async' });
    expect(services.keys.get('alice')).toMatchObject({
      uploadBytes: 60,
      downloadBytes: 60,
      status: 'limited',
    });

    // Little held outside the heap: no GC for nothing.
    memoryUsage.mockReturnValue({ ...usage, arrayBuffers: 2 ** 20 });
    await job.run();
    expect(calls).toEqual(['collect', 'gc', 'collect']);
    memoryUsage.mockRestore();
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

describe('stopping the jobs', () => {
  it(
    'waits for a delivery in progress, so it is marked delivered before the DB closes',
    { timeout: 15_000 },
    async () => {
      const { services } = testServices();
      const events: string[] = [];
      let started = () => {};
      const deliveryStarted = new Promise<void>((resolve) => (started = resolve));
      services.outbox.register('webhook.delivery', async () => {
        started();
        events.push('delivery started');
        await new Promise((resolve) => setTimeout(resolve, 500));
        events.push('delivery done');
      });
      services.outbox.enqueue('webhook.delivery', { url: 'http://receiver.test/', body: '{}' });
      const jobs = startJobs({ services, logger: silentLogger });
      await deliveryStarted; // the 5-second outbox job has picked it up
      await jobs.stop();
      events.push('stopped');
      expect(events).toEqual(['delivery started', 'delivery done', 'stopped']);
      expect(services.outbox.pending()).toEqual([]);
    },
  );
});
