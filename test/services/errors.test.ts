/** Errors carry typed reasons; `tsc` (part of CI) checks the @ts-expect-error lines. */
import { describe, expect, it } from 'vitest';
import { AppError, reasonedError, reasonOf } from '../../src/services/errors.ts';

describe('error reasons', () => {
  it('are read from the code and details, never from the message', () => {
    const error = reasonedError('ORDER_NOT_PAYABLE', 'expired', 'order 7 cannot be paid: expired');
    expect(error.status).toBe(409);
    expect(reasonOf(error, 'ORDER_NOT_PAYABLE')).toBe('expired');
    expect(reasonOf(new AppError('ORDER_NOT_PAYABLE', 'paid'), 'ORDER_NOT_PAYABLE')).toBeUndefined();
    expect(reasonOf(new Error('expired'), 'ORDER_NOT_PAYABLE')).toBeUndefined();

    // Type checks only: never run.
    const _typos = () => {
      // @ts-expect-error a reason that does not exist
      reasonedError('ORDER_NOT_PAYABLE', 'expird', 'x');
      // @ts-expect-error a code without reasons
      reasonOf(error, 'KEY_NOT_FOUND');
      // @ts-expect-error compared with a reason that does not exist
      return reasonOf(error, 'ORDER_NOT_PAYABLE') === 'expird';
    };
    expect(_typos).toBeTypeOf('function');
  });
});
