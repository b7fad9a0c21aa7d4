import { describe, expect, it } from 'vitest';
import { PermanentFailure } from '../../src/services/outbox.service.ts';
import { testServices } from '../helpers/db.ts';

function setup() {
  const { db, clock, services } = testServices();
  return { db, clock, outbox: services.outbox };
}

describe('outbox worker', () => {
  it('delivers each kind on its own: a backlog of one never holds up another', async () => {
    const { outbox } = setup();
    const order: string[] = [];
    let releaseHook = () => {};
    const hookBlocked = new Promise<void>((resolve) => (releaseHook = resolve));
    outbox.register('hook', async (payload) => {
      await hookBlocked; // a slow receiver
      order.push(`hook ${String(payload.n)}`);
    });
    outbox.register('notice', async (payload) => {
      order.push(`notice ${String(payload.n)}`);
    });
    for (let n = 0; n < 120; n++) outbox.enqueue('hook', { n });
    outbox.enqueue('notice', { n: 1 });

    const run = outbox.deliverDue(50);
    await new Promise((resolve) => setTimeout(resolve, 20));
    // Queued after 120 webhooks, the notice is out while the first webhook still waits.
    expect(order).toEqual(['notice 1']);
    releaseHook();
    expect(await run).toEqual({ delivered: 51, retried: 0, failed: 0 });
    expect(order.slice(1, 4)).toEqual(['hook 0', 'hook 1', 'hook 2']);
    expect(outbox.pending(200)).toHaveLength(70);
  });

  it('lets runs overlap: a kind still busy is left alone, the others are served', async () => {
    const { outbox } = setup();
    const hooks: number[] = [];
    const notices: number[] = [];
    let releaseHook = () => {};
    const hookBlocked = new Promise<void>((resolve) => (releaseHook = resolve));
    outbox.register('hook', async (payload) => {
      await hookBlocked;
      hooks.push(Number(payload.n));
    });
    outbox.register('notice', async (payload) => {
      notices.push(Number(payload.n));
    });
    outbox.enqueue('hook', { n: 1 });
    outbox.enqueue('hook', { n: 2 });
    const first = outbox.deliverDue(); // stuck on the first webhook
    outbox.enqueue('notice', { n: 10 });
    // The next run serves the notice and leaves the webhooks to the run still at them.
    expect(await outbox.deliverDue()).toEqual({ delivered: 1, retried: 0, failed: 0 });
    expect(notices).toEqual([10]);
    expect(hooks).toEqual([]);
    releaseHook();
    expect(await first).toEqual({ delivered: 2, retried: 0, failed: 0 });
    expect(hooks).toEqual([1, 2]); // each once
  });

  it('leaves rows of a kind nobody handles yet, without blocking the rest', async () => {
    const { outbox } = setup();
    for (let n = 0; n < 60; n++) outbox.enqueue('later.feature', { n });
    const delivered: unknown[] = [];
    outbox.register('notice', async (payload) => {
      delivered.push(payload.n);
    });
    outbox.enqueue('notice', { n: 7 });
    expect(await outbox.deliverDue(50)).toEqual({ delivered: 1, retried: 0, failed: 0 });
    expect(delivered).toEqual([7]);
  });

  it('retries with doubling delays and gives up at once on a permanent failure', async () => {
    const { outbox, clock } = setup();
    let attempts = 0;
    outbox.register('flaky', async () => {
      attempts++;
      throw new Error('receiver down');
    });
    const givenUp: string[] = [];
    outbox.register(
      'blocked',
      async () => {
        throw new PermanentFailure('bot was blocked');
      },
      { onGiveUp: (_row, error) => givenUp.push(error) },
    );
    outbox.enqueue('flaky', {});
    outbox.enqueue('blocked', {});
    expect(await outbox.deliverDue()).toEqual({ delivered: 0, retried: 1, failed: 1 });
    expect(givenUp).toEqual(['bot was blocked']);
    expect((await outbox.deliverDue()).retried).toBe(0); // not due before 30 s
    clock.advance(30_000);
    expect((await outbox.deliverDue()).retried).toBe(1);
    clock.advance(30_000);
    expect((await outbox.deliverDue()).retried).toBe(0); // now 60 s
    clock.advance(30_000);
    expect((await outbox.deliverDue()).retried).toBe(1);
    expect(attempts).toBe(3);
    expect(outbox.failed().map((r) => r.lastError)).toEqual(['bot was blocked']);
  });
});
