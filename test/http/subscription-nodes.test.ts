/**
 * Subscriptions with several nodes (issue #17 item 10): one link per enabled node the key is
 * on, named by the node's display name and built from that node's own endpoint; a node
 * down longer than the `hideDownNodeMinutes` setting is left out; Clash Meta and sing-box
 * group the nodes in a selector and an automatic (url-test) group. Real HTTP, real SQLite.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import type { Node } from '../../src/db/schema.ts';
import { parseVlessLink, type VlessServer } from '../../src/services/links/vless.ts';
import { LOCAL_NODE } from '../../src/services/nodes.service.ts';
import { httpFixture, realityLink, withKey } from './fixture.ts';

const MINUTE = 60_000;

describe('subscriptions over several nodes', () => {
  const f = httpFixture({ PUBLIC_URL: 'https://vpn.example.com' });
  let token: string;
  let uuid: string;
  let frankfurt: Node;
  let helsinki: Node;
  const sub = (path = '', headers: Record<string, string> = {}) =>
    f.app.inject({ method: 'GET', url: `/sub/${token}${path}`, headers });
  const base64Links = async () =>
    Buffer.from((await sub('', { 'user-agent': 'v2rayNG/1.8.5' })).body, 'base64')
      .toString('utf8')
      .split('\n')
      .filter(Boolean);
  const names = async () => (await base64Links()).map((link) => parseVlessLink(link)!.name);

  /** What a remote node's link must carry: its own address, port, SNI and REALITY material. */
  function expectNodeLink(server: VlessServer, node: Node, name: string) {
    const ep = f.services.nodes.endpoint(node);
    expect(server).toMatchObject({
      name,
      uuid,
      server: ep.address,
      port: ep.port,
      security: 'reality',
      sni: ep.sni,
      publicKey: ep.reality.publicKey,
      shortId: ep.reality.shortIds[0],
      flow: 'xtls-rprx-vision',
    });
  }

  beforeAll(async () => {
    f.services.attachCore({ ...f.memory.core, shareLink: realityLink });
    f.services.nodes.update(LOCAL_NODE, { displayName: '🇳🇱 Amsterdam' }, 'test');
    frankfurt = f.services.nodes.create(
      {
        name: 'fra',
        displayName: '🇩🇪 Frankfurt',
        address: 'fra.example.net',
        port: 8443,
        sni: 'www.apple.com',
        transport: 'direct',
        direct: '10.0.0.2:10085',
      },
      'test',
    );
    helsinki = f.services.nodes.create(
      {
        name: 'hel',
        displayName: '🇫🇮 Helsinki',
        address: '2001:db8::7',
        port: 2053,
        transport: 'direct',
        direct: '10.0.0.3:10085',
      },
      'test',
    );
    const key = await f.services.keys.create({ name: 'alice' }, 'test');
    token = key.subToken;
    uuid = key.uuid;
  });
  afterAll(() => f.app.close());

  it('lists one link per node, named by its display name, each with its own endpoint and REALITY keys', async () => {
    const links = await base64Links();
    expect(links).toHaveLength(3);
    const [amsterdam, fra, hel] = links.map((link) => parseVlessLink(link)!);
    // The local node's link is the local core's own, named by the node.
    expect(links[0]).toBe(realityLink({ name: '🇳🇱 Amsterdam', uuid }));
    expect(amsterdam!.name).toBe('🇳🇱 Amsterdam');
    expectNodeLink(fra!, frankfurt, '🇩🇪 Frankfurt');
    expectNodeLink(hel!, helsinki, '🇫🇮 Helsinki');
    expect(fra).toMatchObject({ server: 'fra.example.net', port: 8443, sni: 'www.apple.com' });
    expect(hel).toMatchObject({ server: '2001:db8::7', port: 2053 });
    expect(links[2]).toContain('@[2001:db8::7]:2053?');
    // Every node has a key pair of its own.
    expect(new Set([amsterdam!.publicKey, fra!.publicKey, hel!.publicKey]).size).toBe(3);
  });

  it('gives the same links in /info, the user JSON and GET /users/{username}/subscription', async () => {
    const links = await base64Links();
    expect((await sub('/info')).json().links).toEqual(links);
    const key = f.apiKey(['users:read', 'subscriptions:read']);
    const user = await f.app.inject({ method: 'GET', url: '/api/v1/users/alice', headers: withKey(key) });
    expect(user.json().links).toEqual(links);
    const subscription = await f.app.inject({
      method: 'GET',
      url: '/api/v1/users/alice/subscription',
      headers: withKey(key),
    });
    expect(subscription.json()).toEqual({ subscription_url: `https://vpn.example.com/sub/${token}`, links });
  });

  it('names each server above its link on the web page', async () => {
    const page = (await sub('', { accept: 'text/html' })).body;
    const links = await base64Links();
    for (const [i, name] of ['🇳🇱 Amsterdam', '🇩🇪 Frankfurt', '🇫🇮 Helsinki'].entries()) {
      const escaped = links[i]!.replace(/&/g, '&amp;');
      expect(page).toContain(`<strong>${name}</strong><br /><code>${escaped}</code>`);
    }
  });

  it('hides a node only once it has been down longer than the setting (10 minutes by default)', async () => {
    for (let i = 0; i < 3; i++) f.services.nodes.recordHealth(frankfurt.id, { ok: false, error: 'timeout' });
    expect(f.services.nodes.byId(frankfurt.id)!.health).toBe('down');
    expect(await names()).toEqual(['🇳🇱 Amsterdam', '🇩🇪 Frankfurt', '🇫🇮 Helsinki']);
    f.clock.advance(10 * MINUTE);
    expect(await names()).toEqual(['🇳🇱 Amsterdam', '🇩🇪 Frankfurt', '🇫🇮 Helsinki']);
    f.clock.advance(MINUTE);
    expect(await names()).toEqual(['🇳🇱 Amsterdam', '🇫🇮 Helsinki']);
    expect((await sub('/info')).json().links).toHaveLength(2);

    // A longer allowance brings it back; a shorter one hides it again.
    f.services.settings.set('hideDownNodeMinutes', 30);
    expect(await names()).toEqual(['🇳🇱 Amsterdam', '🇩🇪 Frankfurt', '🇫🇮 Helsinki']);
    f.services.settings.set('hideDownNodeMinutes', 5);
    expect(await names()).toEqual(['🇳🇱 Amsterdam', '🇫🇮 Helsinki']);

    // Back up: listed at once.
    f.services.nodes.recordHealth(frankfurt.id, { ok: true, rttMs: 12 });
    expect(await names()).toEqual(['🇳🇱 Amsterdam', '🇩🇪 Frankfurt', '🇫🇮 Helsinki']);
    f.services.settings.set('hideDownNodeMinutes', 10);
  });

  it('counts from health_since, and keeps every node when all of them are down', async () => {
    const longAgo = new Date(f.clock.now().getTime() - 60 * MINUTE);
    const recent = new Date(f.clock.now().getTime() - 2 * MINUTE);
    const sqlite = f.db.$client;
    const update = sqlite.prepare('UPDATE nodes SET health = ?, health_since = ? WHERE name = ?');
    // Written behind the nodes service's back: it keeps node rows between its own writes.
    const setHealth = {
      run: (...args: [string, number, string]) => {
        update.run(...args);
        f.services.nodes.forget();
      },
    };
    setHealth.run('down', longAgo.getTime(), 'hel');
    setHealth.run('down', recent.getTime(), LOCAL_NODE);
    expect(await names()).toEqual(['🇳🇱 Amsterdam', '🇩🇪 Frankfurt']);
    setHealth.run('down', longAgo.getTime(), LOCAL_NODE);
    setHealth.run('down', longAgo.getTime(), 'fra');
    // An empty subscription would make apps drop every server: all stay listed.
    expect(await names()).toEqual(['🇳🇱 Amsterdam', '🇩🇪 Frankfurt', '🇫🇮 Helsinki']);
    for (const name of [LOCAL_NODE, 'fra', 'hel']) setHealth.run('up', f.clock.now().getTime(), name);
    expect(await names()).toHaveLength(3);
  });

  it('lists only the nodes the key is on, in the user JSON as in the subscription', async () => {
    const key = f.apiKey(['users:read']);
    const userLinks = async () =>
      (await f.app.inject({ method: 'GET', url: '/api/v1/users/ALICE', headers: withKey(key) })).json()
        .links as string[];
    const leave = f.services.db.$client.prepare(
      "DELETE FROM key_nodes WHERE node_id = ? AND key_id = (SELECT id FROM keys WHERE name = 'alice')",
    );
    try {
      leave.run(frankfurt.id);
      expect(await names()).toEqual(['🇳🇱 Amsterdam', '🇫🇮 Helsinki']);
      expect(await userLinks()).toEqual(await base64Links());
      // /info reads the key's nodes on its own: the same links.
      expect((await sub('/info')).json().links).toEqual(await userLinks());
      f.services.nodes.disable('hel', 'test');
      expect((await userLinks()).map((link) => parseVlessLink(link)!.name)).toEqual(['🇳🇱 Amsterdam']);
      for (const node of f.services.nodes.list()) leave.run(node.id);
      expect(await userLinks()).toEqual([]);
      expect(await base64Links()).toEqual([]);
    } finally {
      f.services.nodes.enable('hel', 'test');
      f.services.db.$client
        .prepare(
          "INSERT OR IGNORE INTO key_nodes (key_id, node_id) SELECT k.id, n.id FROM keys k, nodes n WHERE k.name = 'alice'",
        )
        .run();
    }
    expect(await userLinks()).toHaveLength(3);
  });

  it('leaves out a disabled node, and numbers repeated display names', async () => {
    f.services.nodes.disable('hel', 'test');
    expect(await names()).toEqual(['🇳🇱 Amsterdam', '🇩🇪 Frankfurt']);
    f.services.nodes.enable('hel', 'test');
    f.services.nodes.update('hel', { displayName: '🇩🇪 Frankfurt' }, 'test');
    expect(await names()).toEqual(['🇳🇱 Amsterdam', '🇩🇪 Frankfurt', '🇩🇪 Frankfurt 2']);
    f.services.nodes.update('hel', { displayName: '🇫🇮 Helsinki' }, 'test');
  });

  it('groups every node in a selector and a url-test group in Clash Meta YAML', async () => {
    const all = ['🇳🇱 Amsterdam', '🇩🇪 Frankfurt', '🇫🇮 Helsinki'];
    for (const res of [
      await sub('/clash'),
      await sub('', { 'user-agent': 'mihomo/1.19' }),
      await sub('/stash'),
    ]) {
      const profile = YAML.parse(res.body);
      expect(profile.proxies.map((p: { name: string }) => p.name)).toEqual(all);
      const groups = Object.fromEntries(
        profile['proxy-groups'].map((g: { name: string }) => [g.name, g]),
      ) as Record<string, { type: string; proxies: string[]; url?: string; interval?: number }>;
      expect(groups.PROXY).toMatchObject({ type: 'select', proxies: ['AUTO', ...all] });
      expect(groups.AUTO).toMatchObject({ type: 'url-test', proxies: all, interval: 300 });
      expect(groups.AUTO!.url).toMatch(/^https:\/\//);
      expect(profile.rules.at(-1)).toBe('MATCH,PROXY');
      const fra = profile.proxies.find((p: { name: string }) => p.name === '🇩🇪 Frankfurt');
      const ep = f.services.nodes.endpoint(frankfurt);
      expect(fra).toMatchObject({
        server: 'fra.example.net',
        port: 8443,
        servername: 'www.apple.com',
        'reality-opts': { 'public-key': ep.reality.publicKey, 'short-id': ep.reality.shortIds[0] },
      });
    }
  });

  it('groups every node in a selector and a urltest outbound in sing-box JSON', async () => {
    const all = ['🇳🇱 Amsterdam', '🇩🇪 Frankfurt', '🇫🇮 Helsinki'];
    for (const res of [await sub('/singbox'), await sub('', { 'user-agent': 'SFA/1.12.1' })]) {
      const profile = JSON.parse(res.body);
      const byTag = new Map(profile.outbounds.map((o: { tag: string }) => [o.tag, o]));
      expect(byTag.get('proxy')).toMatchObject({
        type: 'selector',
        outbounds: ['auto', ...all],
        default: 'auto',
      });
      expect(byTag.get('auto')).toMatchObject({ type: 'urltest', outbounds: all });
      const vless = profile.outbounds.filter((o: { type: string }) => o.type === 'vless');
      expect(vless.map((o: { tag: string }) => o.tag)).toEqual(all);
      const hel = f.services.nodes.endpoint(helsinki);
      expect(byTag.get('🇫🇮 Helsinki')).toMatchObject({
        server: '2001:db8::7',
        server_port: 2053,
        tls: {
          server_name: hel.sni,
          reality: { public_key: hel.reality.publicKey, short_id: hel.reality.shortIds[0] },
        },
      });
      expect(profile.route.final).toBe('proxy');
    }
  });

  it('gives Xray JSON one client config per node', async () => {
    const configs = JSON.parse((await sub('/xray')).body) as Array<{
      remarks: string;
      outbounds: Array<{ settings: { vnext: unknown[] } }>;
    }>;
    expect(configs.map((c) => c.remarks)).toEqual(['🇳🇱 Amsterdam', '🇩🇪 Frankfurt', '🇫🇮 Helsinki']);
    expect(configs[1]!.outbounds[0]!.settings.vnext[0]).toMatchObject({
      address: 'fra.example.net',
      port: 8443,
    });
  });

  it('keeps one notice entry for a stopped key, whatever the nodes', async () => {
    await f.services.keys.update('alice', { status: 'disabled' }, 'test');
    const links = await base64Links();
    expect(links).toHaveLength(1);
    expect(parseVlessLink(links[0]!)).toMatchObject({ server: '0.0.0.0', port: 1 });
    const clash = YAML.parse((await sub('/clash')).body);
    expect(clash['proxy-groups']).toHaveLength(1);
    await f.services.keys.update('alice', { status: 'active' }, 'test');
  });

  it('with one node left, lists it alone without an automatic group', async () => {
    f.services.nodes.disable(LOCAL_NODE, 'test');
    f.services.nodes.disable('hel', 'test');
    expect(await names()).toEqual(['🇩🇪 Frankfurt']);
    const clash = YAML.parse((await sub('/clash')).body);
    expect(clash['proxy-groups']).toEqual([{ name: 'PROXY', type: 'select', proxies: ['🇩🇪 Frankfurt'] }]);
    const singbox = JSON.parse((await sub('/singbox')).body);
    expect(singbox.outbounds.filter((o: { type: string }) => o.type === 'urltest')).toEqual([]);
    f.services.nodes.enable(LOCAL_NODE, 'test');
    f.services.nodes.enable('hel', 'test');
  });
});

describe('subscriptions with the local node alone', () => {
  const f = httpFixture({ PUBLIC_URL: 'https://vpn.example.com' });
  afterAll(() => f.app.close());

  it('lists the local core link named after the key, as before nodes', async () => {
    f.services.attachCore({ ...f.memory.core, shareLink: realityLink });
    const key = await f.services.keys.create({ name: 'bob' }, 'test');
    const res = await f.app.inject({ method: 'GET', url: `/sub/${key.subToken}` });
    expect(Buffer.from(res.body, 'base64').toString()).toBe(realityLink({ name: 'bob', uuid: key.uuid }));
    const clash = YAML.parse((await f.app.inject({ method: 'GET', url: `/sub/${key.subToken}/clash` })).body);
    expect(clash['proxy-groups']).toEqual([{ name: 'PROXY', type: 'select', proxies: ['bob'] }]);
  });
});
