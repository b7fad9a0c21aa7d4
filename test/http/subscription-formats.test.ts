/**
 * Every subscription format, parsed as the client would and checked field by field, for a
 * REALITY link (Xray core) and a plain VLESS link (V2Fly core), both written by the real
 * link writer; plus the headers apps read, the admin's announcement and stopped keys.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { vlessShareLink, type LinkEndpoint } from '../../src/core/link.ts';
import type { CoreUser } from '../../src/services/core-port.ts';
import { httpFixture, withKey } from './fixture.ts';

const REALITY: LinkEndpoint = {
  host: 'vpn.example.com',
  port: 443,
  reality: { sni: 'www.microsoft.com', publicKey: 'Pk3yQ_public-key', shortId: 'ab12cd' },
};
const PLAIN: LinkEndpoint = { host: 'vpn.example.com', port: 8443 };

const decode = (header: unknown) => {
  const value = String(header);
  expect(value).toMatch(/^base64:/);
  return Buffer.from(value.slice('base64:'.length), 'base64').toString('utf8');
};

interface ClashProxy {
  name: string;
  [key: string]: unknown;
}

for (const [variant, endpoint] of [
  ['Xray/REALITY', REALITY],
  ['V2Fly (plain VLESS)', PLAIN],
] as const) {
  describe(`subscription formats, ${variant}`, () => {
    const f = httpFixture({ PUBLIC_URL: 'https://vpn.example.com' });
    const reality = endpoint.reality !== undefined;
    let token: string;
    let uuid: string;
    const sub = (path = '', headers: Record<string, string> = {}) =>
      f.app.inject({ method: 'GET', url: `/sub/${token}${path}`, headers });

    beforeAll(async () => {
      f.services.attachCore({ ...f.memory.core, shareLink: (u: CoreUser) => vlessShareLink(u, endpoint) });
      f.services.settings.set('supportContact', '@help_desk');
      // A name YAML would read as a number unless quoted.
      const key = await f.services.keys.create(
        { name: '1e3', trafficLimitBytes: 2 ** 30, expireAt: new Date('2027-03-01T00:00:00Z') },
        'test',
      );
      token = key.subToken;
      uuid = key.uuid;
    });
    afterAll(() => f.app.close());

    it('sends the headers apps read with every format', async () => {
      for (const path of ['', '/clash', '/stash', '/singbox', '/xray']) {
        const res = await sub(path);
        expect(res.statusCode, path).toBe(200);
        expect(res.headers['subscription-userinfo'], path).toBe(
          `upload=0; download=0; total=${2 ** 30}; expire=${Date.parse('2027-03-01T00:00:00Z') / 1000}`,
        );
        expect(decode(res.headers['profile-title'])).toBe('1e3 · vpn.example.com');
        expect(res.headers['profile-update-interval']).toBe('12');
        expect(res.headers['support-url']).toBe('https://t.me/help_desk');
        expect(res.headers['profile-web-page-url']).toBe(`https://vpn.example.com/sub/${token}`);
        expect(res.headers['content-disposition']).toBe('attachment; filename="1e3"');
        expect(res.headers).not.toHaveProperty('announce');
      }
    });

    it('base64: the share link itself', async () => {
      const res = await sub('', { 'user-agent': 'HiddifyNext/2.5.7 like ClashMeta v2ray sing-box' });
      expect(Buffer.from(res.body, 'base64').toString()).toBe(
        vlessShareLink({ name: '1e3', uuid }, endpoint),
      );
    });

    it('Clash Meta (mihomo): the proxy, a selector over every link, DNS through the tunnel, quoted names', async () => {
      for (const res of [
        await sub('/clash'),
        await sub('', { 'user-agent': 'FlClash/v0.8.80 Platform/android' }),
      ]) {
        expect(res.headers['content-type']).toMatch(/^text\/yaml/);
        // YAML 1.1 (go-yaml in older Clash builds) reads an unquoted 1e3 as a number.
        const profile = YAML.parse(res.body, { version: '1.1' });
        const proxy = profile.proxies[0] as ClashProxy;
        expect(proxy).toEqual({
          name: '1e3',
          type: 'vless',
          server: 'vpn.example.com',
          port: endpoint.port,
          uuid,
          network: 'tcp',
          udp: true,
          tls: reality,
          ...(reality
            ? {
                flow: 'xtls-rprx-vision',
                servername: 'www.microsoft.com',
                'client-fingerprint': 'chrome',
                'reality-opts': { 'public-key': 'Pk3yQ_public-key', 'short-id': 'ab12cd' },
              }
            : {}),
        });
        expect(profile['proxy-groups']).toEqual([{ name: 'PROXY', type: 'select', proxies: ['1e3'] }]);
        expect(profile.rules.at(-1)).toBe('MATCH,PROXY');
        expect(profile.dns.enable).toBe(true);
        expect(profile.dns.nameserver.length).toBeGreaterThan(0);
        for (const ns of profile.dns.nameserver) expect(ns).toMatch(/#PROXY$/);
        expect(profile['mixed-port']).toBe(7890);
      }
    });

    it('Stash: the same proxies and selector, without mihomo-only keys', async () => {
      for (const res of [await sub('/stash'), await sub('', { 'user-agent': 'Stash/2.4.6 Clash/1.9.0' })]) {
        expect(res.headers['content-type']).toMatch(/^text\/yaml/);
        const profile = YAML.parse(res.body, { version: '1.1' });
        expect(profile.proxies[0]).toMatchObject({ name: '1e3', type: 'vless', uuid, port: endpoint.port });
        expect(profile['proxy-groups'][0]).toEqual({ name: 'PROXY', type: 'select', proxies: ['1e3'] });
        expect(profile).not.toHaveProperty('dns');
        expect(profile).not.toHaveProperty('mixed-port');
      }
    });

    it('sing-box 1.12+: rule actions, no special outbounds, DNS over the selector', async () => {
      for (const res of [await sub('/singbox'), await sub('', { 'user-agent': 'SFA/1.12.4 (Android 15)' })]) {
        expect(res.headers['content-type']).toMatch(/^application\/json/);
        const profile = JSON.parse(res.body);
        const types = profile.outbounds.map((o: { type: string }) => o.type);
        expect(types).toEqual(['selector', 'vless', 'direct']);
        expect(profile.outbounds[0]).toEqual({
          type: 'selector',
          tag: 'proxy',
          outbounds: ['1e3'],
          default: '1e3',
        });
        expect(profile.outbounds[1]).toEqual({
          type: 'vless',
          tag: '1e3',
          server: 'vpn.example.com',
          server_port: endpoint.port,
          uuid,
          packet_encoding: 'xudp',
          ...(reality
            ? {
                flow: 'xtls-rprx-vision',
                tls: {
                  enabled: true,
                  server_name: 'www.microsoft.com',
                  utls: { enabled: true, fingerprint: 'chrome' },
                  reality: { enabled: true, public_key: 'Pk3yQ_public-key', short_id: 'ab12cd' },
                },
              }
            : {}),
        });
        expect(profile.dns.final).toBe('remote');
        const remote = profile.dns.servers.find((s: { tag: string }) => s.tag === 'remote');
        expect(remote).toMatchObject({ type: 'tls', detour: 'proxy' });
        expect(profile.route).toMatchObject({ final: 'proxy', default_domain_resolver: 'local' });
        expect(profile.route.rules).toContainEqual({ protocol: 'dns', action: 'hijack-dns' });
        expect(profile.route.rules).toContainEqual({ action: 'sniff' });
        expect(profile.inbounds.map((i: { type: string }) => i.type)).toEqual(['tun', 'mixed']);
      }
    });

    it('sing-box 1.11 (by its User-Agent): the legacy DNS form, still through the selector', async () => {
      const profile = JSON.parse((await sub('', { 'user-agent': 'sing-box 1.11.4' })).body);
      expect(profile.dns.servers).toContainEqual({
        tag: 'remote',
        address: 'tls://1.1.1.1',
        detour: 'proxy',
      });
      expect(profile.dns.rules).toEqual([{ outbound: 'any', server: 'local' }]);
      expect(profile.dns.final).toBe('remote');
      expect(profile.route).not.toHaveProperty('default_domain_resolver');
    });

    it('Xray JSON: one full client config per link, by suffix and by User-Agent', async () => {
      for (const res of [await sub('/xray'), await sub('', { 'user-agent': 'Happ/1.63.1' })]) {
        expect(res.headers['content-type']).toMatch(/^application\/json/);
        const configs = JSON.parse(res.body);
        expect(configs).toHaveLength(1);
        const config = configs[0];
        expect(config.remarks).toBe('1e3');
        const proxy = config.outbounds[0];
        expect(proxy).toMatchObject({ tag: 'proxy', protocol: 'vless' });
        expect(proxy.settings.vnext).toEqual([
          {
            address: 'vpn.example.com',
            port: endpoint.port,
            users: [{ id: uuid, encryption: 'none', ...(reality ? { flow: 'xtls-rprx-vision' } : {}) }],
          },
        ]);
        expect(proxy.streamSettings).toEqual(
          reality
            ? {
                network: 'tcp',
                security: 'reality',
                realitySettings: {
                  serverName: 'www.microsoft.com',
                  fingerprint: 'chrome',
                  publicKey: 'Pk3yQ_public-key',
                  shortId: 'ab12cd',
                  spiderX: '/',
                },
              }
            : { network: 'tcp', security: 'none' },
        );
        expect(config.outbounds.map((o: { protocol: string }) => o.protocol)).toEqual([
          'vless',
          'freedom',
          'blackhole',
        ]);
        expect(config.inbounds.map((i: { protocol: string }) => i.protocol)).toEqual(['socks', 'http']);
        expect(config.routing.rules).toEqual([
          {
            type: 'field',
            ip: expect.arrayContaining(['10.0.0.0/8', '192.168.0.0/16', 'fc00::/7']),
            outboundTag: 'direct',
          },
        ]);
      }
    });
  });
}

describe('subscription announcement and stopped keys', () => {
  const f = httpFixture({ PUBLIC_URL: 'https://vpn.example.com' });
  let token: string;
  let uuid: string;
  const sub = (path = '', headers: Record<string, string> = {}) =>
    f.app.inject({ method: 'GET', url: `/sub/${token}${path}`, headers });

  beforeAll(async () => {
    f.services.attachCore({ ...f.memory.core, shareLink: (u: CoreUser) => vlessShareLink(u, REALITY) });
    const key = await f.services.keys.create({ name: 'dora' }, 'test');
    token = key.subToken;
    uuid = key.uuid;
  });
  afterAll(() => f.app.close());

  it('an admin sets the announcement over the API (system:write) and every format carries it', async () => {
    const reader = f.apiKey(['subscriptions:read']);
    const writer = f.apiKey(['system:write']);
    const patch = (key: string, announce: string) =>
      f.app.inject({
        method: 'PATCH',
        url: '/api/v1/settings/subscription',
        headers: withKey(key),
        payload: { announce },
      });
    expect((await patch(reader, 'nope')).statusCode).toBe(403);
    expect((await patch(writer, 'x'.repeat(201))).statusCode).toBe(400);
    const text = 'Техработы в субботу 03:00–04:00 MSK';
    const res = await patch(writer, text);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ announce: text });
    const read = await f.app.inject({
      method: 'GET',
      url: '/api/v1/settings/subscription',
      headers: withKey(reader),
    });
    expect(read.json()).toEqual({ announce: text });
    for (const path of ['', '/clash', '/stash', '/singbox', '/xray']) {
      expect(decode((await sub(path)).headers.announce), path).toBe(text);
    }
    await patch(writer, '');
    expect((await sub()).headers).not.toHaveProperty('announce');
  });

  it('a disabled, expired or limited key gets no working link, and every format says why', async () => {
    const cases = [
      { status: 'disabled', en: 'Disabled', ru: 'Отключена', announce: /disabled/ },
      { status: 'expired', en: 'Expired', ru: 'Срок истёк', announce: /expired/ },
      { status: 'limited', en: 'Traffic limit reached', ru: 'Лимит трафика исчерпан', announce: /traffic/ },
    ] as const;
    for (const c of cases) {
      f.db.$client.prepare('UPDATE keys SET status = ? WHERE name = ?').run(c.status, 'dora');
      for (const path of ['', '/clash', '/stash', '/singbox', '/xray']) {
        const res = await sub(path);
        const where = `${c.status} ${path}`;
        expect(res.statusCode, where).toBe(200);
        const body = path === '' ? decodeURIComponent(Buffer.from(res.body, 'base64').toString()) : res.body;
        expect(body, where).not.toContain(uuid);
        expect(body, where).not.toContain('vpn.example.com');
        expect(body, where).toContain(c.en);
        expect(decode(res.headers['profile-title']), where).toBe(`⛔ ${c.en} · dora`);
        expect(decode(res.headers.announce), where).toMatch(c.announce);
      }
      const link = Buffer.from((await sub()).body, 'base64').toString();
      expect(link).toMatch(/^vless:\/\/00000000-0000-0000-0000-000000000000@0\.0\.0\.0:1\?/);
      expect(decodeURIComponent(link.split('#')[1]!)).toBe(`⛔ ${c.en}`);
      const ru = await sub('/singbox', { 'accept-language': 'ru-RU,ru;q=0.9' });
      expect(JSON.parse(ru.body).outbounds[1]).toMatchObject({
        tag: `⛔ ${c.ru}`,
        server: '0.0.0.0',
        server_port: 1,
      });
      expect(decode(ru.headers['profile-title'])).toBe(`⛔ ${c.ru} · dora`);
      expect(decode(ru.headers.announce)).toMatch(/ключ/i);
    }
    f.db.$client.prepare('UPDATE keys SET status = ? WHERE name = ?').run('active', 'dora');
    expect(Buffer.from((await sub()).body, 'base64').toString()).toContain(uuid);
  });
});
