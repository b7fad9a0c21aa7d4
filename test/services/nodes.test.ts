import { describe, expect, it } from 'vitest';
import { DOWN_AFTER_FAILURES } from '../../src/services/nodes.service.ts';
import { testServices } from '../helpers/db.ts';

function direct(name: string, extra: Record<string, unknown> = {}) {
  return {
    name,
    address: `${name}.example.com`,
    transport: 'direct' as const,
    direct: '10.0.0.2:10085',
    ...extra,
  };
}

describe('nodes service', () => {
  it('has node `local` first, with REALITY material made once and the environment defaults', () => {
    const { services } = testServices({ VLESS_HOST: 'vpn.example.com', VLESS_PORT: '8443' });
    const local = services.nodes.ensureLocal();
    expect(services.nodes.ensureLocal().realityPrivateKey).toBe(local.realityPrivateKey);
    expect(services.nodes.view(local)).toMatchObject({
      name: 'local',
      display_name: 'local',
      transport: 'local',
      status: 'unknown',
      address: 'vpn.example.com',
      port: 8443,
      enabled: true,
      users: null,
      last_error: null,
    });
    expect(services.nodes.view(local).public_key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(services.nodes.view(local).short_ids).toHaveLength(1);
    expect(() => services.nodes.remove('local', 'cli')).toThrow(/cannot be removed/);
  });

  it('creates nodes with their own REALITY keys; every key is on every enabled node', async () => {
    const { services } = testServices();
    services.nodes.ensureLocal();
    const alice = await services.keys.create({ name: 'alice' }, 'cli');
    const de = services.nodes.create(direct('de', { displayName: '🇩🇪 Frankfurt' }), 'cli');
    const bob = await services.keys.create({ name: 'bob' }, 'cli');
    await services.keys.disable('bob', 'cli');
    const carol = await services.keys.create({ name: 'carol' }, 'cli');
    expect(de.realityPrivateKey).not.toBe(services.nodes.get('local').realityPrivateKey);
    expect(services.nodes.list().map((n) => n.name)).toEqual(['local', 'de']);
    const names = (id: number) =>
      services.nodes
        .desiredUsers(id)
        .map((u) => u.name)
        .sort();
    expect(names(de.id)).toEqual(['alice', 'carol']);
    expect(services.nodes.desiredUsers(de.id)).toContainEqual({ name: 'alice', uuid: alice.uuid });
    expect(services.nodes.nodesOfKey(carol.id).map((n) => n.name)).toEqual(['local', 'de']);
    expect(services.nodes.isMember(bob.id, de.id)).toBe(true);

    expect(services.nodes.disable('DE', 'cli').changed).toBe(true);
    expect(services.nodes.disable('de', 'cli').changed).toBe(false);
    expect(names(de.id)).toEqual([]);
    expect(services.nodes.view(services.nodes.get('de')).status).toBe('disabled');
    expect(services.nodes.nodesOfKey(carol.id).map((n) => n.name)).toEqual(['local']);
    services.nodes.enable('de', 'cli');
    expect(names(de.id)).toEqual(['alice', 'carol']);
    expect(services.events.list().items.map((e) => e.type)).toEqual(
      expect.arrayContaining(['node.created', 'node.disabled', 'node.enabled']),
    );
  });

  it('refuses bad input and duplicate names', () => {
    const { services } = testServices();
    services.nodes.create(direct('de'), 'cli');
    expect(() => services.nodes.create(direct('DE'), 'cli')).toThrow(/exists/);
    expect(() => services.nodes.create(direct('bad name'), 'cli')).toThrow(/node name/);
    expect(() => services.nodes.create(direct('nl', { direct: 'no-port' }), 'cli')).toThrow(/HOST:PORT/);
    expect(() => services.nodes.create(direct('nl', { port: 70000 }), 'cli')).toThrow(/port/);
    expect(() => services.nodes.create({ ...direct('nl'), transport: 'ssh' }, 'cli')).toThrow(/--ssh/);
    expect(() => services.nodes.update('de', { trafficMultiplier: -1 }, 'cli')).toThrow(/multiplier/);
    expect(() => services.nodes.get('nope')).toThrow(/no node/);
  });

  it('keeps applied state per node; removing a node drops it with its baselines', async () => {
    const { services, db } = testServices();
    const de = services.nodes.create(direct('de'), 'cli');
    services.nodes.recordApplied(de.id, {
      added: [
        { name: 'Alice', uuid: 'u1' },
        { name: 'bob', uuid: 'u2' },
      ],
    });
    services.nodes.recordApplied(de.id, { added: [{ name: 'alice', uuid: 'u3' }], removed: ['BOB'] });
    expect(services.nodes.appliedUsers(de.id)).toEqual([{ name: 'alice', uuid: 'u3' }]);
    db.$client.prepare("INSERT INTO core_counters (core_id, name, value) VALUES ('de', 'x', 1)").run();
    db.$client
      .prepare("INSERT INTO core_counter_sets (core_id, users, counters) VALUES ('de', '[]', x'')")
      .run();
    services.nodes.remove('de', 'cli');
    expect(services.nodes.find('de')).toBeNull();
    expect(services.nodes.appliedUsers(de.id)).toEqual([]);
    expect(db.$client.prepare("SELECT count(*) FROM core_counters WHERE core_id = 'de'").pluck().get()).toBe(
      0,
    );
    expect(
      db.$client.prepare("SELECT count(*) FROM core_counter_sets WHERE core_id = 'de'").pluck().get(),
    ).toBe(0);
  });

  it('health: down after a few failures, up after one success, one alert and event each', () => {
    const { services, clock } = testServices();
    const de = services.nodes.create(direct('de'), 'cli');
    expect(
      services.nodes.recordHealth(de.id, { ok: true, rttMs: 3.4, version: '26.1.1' }).transition,
    ).toBeNull();
    for (let i = 1; i < DOWN_AFTER_FAILURES; i++) {
      expect(services.nodes.recordHealth(de.id, { ok: false, error: 'refused' }).transition).toBeNull();
    }
    clock.advance(60_000);
    const down = services.nodes.recordHealth(de.id, { ok: false, error: 'connection refused' });
    expect(down.transition).toBe('down');
    expect(services.nodes.view(down.node)).toMatchObject({
      status: 'down',
      last_error: 'connection refused',
      since: clock.now().toISOString(),
      version: '26.1.1',
    });
    expect(services.nodes.recordHealth(de.id, { ok: false, error: 'again' }).transition).toBeNull();
    const up = services.nodes.recordHealth(de.id, { ok: true, rttMs: 5, usersInCore: 7, uptimeSeconds: 9 });
    expect(up.transition).toBe('up');
    expect(services.nodes.view(up.node)).toMatchObject({
      status: 'up',
      users: 7,
      rtt_ms: 5,
      last_error: null,
    });
    const alerts = services.outbox
      .pending()
      .filter((row) => row.kind === 'admin.alert')
      .map((row) => (row.payload as { type: string }).type);
    const types = services.events.list().items.map((e) => e.type);
    expect(types.filter((t) => t === 'node.down')).toHaveLength(1);
    expect(types.filter((t) => t === 'node.up')).toHaveLength(1);
    expect(alerts).toEqual(['node.down', 'node.up']);
  });
});
