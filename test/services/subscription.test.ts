import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { isAppError } from '../../src/services/errors.ts';
import {
  formatForUserAgent,
  parseVlessLink,
  supportUrl,
  toBase64,
  toClashYaml,
  toSingBoxJson,
  userinfoHeader,
} from '../../src/services/subscription.service.ts';
import { memoryCoreServices } from '../helpers/db.ts';

const UUID = '0f5b2b5e-9c2e-4a4f-8d7a-2b1f3c4d5e6f';
const REALITY =
  `vless://${UUID}@203.0.113.7:443?type=tcp&encryption=none&security=reality&sni=www.microsoft.com` +
  '&fp=chrome&pbk=Pk3yQ_public-key&sid=ab12cd&spx=%2F&flow=xtls-rprx-vision#alice%20phone';
const PLAIN = `vless://${UUID}@[2001:db8::7]:8443?type=tcp&encryption=none&security=none#bob`;

describe('share links', () => {
  it('reads REALITY and plain VLESS links, IPv6 hosts included', () => {
    expect(parseVlessLink(REALITY)).toEqual({
      name: 'alice phone',
      uuid: UUID,
      server: '203.0.113.7',
      port: 443,
      network: 'tcp',
      security: 'reality',
      sni: 'www.microsoft.com',
      fingerprint: 'chrome',
      publicKey: 'Pk3yQ_public-key',
      shortId: 'ab12cd',
      spiderX: '/',
      flow: 'xtls-rprx-vision',
    });
    expect(parseVlessLink(PLAIN)).toMatchObject({
      server: '2001:db8::7',
      port: 8443,
      security: 'none',
      sni: null,
      flow: null,
    });
    for (const bad of ['', 'vmess://abc', 'vless://', 'not a link']) expect(parseVlessLink(bad)).toBeNull();
  });

  it('base64 is the links one per line', () => {
    expect(Buffer.from(toBase64([REALITY, PLAIN]), 'base64').toString()).toBe(`${REALITY}\n${PLAIN}`);
  });
});

describe('Clash Meta and sing-box profiles', () => {
  const servers = [parseVlessLink(REALITY)!, parseVlessLink(PLAIN)!, parseVlessLink(REALITY)!];

  it('Clash: one proxy per server (names made unique), REALITY options, TLS off for plain', () => {
    const profile = YAML.parse(toClashYaml(servers));
    expect(profile.proxies.map((p: { name: string }) => p.name)).toEqual([
      'alice phone',
      'bob',
      'alice phone 2',
    ]);
    expect(profile.proxies[0]).toMatchObject({
      server: '203.0.113.7',
      tls: true,
      servername: 'www.microsoft.com',
      'reality-opts': { 'public-key': 'Pk3yQ_public-key', 'short-id': 'ab12cd' },
    });
    expect(profile.proxies[1]).toMatchObject({ server: '2001:db8::7', port: 8443, tls: false });
    expect(profile.proxies[1]).not.toHaveProperty('reality-opts');
    // Several servers: the selector offers the automatic (url-test) group first, then each.
    const names = ['alice phone', 'bob', 'alice phone 2'];
    expect(profile['proxy-groups'][0]).toMatchObject({ type: 'select', proxies: ['AUTO', ...names] });
    expect(profile['proxy-groups'][1]).toMatchObject({ name: 'AUTO', type: 'url-test', proxies: names });
  });

  it('sing-box: vless outbounds behind a selector, TLS with REALITY only where the link says so', () => {
    const profile = JSON.parse(toSingBoxJson(servers));
    const tags = profile.outbounds.map((o: { tag: string }) => o.tag);
    expect(tags).toEqual(['proxy', 'auto', 'alice phone', 'bob', 'alice phone 2', 'direct']);
    expect(profile.outbounds[1]).toMatchObject({
      type: 'urltest',
      outbounds: ['alice phone', 'bob', 'alice phone 2'],
    });
    expect(profile.outbounds[2].tls.reality).toEqual({
      enabled: true,
      public_key: 'Pk3yQ_public-key',
      short_id: 'ab12cd',
    });
    expect(profile.outbounds[3]).not.toHaveProperty('tls');
    expect(profile.outbounds[3]).toMatchObject({ server: '2001:db8::7', server_port: 8443 });
  });
});

describe('server names that are group names', () => {
  it('numbers a server named like a group, so no name points at two things', () => {
    const named = (name: string) => ({ ...parseVlessLink(PLAIN)!, name });
    const clash = YAML.parse(toClashYaml([named('PROXY'), named('AUTO')]));
    expect(clash.proxies.map((p: { name: string }) => p.name)).toEqual(['PROXY 2', 'AUTO 2']);
    expect(clash['proxy-groups'].map((g: { name: string }) => g.name)).toEqual(['PROXY', 'AUTO']);
    const singbox = JSON.parse(toSingBoxJson([named('proxy'), named('direct')]));
    expect(singbox.outbounds.map((o: { tag: string }) => o.tag)).toEqual([
      'proxy',
      'auto',
      'proxy 2',
      'direct 2',
      'direct',
    ]);
  });
});

describe('client detection and headers', () => {
  it('picks the format from the User-Agent', () => {
    const cases: Array<[string | undefined, string]> = [
      [undefined, 'base64'],
      ['v2rayNG/1.9.5', 'xray'],
      ['v2rayNG/1.8.28', 'base64'],
      ['v2rayN/7.0', 'xray'],
      ['v2rayN/6.23', 'base64'],
      ['Happ/1.63.1', 'xray'],
      ['Happ/1.50.0', 'base64'],
      ['Streisand', 'xray'],
      ['V2Box 8.2', 'xray'],
      ['HiddifyNext/2.5.7 (android) like ClashMeta v2ray sing-box', 'base64'],
      ['clash-verge/v1.7.7', 'clash'],
      ['mihomo/1.19.0', 'clash'],
      ['FlClash/v0.8.80 clash-verge Platform/android', 'clash'],
      ['ClashX Meta/1.3.1', 'clash'],
      ['koala-clash/1.0', 'clash'],
      ['ClashForAndroid/2.5.12', 'clash'],
      ['Stash/2.4.6 Clash/1.9.0', 'stash'],
      ['sing-box 1.11.4', 'singbox'],
      ['SFA/1.10.0 (Android 14)', 'singbox'],
      ['SFI/1.12.1', 'singbox'],
      ['SFM/1.12.1', 'singbox'],
      ['SFT/1.12.1', 'singbox'],
      ['Karing/1.1.2.606 android', 'singbox'],
      ['Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0', 'base64'],
    ];
    for (const [ua, format] of cases) expect(formatForUserAgent(ua), ua).toBe(format);
  });

  it('formats subscription-userinfo and support URLs', () => {
    expect(userinfoHeader({ upload: 1, download: 2, total: 0, expire: 0 })).toBe(
      'upload=1; download=2; total=0; expire=0',
    );
    expect(supportUrl('@help_desk')).toBe('https://t.me/help_desk');
    expect(supportUrl('t.me/help_desk')).toBe('https://t.me/help_desk');
    expect(supportUrl('https://example.com/help')).toBe('https://example.com/help');
    expect(supportUrl('javascript:alert(1)')).toBeNull();
    expect(supportUrl('')).toBeNull();
  });
});

describe('subscription service', () => {
  it('resolves tokens, reports usage (GB = 2^30) and renders every format from the key’s links', async () => {
    const { services, mem: memory } = memoryCoreServices({ PUBLIC_URL: 'https://vpn.example.com' });
    const key = await services.keys.create(
      { name: 'carol', trafficLimitBytes: 5 * 2 ** 30, expireAt: new Date('2027-01-01T00:00:00Z') },
      'test',
    );
    const sub = services.subscription;
    expect(sub.resolve(key.subToken).id).toBe(key.id);
    for (const bad of ['', 'x', `${key.subToken}x`, key.subToken.toUpperCase(), 'a'.repeat(500)]) {
      try {
        sub.resolve(bad);
        expect.unreachable();
      } catch (error) {
        expect(isAppError(error, 'SUBSCRIPTION_NOT_FOUND')).toBe(true);
      }
    }
    expect(sub.usage(key)).toEqual({
      upload: 0,
      download: 0,
      total: 5 * 2 ** 30,
      expire: Date.parse('2027-01-01T00:00:00Z') / 1000,
    });
    expect(sub.profile(key)).toMatchObject({
      title: 'carol · vpn.example.com',
      updateIntervalHours: 12,
      supportUrl: null,
      webPageUrl: `https://vpn.example.com/sub/${key.subToken}`,
    });
    const link = memory.core.shareLink({ name: 'carol', uuid: key.uuid })!;
    expect(Buffer.from(sub.render(key, 'base64').body, 'base64').toString()).toBe(link);
    expect(YAML.parse(sub.render(key, 'clash').body).proxies[0].uuid).toBe(key.uuid);
    expect(JSON.parse(sub.render(key, 'singbox').body).outbounds[1].uuid).toBe(key.uuid);
    expect(sub.info(key)).not.toHaveProperty('note');
    expect(sub.info(key)).not.toHaveProperty('telegram_id');
  });
});
