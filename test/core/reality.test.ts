import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkRealityTarget,
  generateRealityKeyPair,
  generateShortIds,
  realityPublicKey,
  splitHostPort,
} from '../../src/core/reality.ts';
import { makeTempDir, removeDir } from './fixtures.ts';

describe('REALITY keys', () => {
  it('generates X25519 pairs whose public half derives from the private one', () => {
    const pair = generateRealityKeyPair();
    expect(pair.privateKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(pair.publicKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(realityPublicKey(pair.privateKey)).toBe(pair.publicKey);
    expect(generateRealityKeyPair().privateKey).not.toBe(pair.privateKey);
  });

  it('matches a known X25519 vector (RFC 7748 §6.1, Alice)', () => {
    const priv = Buffer.from('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a', 'hex');
    const pub = Buffer.from('8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a', 'hex');
    expect(realityPublicKey(priv.toString('base64url'))).toBe(pub.toString('base64url'));
  });

  it('refuses a malformed private key', () => {
    expect(() => realityPublicKey('short')).toThrow(/43 base64url/);
  });

  it('makes hex short ids', () => {
    const ids = generateShortIds(3);
    expect(ids).toHaveLength(3);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{16}$/);
    expect(generateShortIds(1, 2)[0]).toMatch(/^[0-9a-f]{4}$/);
    expect(() => generateShortIds(1, 9)).toThrow(RangeError);
  });

  it('splits targets', () => {
    expect(splitHostPort('example.com:8443')).toEqual({ host: 'example.com', port: 8443 });
    expect(splitHostPort('example.com')).toEqual({ host: 'example.com', port: 443 });
    expect(splitHostPort('[::1]:9443')).toEqual({ host: '::1', port: 9443 });
  });
});

describe('checkRealityTarget', () => {
  let dir: string;
  let key: Buffer;
  let cert: Buffer;
  const servers: net.Server[] = [];
  const held: net.Socket[] = [];

  beforeAll(() => {
    dir = makeTempDir('xk-tls-');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        path.join(dir, 'key.pem'),
        '-out',
        path.join(dir, 'cert.pem'),
        '-days',
        '1',
        '-subj',
        '/CN=target.test',
        '-addext',
        'subjectAltName=DNS:target.test',
      ],
      { stdio: 'ignore' },
    );
    key = readFileSync(path.join(dir, 'key.pem'));
    cert = readFileSync(path.join(dir, 'cert.pem'));
  });

  afterAll(async () => {
    for (const socket of held) socket.destroy();
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
    removeDir(dir);
  });

  async function listen(server: net.Server): Promise<string> {
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  }

  const tlsServer = (options: tls.TlsOptions) =>
    listen(tls.createServer({ key, cert, ...options }, (socket) => socket.end()));

  it('accepts a TLS 1.3 + h2 target, noting the untrusted certificate', async () => {
    const target = await tlsServer({ ALPNProtocols: ['h2', 'http/1.1'] });
    const result = await checkRealityTarget(target, 'target.test');
    expect(result).toMatchObject({ ok: true, tlsVersion: 'TLSv1.3', alpn: 'h2', certificateValid: false });
    expect(result.reason).toMatch(/certificate not valid/);
  });

  it('refuses a target without h2', async () => {
    const target = await tlsServer({ ALPNProtocols: ['http/1.1'] });
    const result = await checkRealityTarget(target, 'target.test');
    expect(result).toMatchObject({ ok: false, tlsVersion: 'TLSv1.3', alpn: 'http/1.1' });
    expect(result.reason).toMatch(/ALPN h2/);
  });

  it('refuses a TLS 1.2 target', async () => {
    const target = await tlsServer({ ALPNProtocols: ['h2'], maxVersion: 'TLSv1.2' });
    const result = await checkRealityTarget(target, 'target.test');
    expect(result).toMatchObject({ ok: false, tlsVersion: 'TLSv1.2' });
    expect(result.reason).toMatch(/not TLSv1\.3/);
  });

  it('reports a closed port and a silent server', async () => {
    const closed = await checkRealityTarget('127.0.0.1:1', 'target.test');
    expect(closed).toMatchObject({ ok: false, tlsVersion: null });
    expect(closed.reason).toMatch(/TLS handshake failed/);
    const silentTarget = await listen(net.createServer((socket) => void held.push(socket)));
    const silent = await checkRealityTarget(silentTarget, 'target.test', 300);
    expect(silent.reason).toMatch(/no TLS handshake within 300 ms/);
  });
});
