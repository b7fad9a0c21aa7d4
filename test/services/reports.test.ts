import { describe, expect, it } from 'vitest';
import { memoryCoreServices } from '../helpers/db.ts';

const DAY = 86_400_000;

async function setup() {
  const { clock, mem, services } = memoryCoreServices({}, { now: '2026-11-29T10:00:00Z' });
  const ann = await services.keys.create({ name: 'ann' }, 'cli');
  const bob = await services.keys.create({ name: 'bob' }, 'cli');
  // Two days of traffic: 28th and 29th (today).
  clock.set('2026-11-28T10:00:00Z');
  mem.traffic('ann', 100, 1000);
  mem.traffic('bob', 1, 10);
  await services.traffic.collect();
  clock.set('2026-11-29T10:00:00Z');
  mem.traffic('ann', 5, 50);
  await services.traffic.collect();
  return { services, clock, ann, bob };
}

describe('reports', () => {
  it('gives a key its usage today, this month and lifetime', async () => {
    const { services, ann } = await setup();
    expect(services.reports.keyUsage(ann.id)).toEqual({
      today: { upload_bytes: 5, download_bytes: 50 },
      month: { upload_bytes: 105, download_bytes: 1050 },
      lifetime_used_bytes: 1155,
    });
  });

  it('fills daily series without gaps and breaks a month down by day', async () => {
    const { services, ann } = await setup();
    const series = services.reports.keyDaily(ann.id, '2026-11-27', '2026-11-29');
    expect(series.map((d) => d.download_bytes)).toEqual([0, 1000, 50]);
    const month = services.reports.keyMonth(ann.id, '2026-11');
    expect(month.days).toHaveLength(30);
    expect(month.download_bytes).toBe(1050);
    expect(services.reports.keyRecent(ann.id, 30)).toHaveLength(30);
  });

  it('totals the server by day and month and ranks top keys', async () => {
    const { services } = await setup();
    expect(services.reports.serverDaily('2026-11-28')).toMatchObject({
      upload_bytes: 101,
      download_bytes: 1010,
      keys: [
        { username: 'ann', upload_bytes: 100, download_bytes: 1000 },
        { username: 'bob', upload_bytes: 1, download_bytes: 10 },
      ],
    });
    const stats = services.reports.stats();
    expect(stats.keys_by_status.active).toBe(2);
    expect(stats.traffic_month).toEqual({ upload_bytes: 106, download_bytes: 1060 });
    expect(stats.top_keys[0]?.username).toBe('ann');
    expect(stats.online_now).toBe(1); // ann moved traffic just now; bob a day ago
  });

  it('refuses malformed dates and months', async () => {
    const { services, ann } = await setup();
    expect(() => services.reports.keyDaily(ann.id, '2026-13-01', '2026-11-01')).toThrow(/YYYY-MM-DD/);
    expect(() => services.reports.keyMonth(ann.id, '2026-1')).toThrow(/YYYY-MM/);
    expect(() => services.reports.keyDaily(ann.id, '2026-11-02', '2026-11-01')).toThrow(/after/);
  });

  it('prunes daily rows past the retention', async () => {
    const { services, clock } = await setup();
    clock.advance(400 * DAY);
    expect(services.traffic.pruneDaily(400)).toBe(2);
  });
});
