/**
 * The one place the bot turns service errors (AppError codes and their reasons) into
 * Fluent keys: for admins, for buyers, and for the pre-checkout answer.
 */
import { isAppError, type ErrorCode, type NotPayableReason } from '../../services/errors.ts';
import { esc, type Translator } from '../kit/index.ts';

/** Error codes with their own admin text (`admin-err-<code>`); others get the generic one with the code. */
const ADMIN_EXPLAINED = new Set<ErrorCode>([
  'KEY_NOT_FOUND',
  'KEY_NAME_TAKEN',
  'INVALID_KEY_NAME',
  'INVALID_TELEGRAM_ID',
  'VALIDATION_FAILED',
  'LAST_OWNER',
  'API_KEY_NOT_FOUND',
  'BACKUP_INVALID',
  'NOT_FOUND',
  'REQUEST_DECIDED',
  'NOT_ADMIN',
  'NODE_NAME_TAKEN',
  'CORE_UNAVAILABLE',
]);

/**
 * A service error as an admin reads it. Validation and backup errors carry the service's
 * technical detail, shown verbatim in a code entity.
 */
export function errorText(ctx: Translator, error: unknown): string | undefined {
  if (!isAppError(error)) return undefined;
  const code = error.code;
  if (!ADMIN_EXPLAINED.has(code)) return ctx.t('admin-err-other', { code });
  const key = `admin-err-${code.toLowerCase().replaceAll('_', '-')}`;
  return ctx.t(key, { detail: esc(error.message) });
}

/** Buyers' refusals of a purchase, by code. */
const BUYER_REFUSALS: Partial<Record<ErrorCode, string>> = {
  PLAN_UNAVAILABLE: 'buy-plan-unavailable',
  NOT_FOUND: 'buy-plan-unavailable',
  TRIAL_USED: 'buy-trial-used',
  // One text for every unusable code: the answer must not tell a prober which codes exist.
  PROMO_INVALID: 'buy-promo-invalid',
  RATE_LIMITED: 'buy-promo-locked',
  PAYMENT_PROVIDER_FAILED: 'buy-provider-failed',
};

/** A known refusal of a purchase as plain text (it may go into a button's alert). */
export function refusalText(error: unknown, tr: Translator): string | undefined {
  const key = isAppError(error) ? BUYER_REFUSALS[error.code] : undefined;
  return key && tr.t(key);
}

/** Why an order cannot be paid (the service's reason) → the buyer's message. */
export const NOT_PAYABLE_TEXT: Record<NotPayableReason, string> = {
  not_found: 'pay-refused-not-found',
  not_yours: 'pay-refused-not-yours',
  paid: 'pay-refused-paid',
  expired: 'pay-refused-expired',
  plan_unavailable: 'pay-refused-plan',
  price_changed: 'pay-refused-amount',
};
