import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { httpFixture, realityLink } from './fixture.ts';

describe('GET /sub/{token}', () => {
  const f = httpFixture({ PUBLIC_URL: 'https://vpn.example.com' });
  let token: string;
  let uuid: string;
  const sub = (path = '', headers: Record<string, string> = {}) =>
    f.app.inject({ method: 'GET', url: `/sub/${token}${path}`, headers });

  beforeAll(async () => {
    f.services.attachCore({ ...f.memory.core, shareLink: realityLink });
    f.services.settings.set('supportContact', '@help_desk');
    const key = await f.services.keys.create(
      { name: 'alice', trafficLimitBytes: 10 * 2 ** 30, expireAt: new Date('2026-12-01T00:00:00Z') },
      'test',
    );
    token = key.subToken;
    uuid = key.uuid;
    f.memory.traffic('alice', 1000, 2000);
    await f.services.traffic.collect();
  });
  afterAll(() => f.app.close());

  it('answers base64 of the links, one per line, with the usage and profile headers', async () => {
    const res = await sub('', { 'user-agent': 'v2rayNG/1.8.5' });
    expect(res.statusCode).toBe(200);
    const links = Buffer.from(res.body, 'base64').toString('utf8').split('\n');
    expect(links).toEqual([realityLink({ name: 'alice', uuid })]);
    expect(res.headers['subscription-userinfo']).toBe(
      `upload=1000; download=2000; total=${10 * 2 ** 30}; expire=${Date.parse('2026-12-01T00:00:00Z') / 1000}`,
    );
    const title = String(res.headers['profile-title']);
    expect(Buffer.from(title.replace(/^base64:/, ''), 'base64').toString()).toBe('alice · vpn.example.com');
    expect(res.headers['profile-update-interval']).toBe('12');
    expect(res.headers['support-url']).toBe('https://t.me/help_desk');
    expect(res.headers['profile-web-page-url']).toBe(`https://vpn.example.com/sub/${token}`);
    expect(res.headers['content-disposition']).toBe('attachment; filename="alice"');
  });

  it('says total=0 and expire=0 for an unlimited, never-expiring key', async () => {
    const key = await f.services.keys.create({ name: 'free' }, 'test');
    const res = await f.app.inject({ method: 'GET', url: `/sub/${key.subToken}` });
    expect(res.headers['subscription-userinfo']).toBe('upload=0; download=0; total=0; expire=0');
  });

  it('gives Hiddify base64 even though its agent names ClashMeta and sing-box', async () => {
    const res = await sub('', { 'user-agent': 'HiddifyNext/2.5.7 (android) like ClashMeta v2ray sing-box' });
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(Buffer.from(res.body, 'base64').toString()).toMatch(/^vless:\/\//);
  });

  it('serves Clash Meta YAML by path or User-Agent, naming the right server', async () => {
    for (const res of [await sub('/clash'), await sub('', { 'user-agent': 'clash.meta/1.18' })]) {
      expect(res.headers['content-type']).toMatch(/^text\/yaml/);
      expect(res.headers['subscription-userinfo']).toMatch(/^upload=1000;/);
      const profile = YAML.parse(res.body);
      expect(profile.proxies).toEqual([
        {
          name: 'alice',
          type: 'vless',
          server: 'vpn.example.com',
          port: 443,
          uuid,
          network: 'tcp',
          udp: true,
          tls: true,
          flow: 'xtls-rprx-vision',
          servername: 'www.microsoft.com',
          'client-fingerprint': 'chrome',
          'reality-opts': { 'public-key': 'Pk3yQ_public-key', 'short-id': 'ab12cd' },
        },
      ]);
      expect(profile['proxy-groups'][0].proxies).toEqual(['alice']);
      expect(profile.rules.at(-1)).toBe('MATCH,PROXY');
    }
    for (const ua of ['mihomo/1.19', 'Stash/2.4 Clash/1.0', 'ClashVerge/1.3']) {
      expect((await sub('', { 'user-agent': ua })).headers['content-type'], ua).toMatch(/yaml/);
    }
  });

  it('serves a sing-box profile by path or User-Agent, naming the right server', async () => {
    for (const res of [await sub('/singbox'), await sub('', { 'user-agent': 'sing-box 1.11.4' })]) {
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      const profile = JSON.parse(res.body);
      const vless = profile.outbounds.find((o: { type: string }) => o.type === 'vless');
      expect(vless).toMatchObject({
        tag: 'alice',
        server: 'vpn.example.com',
        server_port: 443,
        uuid,
        flow: 'xtls-rprx-vision',
        tls: {
          enabled: true,
          server_name: 'www.microsoft.com',
          utls: { enabled: true, fingerprint: 'chrome' },
          reality: { enabled: true, public_key: 'Pk3yQ_public-key', short_id: 'ab12cd' },
        },
      });
      expect(profile.outbounds[0]).toMatchObject({ type: 'selector', outbounds: ['alice'] });
      expect(profile.route.final).toBe('proxy');
    }
  });

  it('answers /info as JSON without the admin note or the owner id', async () => {
    await f.services.keys.update('alice', { note: 'owes money', ownerTelegramId: 77 }, 'test');
    const res = await sub('/info');
    expect(res.json()).toEqual({
      username: 'alice',
      status: 'active',
      upload_bytes: 1000,
      download_bytes: 2000,
      used_bytes: 3000,
      lifetime_used_bytes: 3000,
      traffic_limit_bytes: 10 * 2 ** 30,
      expire_at: '2026-12-01T00:00:00.000Z',
      reset_strategy: 'no_reset',
      online_at: expect.any(String),
      subscription_url: `https://vpn.example.com/sub/${token}`,
      links: [realityLink({ name: 'alice', uuid })],
      support_url: 'https://t.me/help_desk',
    });
  });

  it('404s an unknown token in the error shape, whatever the format', async () => {
    for (const url of ['/sub/nope', '/sub/nope/clash', '/sub/nope/info', `/sub/${'x'.repeat(100)}`]) {
      const res = await f.app.inject({ method: 'GET', url, headers: { accept: 'text/html' } });
      expect(res.statusCode, url).toBe(404);
      expect(res.json().error.code).toBe('SUBSCRIPTION_NOT_FOUND');
    }
    const overlong = await f.app.inject({ method: 'GET', url: `/sub/${'x'.repeat(300)}` });
    expect(overlong.statusCode).toBe(414);
    expect(overlong.json().error.code).toBe('URI_TOO_LONG');
    const malformed = await f.app.inject({ method: 'GET', url: '/sub/%E0%A4%A' });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().error.code).toBe('VALIDATION_FAILED');
  });

  it('404s a prefix, a suffix and a one-character change of a real token, on every route and format', async () => {
    const other = (c: string) => (c === 'A' ? 'B' : 'A');
    const middle = token.length >> 1;
    const nearMisses = [
      token.slice(0, -1),
      token.slice(0, 8),
      token.slice(1),
      token.slice(-8),
      `${token}A`,
      `A${token}`,
      `${other(token[0]!)}${token.slice(1)}`,
      `${token.slice(0, middle)}${other(token[middle]!)}${token.slice(middle + 1)}`,
      `${token.slice(0, -1)}${other(token.at(-1)!)}`,
    ];
    const fetches: Array<[string, Record<string, string>]> = [
      ['', { 'user-agent': 'v2rayNG/1.8.5' }],
      ['', { 'user-agent': 'clash.meta/1.18' }],
      ['', { 'user-agent': 'sing-box 1.11.4' }],
      ['', { accept: 'text/html' }],
      ['/clash', {}],
      ['/singbox', {}],
      ['/info', {}],
    ];
    for (const [path, headers] of fetches) {
      expect((await sub(path, headers)).statusCode, path).toBe(200); // the real token answers
      for (const wrong of nearMisses) {
        const res = await f.app.inject({ method: 'GET', url: `/sub/${wrong}${path}`, headers });
        expect(res.statusCode, `${wrong}${path} ${JSON.stringify(headers)}`).toBe(404);
        expect(res.json().error.code).toBe('SUBSCRIPTION_NOT_FOUND');
      }
    }
  });

  it('gives a browser an HTML page in its language, with safe headers', async () => {
    const ru = await sub('', { accept: 'text/html,*/*', 'accept-language': 'ru-RU,ru;q=0.9,en;q=0.8' });
    expect(ru.headers['content-type']).toMatch(/^text\/html/);
    expect(ru.headers['content-language']).toBe('ru');
    expect(ru.headers['content-security-policy']).toMatch(/script-src 'nonce-/);
    expect(ru.headers['referrer-policy']).toBe('no-referrer');
    expect(ru.body).toContain('<html lang="ru">');
    expect(ru.body).toContain('Ваша подписка VPN');
    expect(ru.body).toContain('<svg');
    const en = await sub('', { accept: 'text/html', 'accept-language': 'de-DE, en;q=0.5' });
    expect(en.body).toContain('Your VPN subscription');
    for (const app of ['v2rayNG', 'Hiddify', 'Streisand', 'FoXray', 'Shadowrocket', 'v2rayN']) {
      expect(en.body).toContain(app);
    }
  });

  it('escapes everything it puts in the page', async () => {
    const evil = '<script>alert(1)</script>"\'&';
    f.services.attachCore({
      ...f.memory.core,
      shareLink: (u) => `${realityLink(u)}${encodeURIComponent(evil)}&x=${evil}`,
    });
    const res = await sub('', { accept: 'text/html' });
    expect(res.body).not.toContain('<script>alert(1)');
    expect(res.body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;');
    expect(res.body.match(/<script/g)).toHaveLength(1);
    f.services.attachCore({ ...f.memory.core, shareLink: realityLink });
  });
});
