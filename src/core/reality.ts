/**
 * REALITY material: X25519 key pairs and short ids (as `xray x25519` prints them), and a
 * probe of the target site REALITY borrows its TLS handshake from.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { connect } from 'node:tls';

/** An X25519 key pair, both halves unpadded base64url (32 bytes each). */
export interface RealityKeyPair {
  privateKey: string;
  publicKey: string;
}

const KEY_RE = /^[A-Za-z0-9_-]{43}$/;
/** DER header of a PKCS#8 X25519 private key; the 32 raw key bytes follow. */
const PKCS8_X25519_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');

/** Generates a fresh REALITY key pair. */
export function generateRealityKeyPair(): RealityKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('x25519');
  const d = privateKey.export({ format: 'jwk' }).d;
  const x = publicKey.export({ format: 'jwk' }).x;
  if (!d || !x) throw new Error('node:crypto exported an X25519 JWK without d/x');
  return { privateKey: d, publicKey: x };
}

/**
 * Derives the public key (the link's `pbk`) from a private key.
 * @throws Error when `privateKey` is not a 32-byte unpadded base64url X25519 key.
 */
export function realityPublicKey(privateKey: string): string {
  if (!KEY_RE.test(privateKey)) throw new Error('REALITY private key must be 43 base64url chars');
  const key = createPrivateKey({
    key: Buffer.concat([PKCS8_X25519_PREFIX, Buffer.from(privateKey, 'base64url')]),
    format: 'der',
    type: 'pkcs8',
  });
  const x = createPublicKey(key).export({ format: 'jwk' }).x;
  if (!x) throw new Error('node:crypto exported an X25519 JWK without x');
  return x;
}

/** `count` random short ids, lowercase hex of `bytes` bytes each (1-8, default 8). */
export function generateShortIds(count = 1, bytes = 8): string[] {
  if (bytes < 1 || bytes > 8) throw new RangeError('a short id holds 1 to 8 bytes');
  return Array.from({ length: count }, () => randomBytes(bytes).toString('hex'));
}

/** What a TLS probe of a REALITY target found. `ok` means usable: TLS 1.3 and ALPN h2. */
export interface RealityTargetCheck {
  ok: boolean;
  target: string;
  sni: string;
  /** Negotiated protocol, e.g. "TLSv1.3"; null when no handshake happened. */
  tlsVersion: string | null;
  /** Negotiated ALPN protocol; null when none. */
  alpn: string | null;
  /** Whether the certificate chain is valid for the SNI (probers see it; informational). */
  certificateValid: boolean;
  /** Why `ok` is false, or a caveat when it is true. */
  reason: string | null;
  elapsedMs: number;
}

/** Splits "host:port", "[v6]:port" or a bare host (port 443). */
export function splitHostPort(target: string): { host: string; port: number } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(target);
  if (bracketed) return { host: bracketed[1] ?? '', port: Number(bracketed[2] ?? 443) };
  const colon = target.lastIndexOf(':');
  if (colon > 0 && target.indexOf(':') === colon) {
    return { host: target.slice(0, colon), port: Number(target.slice(colon + 1)) };
  }
  return { host: target, port: 443 };
}

/**
 * Handshakes with `target` ("host:port") using `sni`, offering ALPN h2, and reports whether
 * it answers TLS 1.3 with h2 (what REALITY needs to look like that site). Never throws.
 */
export function checkRealityTarget(
  target: string,
  sni: string,
  timeoutMs = 5_000,
): Promise<RealityTargetCheck> {
  const started = Date.now();
  const { host, port } = splitHostPort(target);
  const result = (partial: Partial<RealityTargetCheck>): RealityTargetCheck => ({
    ok: false,
    target,
    sni,
    tlsVersion: null,
    alpn: null,
    certificateValid: false,
    reason: null,
    elapsedMs: Date.now() - started,
    ...partial,
  });
  return new Promise((resolve) => {
    const socket = connect({
      host,
      port,
      servername: sni,
      ALPNProtocols: ['h2', 'http/1.1'],
      // We judge the chain ourselves: a bad certificate is a caveat, not a failed probe.
      rejectUnauthorized: false,
    });
    const finish = (value: RealityTargetCheck) => {
      socket.destroy();
      resolve(value);
    };
    socket.setTimeout(timeoutMs, () => finish(result({ reason: `no TLS handshake within ${timeoutMs} ms` })));
    socket.once('error', (error) => finish(result({ reason: `TLS handshake failed: ${error.message}` })));
    socket.once('secureConnect', () => {
      const tlsVersion = socket.getProtocol();
      const alpn = socket.alpnProtocol || null;
      const certificateValid = socket.authorized;
      const problems: string[] = [];
      if (tlsVersion !== 'TLSv1.3') problems.push(`answers ${tlsVersion ?? 'no TLS'}, not TLSv1.3`);
      if (alpn !== 'h2') problems.push(`does not offer ALPN h2 (got ${alpn ?? 'none'})`);
      const caveat = certificateValid
        ? null
        : `certificate not valid for ${sni}: ${String(socket.authorizationError)}`;
      finish(
        result({
          ok: problems.length === 0,
          tlsVersion,
          alpn,
          certificateValid,
          reason: problems.length > 0 ? problems.join('; ') : caveat,
        }),
      );
    });
  });
}
