import { describe, expect, it } from 'vitest';
import { testServices } from '../helpers/db.ts';
import type { EventType } from '../../src/services/messages.ts';

describe('events service', () => {
  it('lists newest first with type/severity filters and paging, and counts', () => {
    const { services, clock } = testServices();
    for (let i = 0; i < 5; i++) {
      services.events.record({
        type: i % 2 ? 'key.created' : 'core.exited',
        severity: i % 2 ? 'info' : 'error',
      });
      clock.advance(1000);
    }
    const page = services.events.list({ perPage: 2, page: 1 });
    expect(page.total).toBe(5);
    expect(page.items).toHaveLength(2);
    expect(page.items[0]!.at.getTime()).toBeGreaterThan(page.items[1]!.at.getTime());
    expect(services.events.list({ type: 'key.created' }).total).toBe(2);
    expect(services.events.list({ severity: 'error' }).total).toBe(3);
    expect(services.events.counts()).toEqual({
      by_type: { 'core.exited': 3, 'key.created': 2 },
      by_severity: { error: 3, info: 2 },
    });
  });

  it('prunes old events', () => {
    const { services, clock } = testServices();
    services.events.record({ type: 'old' as EventType });
    clock.advance(200 * 86_400_000);
    services.events.record({ type: 'new' as EventType });
    expect(services.events.prune(180)).toBe(1);
    expect(services.events.list().items.map((e) => e.type)).toEqual(['new']);
  });
});
