import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdminAlert } from '../../src/services/messages.ts';
import { OWNER, startAdminBot, type AdminHarness } from '../helpers/admin-harness.ts';

const ADMIN_ALERT = 'admin.alert';
let h: AdminHarness;
const ADMIN = 77;

beforeAll(async () => {
  h = await startAdminBot();
  h.services.admins.addAdmin(ADMIN, 'test');
  h.services.admins.touch({ id: ADMIN, languageCode: 'ru' });
});
afterAll(() => h.stop());

/** Alert messages delivered since `from` (index into the fake's calls), by chat. */
function alertsSince(from: number): Record<number, string[]> {
  const byChat: Record<number, string[]> = {};
  for (const c of h.fake.calls.slice(from)) {
    if (c.method !== 'sendMessage') continue;
    (byChat[Number(c.params.chat_id)] ??= []).push(String(c.params.text));
  }
  return byChat;
}

describe('admin alerts', () => {
  it('go to every admin in their own language', async () => {
    await h.settle();
    const from = h.fake.calls.length;
    h.services.admins.alert({
      type: 'core.exited',
      severity: 'critical',
      data: { details: 'exit code <1>' },
    });
    await h.services.outbox.deliverDue();
    expect(alertsSince(from)).toEqual({
      [OWNER.id]: ['🔥 <b>The VPN core stopped.</b> exit code &lt;1&gt;'],
      [ADMIN]: ['🔥 <b>VPN-ядро остановилось.</b> exit code &lt;1&gt;'],
    });
  });

  it('are deduplicated within the throttle window, and once per key', async () => {
    const alert: AdminAlert = { type: 'core.restarted', severity: 'warning' };
    expect(h.services.admins.alert(alert)).toBe(true);
    expect(h.services.admins.alert(alert)).toBe(false);
    h.clock.advance(11 * 60_000);
    expect(h.services.admins.alert(alert)).toBe(true);

    const payment: AdminAlert = {
      type: 'payment.received',
      severity: 'info',
      data: { amount: 29900, currency: 'RUB', key: 'ann', provider: 'yookassa' },
    };
    expect(h.services.admins.alert(payment, { key: 'pay-1' })).toBe(true);
    h.clock.advance(24 * 3600_000);
    expect(h.services.admins.alert(payment, { key: 'pay-1' })).toBe(false);
    expect(h.services.admins.alert(payment, { key: 'pay-2' })).toBe(true);

    await h.settle();
    const from = h.fake.calls.length;
    await h.services.outbox.deliverDue();
    const owner = alertsSince(from)[OWNER.id]!;
    expect(owner).toHaveLength(4);
    expect(owner).toContain('ℹ️ 💰 Payment received: 299.00 RUB for <code>ann</code> (yookassa)');
  });

  it('also render alerts other services queue with raw data', async () => {
    await h.settle();
    const from = h.fake.calls.length;
    h.services.outbox.enqueue(ADMIN_ALERT, {
      type: 'core.config_refused',
      severity: 'error',
      data: { message: 'bad <json>', core_id: 'local' },
    });
    h.services.outbox.enqueue(ADMIN_ALERT, {
      type: 'payment.received',
      severity: 'info',
      data: { key: 'ann', amount: 150, currency: 'XTR', provider: 'stars' },
    });
    await h.services.outbox.deliverDue();
    expect(alertsSince(from)[OWNER.id]).toEqual([
      '❌ <b>The VPN core refused its config.</b> message: bad &lt;json&gt;',
      'ℹ️ 💰 Payment received: 150 ⭐ for <code>ann</code> (stars)',
    ]);
  });

  it('skip an admin who blocked the bot and mark them unreachable; unknown types get a generic text', async () => {
    h.fake.failNext('sendMessage', {
      error_code: 403,
      description: 'Forbidden: bot was blocked by the user',
    });
    await h.settle();
    const from = h.fake.calls.length;
    h.services.admins.alert(
      // A type this version does not know (queued by another version).
      { type: 'disk.low', severity: 'warning', data: { free: '1 GB' } } as unknown as AdminAlert,
      { throttleMinutes: 0 },
    );
    const result = await h.services.outbox.deliverDue();
    expect(result.delivered).toBe(1);
    expect(h.services.admins.get(OWNER.id)?.reachable).toBe(false);
    expect(alertsSince(from)[ADMIN]).toEqual(['⚠️ <b>disk.low</b> free: 1 GB']);
    h.services.admins.touch({ id: OWNER.id }); // writing to the bot again makes them reachable
  });

  it('are retried when no admin could be reached', async () => {
    h.fake.failNext('sendMessage', { error_code: 400, description: 'Bad Request: chat not found', times: 2 });
    h.services.admins.alert({
      type: 'backup.failed',
      severity: 'error',
      data: { job: 'scheduled-backup', error: 'disk full' },
    });
    const result = await h.services.outbox.deliverDue();
    expect(result).toMatchObject({ delivered: 0, retried: 1 });
    const row = h.services.outbox.pending().find((r) => r.kind === ADMIN_ALERT);
    expect(row?.attempts).toBe(1);
  });

  it('an unexpected bot error alerts the admins', async () => {
    const stats = h.services.reports.stats;
    h.services.reports.stats = () => {
      throw new Error('boom');
    };
    try {
      expect(await h.send(OWNER, '/status')).toMatch(/Something went wrong/);
    } finally {
      h.services.reports.stats = stats;
    }
    const queued = h.services.outbox.pending().filter((r) => r.kind === ADMIN_ALERT);
    expect(queued.map((r) => r.payload)).toContainEqual({
      type: 'error',
      severity: 'error',
      data: { error: 'boom' },
    });
  });
});
