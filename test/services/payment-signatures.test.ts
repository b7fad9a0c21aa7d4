import { describe, expect, it } from 'vitest';
import {
  cryptoPaySignature,
  genericSignature,
  verifyCryptoPay,
  verifyGeneric,
  verifyStripe,
} from '../../src/services/payments/signatures.ts';

describe('payment signatures (reference test vectors)', () => {
  const cryptoToken = '123456789:AAzQcZWQqQAbsfgPnOLr4FHC8Doa4L7KryC';
  const cryptoBody =
    '{"update_id":1,"update_type":"invoice_paid","request_date":"2024-01-01T00:00:00.000Z","payload":{"invoice_id":42,"status":"paid","payload":"order-1"}}';
  const cryptoSig = '9830fc30d561d1f08008b64f9f2a18f2ead089dda33fbe9c692b71e7bc17ea16';

  it('Crypto Pay: matches the vector, refuses a changed body or signature', () => {
    expect(cryptoPaySignature(cryptoToken, cryptoBody)).toBe(cryptoSig);
    expect(verifyCryptoPay(cryptoToken, Buffer.from(cryptoBody), cryptoSig)).toEqual({ ok: true });
    expect(verifyCryptoPay(cryptoToken, cryptoBody.replace('42', '43'), cryptoSig).ok).toBe(false);
    expect(verifyCryptoPay(cryptoToken, cryptoBody, cryptoSig.replace('9', '8')).ok).toBe(false);
    expect(verifyCryptoPay(cryptoToken, cryptoBody, undefined).ok).toBe(false);
    expect(verifyCryptoPay(cryptoToken, cryptoBody, 'zz').ok).toBe(false);
  });

  const stripeSecret = 'whsec_test_secret';
  const stripeBody = '{"id":"evt_test","object":"event"}';
  const v1 = '691252e266ce41cb94d709c84e9580d4172b117a510bbc81723f657d2cd5d215';

  it('Stripe: matches the vector, with other schemes ignored and a 300 s tolerance', () => {
    const t = 1492774577;
    expect(verifyStripe(stripeSecret, stripeBody, `t=${t},v1=${v1}`, t + 10)).toEqual({ ok: true });
    expect(verifyStripe(stripeSecret, stripeBody, `t=${t},v0=abc,v1=${'0'.repeat(64)},v1=${v1}`, t)).toEqual({
      ok: true,
    });
    expect(verifyStripe(stripeSecret, stripeBody, `t=${t},v1=${v1}`, t + 301)).toEqual({
      ok: false,
      reason: 'stale timestamp',
    });
    expect(verifyStripe(stripeSecret, `${stripeBody} `, `t=${t},v1=${v1}`, t).ok).toBe(false);
    expect(verifyStripe(stripeSecret, stripeBody, `v1=${v1}`, t).ok).toBe(false);
    expect(verifyStripe(stripeSecret, stripeBody, undefined, t).ok).toBe(false);
  });

  it('generic: sha256=<hex> over timestamp.body within ±300 s', () => {
    const body = '{"event_id":"e1","amount":100,"currency":"USD"}';
    const sig = `sha256=${genericSignature('s3cret', '1700000000', body)}`;
    expect(verifyGeneric('s3cret', body, '1700000000', sig, 1700000100)).toEqual({ ok: true });
    expect(verifyGeneric('s3cret', body, '1700000000', sig, 1700000301).ok).toBe(false);
    expect(verifyGeneric('other', body, '1700000000', sig, 1700000000).ok).toBe(false);
    expect(verifyGeneric('s3cret', body, '1700000000', sig.replace('sha256=', ''), 1700000000).ok).toBe(
      false,
    );
    expect(verifyGeneric('s3cret', body, undefined, sig, 1700000000).ok).toBe(false);
  });
});
