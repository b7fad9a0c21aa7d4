import { describe, expect, it } from 'vitest';
import { vlessShareLink } from '../../src/core/link.ts';
import { uuid } from './fixtures.ts';

const reality = { sni: 'www.microsoft.com', publicKey: 'PUBKEY_abc-123', shortId: '0123456789abcdef' };

describe('vlessShareLink', () => {
  it('builds the REALITY link clients expect', () => {
    expect(
      vlessShareLink({ name: 'alice', uuid: uuid(1) }, { host: 'vpn.example.com', port: 443, reality }),
    ).toBe(
      'vless://00000000-0000-4000-8000-000000000001@vpn.example.com:443?type=tcp&encryption=none' +
        '&security=reality&sni=www.microsoft.com&fp=chrome&pbk=PUBKEY_abc-123&sid=0123456789abcdef' +
        '&spx=%2F&flow=xtls-rprx-vision#alice',
    );
  });

  it('builds a plain link without REALITY parameters', () => {
    const link = vlessShareLink({ name: 'bob', uuid: uuid(2) }, { host: '203.0.113.7', port: 8443 });
    expect(link).toBe(
      'vless://00000000-0000-4000-8000-000000000002@203.0.113.7:8443?type=tcp&encryption=none&security=none#bob',
    );
    expect(link).not.toMatch(/pbk|sid|spx|fp=|flow/);
  });

  it('brackets IPv6 hosts and encodes names', () => {
    const link = vlessShareLink(
      { name: 'Анна & co #1', uuid: uuid(3) },
      { host: '2001:db8::1', port: 443, reality },
    );
    const url = new URL(link);
    expect(url.hostname).toBe('[2001:db8::1]');
    expect(link).toContain('#%D0%90%D0%BD%D0%BD%D0%B0%20%26%20co%20%231');
    expect(decodeURIComponent(url.hash.slice(1))).toBe('Анна & co #1');
    expect(url.searchParams.get('spx')).toBe('/');
  });
});
