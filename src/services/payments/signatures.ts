/**
 * Signature checks of payment webhooks and the signature of our own outgoing webhooks.
 * Every check works on the raw body bytes and compares in constant time.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export type Verdict = { ok: true } | { ok: false; reason: string };

/** Constant-time equality of two hex strings (false on any length or format mismatch). */
export function hexEquals(expectedHex: string, givenHex: string): boolean {
  if (!/^[0-9a-f]+$/i.test(givenHex) || givenHex.length !== expectedHex.length) return false;
  return timingSafeEqual(Buffer.from(expectedHex, 'hex'), Buffer.from(givenHex.toLowerCase(), 'hex'));
}

function hmacHex(key: string | Buffer, message: string | Buffer): string {
  return createHmac('sha256', key).update(message).digest('hex');
}

/** Crypto Pay: hex HMAC-SHA256 of the raw body, keyed with SHA-256(app token) as raw bytes. */
export function cryptoPaySignature(token: string, rawBody: Buffer | string): string {
  return hmacHex(createHash('sha256').update(token).digest(), rawBody);
}

export function verifyCryptoPay(
  token: string,
  rawBody: Buffer | string,
  signature: string | undefined,
): Verdict {
  if (!signature) return { ok: false, reason: 'missing crypto-pay-api-signature' };
  return hexEquals(cryptoPaySignature(token, rawBody), signature)
    ? { ok: true }
    : { ok: false, reason: 'bad signature' };
}

/** Stripe: `t=<unix>,v1=<hex>[,v1=…]` over `t + "." + body`; other schemes ignored. */
export function verifyStripe(
  secret: string,
  rawBody: Buffer | string,
  header: string | undefined,
  nowSeconds: number,
  toleranceSeconds = 300,
): Verdict {
  if (!header) return { ok: false, reason: 'missing Stripe-Signature' };
  let timestamp: number | null = null;
  const candidates: string[] = [];
  for (const part of header.split(',')) {
    const [k, v] = part.split('=', 2).map((x) => x.trim());
    if (k === 't' && v && /^\d+$/.test(v)) timestamp = Number(v);
    else if (k === 'v1' && v) candidates.push(v);
  }
  if (timestamp === null || candidates.length === 0)
    return { ok: false, reason: 'malformed Stripe-Signature' };
  if (Math.abs(nowSeconds - timestamp) > toleranceSeconds) return { ok: false, reason: 'stale timestamp' };
  const expected = hmacHex(secret, Buffer.concat([Buffer.from(`${timestamp}.`), Buffer.from(rawBody)]));
  return candidates.some((c) => hexEquals(expected, c))
    ? { ok: true }
    : { ok: false, reason: 'bad signature' };
}

/** The generic webhook: `X-Signature: sha256=<hex HMAC(secret, timestamp + "." + body)>`, ±300 s. */
export function genericSignature(secret: string, timestamp: string, rawBody: Buffer | string): string {
  return hmacHex(secret, Buffer.concat([Buffer.from(`${timestamp}.`), Buffer.from(rawBody)]));
}

export function verifyGeneric(
  secret: string,
  rawBody: Buffer | string,
  timestamp: string | undefined,
  signature: string | undefined,
  nowSeconds: number,
  toleranceSeconds = 300,
): Verdict {
  if (!timestamp || !/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'missing or bad X-Timestamp' };
  if (Math.abs(nowSeconds - Number(timestamp)) > toleranceSeconds)
    return { ok: false, reason: 'stale timestamp' };
  const given = signature?.startsWith('sha256=') ? signature.slice('sha256='.length) : undefined;
  if (!given) return { ok: false, reason: 'missing or bad X-Signature' };
  return hexEquals(genericSignature(secret, timestamp, rawBody), given)
    ? { ok: true }
    : { ok: false, reason: 'bad signature' };
}

/** Our outgoing webhooks: `X-Xkeeper-Signature` = hex HMAC-SHA256(secret, raw body). */
export function outgoingSignature(secret: string, rawBody: string): string {
  return hmacHex(secret, rawBody);
}
