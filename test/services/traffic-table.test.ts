/**
 * The collector's in-memory counter table: case variants of a name, a rolled-back cycle,
 * rates and a forgotten table, each checked against what the database holds.
 */
import { describe, expect, it } from 'vitest';
import { memoryCoreServices, testServices } from '../helpers/db.ts';
import { readBaselines, writeBaseline } from '../helpers/baselines.ts';
import { createMemoryCore } from '../helpers/memory-core.ts';

function setup() {
  const t = memoryCoreServices();
  const { db } = t;
  const baselines = () => readBaselines(db.$client, 'local');
  const daily = (name: string) =>
    db.$client
      .prepare(
        'SELECT sum(d.upload_bytes) AS up, sum(d.download_bytes) AS down FROM key_usage_daily d JOIN keys k ON k.id = d.key_id WHERE k.name = ?',
      )
      .get(name) as { up: number; down: number };
  return { ...t, baselines, daily };
}

describe('traffic collection table', () => {
  it('charges the counters of names differing only in case to one key, each from its own baseline', async () => {
    const { services, mem, baselines, daily } = setup();
    await services.keys.create({ name: 'ann' }, 'cli');
    // A core keeps the counters of a removed user: "Ann" from before, "ann" from now.
    mem.traffic('Ann', 10, 100);
    mem.traffic('ann', 1, 1000);
    await services.traffic.collect();
    mem.traffic('Ann', 5, 0);
    mem.traffic('ann', 0, 7);
    await services.traffic.collect();
    const key = services.keys.get('ann');
    expect(key.uploadBytes).toBe(16);
    expect(key.downloadBytes).toBe(1107);
    expect(daily('ann')).toEqual({ up: 16, down: 1107 });
    expect(baselines()).toEqual({
      'user>>>Ann>>>traffic>>>uplink': 15,
      'user>>>Ann>>>traffic>>>downlink': 100,
      'user>>>ann>>>traffic>>>uplink': 1,
      'user>>>ann>>>traffic>>>downlink': 1007,
    });
  });

  it('takes over baselines stored one row per counter (before counter sets), then drops those rows', async () => {
    const { services, mem, db, baselines } = setup();
    await services.keys.create({ name: 'ann' }, 'cli');
    const legacy = db.$client.prepare(
      "INSERT INTO core_counters (core_id, name, value) VALUES ('local', ?, ?)",
    );
    legacy.run('user>>>ann>>>traffic>>>uplink', 10);
    legacy.run('user>>>ann>>>traffic>>>downlink', 100);
    mem.traffic('ann', 15, 150);
    await services.traffic.collect();
    expect(services.keys.get('ann')).toMatchObject({ uploadBytes: 5, downloadBytes: 50 });
    expect(baselines()).toEqual({
      'user>>>ann>>>traffic>>>uplink': 15,
      'user>>>ann>>>traffic>>>downlink': 150,
    });
    expect(db.$client.prepare('SELECT count(*) FROM core_counters').pluck().get()).toBe(0);
    services.traffic.forgetBaselines(); // read back from the set alone
    mem.traffic('ann', 1, 2);
    await services.traffic.collect();
    expect(services.keys.get('ann')).toMatchObject({ uploadBytes: 6, downloadBytes: 52 });
  });

  it('a cycle that rolls back charges nothing, and the next one charges it all once', async () => {
    const { services, mem, db, daily } = setup();
    await services.keys.create({ name: 'ann' }, 'cli');
    mem.traffic('ann', 10, 100);
    await services.traffic.collect();
    mem.traffic('ann', 1, 2);
    db.$client.exec(
      "CREATE TRIGGER fail BEFORE INSERT ON key_usage_daily BEGIN SELECT RAISE(ABORT, 'disk full'); END",
    );
    await expect(services.traffic.collect()).rejects.toThrow('disk full');
    expect(services.keys.get('ann').uploadBytes).toBe(10);
    db.$client.exec('DROP TRIGGER fail');
    mem.traffic('ann', 3, 4);
    await services.traffic.collect();
    const key = services.keys.get('ann');
    expect(key.uploadBytes).toBe(14);
    expect(key.downloadBytes).toBe(106);
    expect(daily('ann')).toEqual({ up: 14, down: 106 });
  });

  it('reports the rate of the last interval by name, in any case', async () => {
    const { services, mem, clock } = setup();
    await services.keys.create({ name: 'Ann' }, 'cli');
    mem.traffic('Ann', 0, 0);
    await services.traffic.collect();
    expect(services.traffic.rate('ann')).toEqual({ up: 0, down: 0 });
    mem.traffic('Ann', 1000, 3000);
    clock.advance(10_000);
    await services.traffic.collect();
    expect(services.traffic.rate('ANN')).toEqual({ up: 100, down: 300 });
    expect(services.traffic.rate('bob')).toEqual({ up: 0, down: 0 });
    clock.advance(10_000);
    await services.traffic.collect(); // nothing new
    expect(services.traffic.rate('ann')).toEqual({ up: 0, down: 0 });
  });

  it('rereads baselines after forgetBaselines, without charging twice', async () => {
    const { services, mem, db, baselines } = setup();
    await services.keys.create({ name: 'ann' }, 'cli');
    mem.traffic('ann', 10, 20);
    await services.traffic.collect();
    // As a restore would: the table now holds other baselines.
    writeBaseline(db.$client, 'local', 'ann', true, 5);
    services.traffic.forgetBaselines();
    await services.traffic.collect();
    expect(services.keys.get('ann').uploadBytes).toBe(15);
    expect(baselines()['user>>>ann>>>traffic>>>uplink']).toBe(10);
  });

  it('drops a cycle whose baselines a restore replaced while it read', async () => {
    const mem = createMemoryCore();
    let release = () => {};
    let gate: Promise<void> | null = null;
    const core = {
      ...mem.core,
      readCounters: async (visit: Parameters<typeof mem.core.readCounters>[0]) => {
        if (gate) await gate;
        return mem.core.readCounters(visit);
      },
    };
    const { services, db } = testServices({}, { core });
    await services.keys.create({ name: 'ann' }, 'cli');
    mem.traffic('ann', 10, 20);
    await services.traffic.collect();

    mem.traffic('ann', 1, 1);
    gate = new Promise<void>((resolve) => (release = resolve));
    const cycle = services.traffic.collect();
    await Promise.resolve();
    // As a restore would, mid-read: other baselines in the table.
    writeBaseline(db.$client, 'local', 'ann', true, 5);
    services.traffic.forgetBaselines();
    release();
    expect(await cycle).toBeNull();
    expect(services.keys.get('ann').uploadBytes).toBe(10);

    gate = null;
    await services.traffic.collect();
    expect(services.keys.get('ann').uploadBytes).toBe(16); // 10 + (11 - 5)
  });
});
