/**
 * The typed messages: `tsc` (part of CI) checks the @ts-expect-error lines below, so a
 * misspelled outbox kind, notice, alert or event type is a compile error.
 */
import { describe, expect, it } from 'vitest';
import { testServices } from '../helpers/db.ts';

describe('typed messages', () => {
  it('queue only declared kinds with their payloads, and alerts in one shape', () => {
    const { services } = testServices();
    const { outbox, events, admins } = services;

    // Type checks only: never run.
    const _misspelled = () => {
      // @ts-expect-error a misspelled outbox kind
      outbox.enqueue('owner.notise', { telegramId: 1, notice: 'kicked', key: 'ann' });
      // @ts-expect-error a notice that does not exist
      outbox.enqueue('owner.notice', { telegramId: 1, notice: 'kiked', key: 'ann' });
      // @ts-expect-error a notice without the values its text shows
      outbox.enqueue('owner.notice', { telegramId: 1, notice: 'quota', key: 'ann' });
      // @ts-expect-error a misspelled event type
      events.record({ type: 'key.creatd' });
      // @ts-expect-error an alert type that does not exist
      admins.alert({ type: 'core.exitted', severity: 'error' });
      // @ts-expect-error the old second payload shape
      admins.alert({ type: 'error', severity: 'error', vars: { error: 'boom' } });
    };
    expect(_misspelled).toBeTypeOf('function');

    admins.alert({ type: 'error', severity: 'error', data: { error: 'boom' } });
    expect(outbox.pending().map((row) => [row.kind, row.payload])).toContainEqual([
      'admin.alert',
      { type: 'error', severity: 'error', data: { error: 'boom' } },
    ]);
  });
});
