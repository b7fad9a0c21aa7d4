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

describe('vlessShareLink query values', () => {
  it('encodes every value as URLSearchParams does, with spaces as %20', () => {
    const samples = [
      "a b+c&d=e#f?g/h%i!j'k(l)m~n*o-p_q.r",
      'Ünïcödé 名前 🚀',
      'lone \uD800 and \uDFFF surrogates',
      '\u0000\u001f\u007f',
      String.fromCharCode(...Array.from({ length: 95 }, (_, i) => 32 + i)),
    ];
    for (const value of samples) {
      const link = vlessShareLink(
        { name: 'x', uuid: uuid(4) },
        { host: 'h', port: 1, reality: { sni: value, publicKey: value, shortId: value } },
      );
      const query = link.slice(link.indexOf('?') + 1, link.indexOf('#'));
      const expected = new URLSearchParams({ sni: value }).toString().replace(/\+/g, '%20');
      expect(query).toContain(`&${expected}&`);
      expect(new URL(link).searchParams.get('pbk')).toBe(
        new URLSearchParams(new URLSearchParams({ pbk: value }).toString()).get('pbk'),
      );
    }
  });

  it('writes a lone surrogate in a name as U+FFFD instead of failing', () => {
    const link = vlessShareLink({ name: 'a\uD800b', uuid: uuid(5) }, { host: 'h', port: 1 });
    expect(link.endsWith('#a%EF%BF%BDb')).toBe(true);
  });
});
