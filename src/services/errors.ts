/**
 * The one registry of error codes. Services throw AppError with a code; the bot turns
 * the code into localized text, HTTP into a status and JSON — the same rule in one place.
 */
import { RemoteError } from '../core/remote/errors.ts';

/** Every code with the HTTP status it maps to. */
export const ERROR_CODES = {
  VALIDATION_FAILED: 400,
  INVALID_KEY_NAME: 400,
  INVALID_TELEGRAM_ID: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_ADMIN: 403,
  IP_NOT_ALLOWED: 403,
  API_KEY_TOO_STRONG: 403,
  KEY_NOT_FOUND: 404,
  USER_NOT_FOUND: 404,
  API_KEY_NOT_FOUND: 404,
  SUBSCRIPTION_NOT_FOUND: 404,
  NOT_FOUND: 404,
  KEY_NAME_TAKEN: 409,
  NODE_NAME_TAKEN: 409,
  QUOTA_EXCEEDED: 409,
  PROMO_INVALID: 409,
  PLAN_UNAVAILABLE: 409,
  TRIAL_USED: 409,
  ORDER_NOT_PAYABLE: 409,
  PAYMENT_PROVIDER_FAILED: 502,
  LAST_OWNER: 409,
  REQUEST_DECIDED: 409,
  API_KEY_REVOKED: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  URI_TOO_LONG: 414,
  BACKUP_INVALID: 422,
  RATE_LIMITED: 429,
  CORE_UNAVAILABLE: 503,
  CORE_INSTALL_FAILED: 502,
  /** A node over SSH (the codes of core/remote's RemoteError): out of reach, login refused, … */
  NODE_UNREACHABLE: 502,
  NODE_AUTH_FAILED: 502,
  NODE_HOST_KEY_MISMATCH: 502,
  NODE_TIMEOUT: 504,
  NODE_SSH_FAILED: 502,
  NODE_PROVISION_FAILED: 502,
  INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Why an order cannot be paid (pre-checkout, and `apply` for `expired`); the bot maps each to a text. */
export const NOT_PAYABLE_REASONS = [
  'not_found',
  'not_yours',
  'paid',
  'expired',
  'plan_unavailable',
  'price_changed',
] as const;
export type NotPayableReason = (typeof NOT_PAYABLE_REASONS)[number];

/** Codes whose callers need to know why, with the reasons they may carry (`details.reason`). */
export interface ErrorReasons {
  ORDER_NOT_PAYABLE: NotPayableReason;
}

/** A failure the caller can explain to a person: a code from the registry plus details. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'AppError';
  }

  /** The HTTP status this error maps to. */
  get status(): number {
    return ERROR_CODES[this.code];
  }
}

/** An error with a code and its typed reason. */
export function reasonedError<C extends keyof ErrorReasons>(
  code: C,
  reason: ErrorReasons[C],
  message: string,
): AppError {
  return new AppError(code, message, { reason });
}

/** The reason an AppError with `code` carries; undefined for any other error. */
export function reasonOf<C extends keyof ErrorReasons>(error: unknown, code: C): ErrorReasons[C] | undefined {
  return isAppError(error, code) ? (error.details?.reason as ErrorReasons[C]) : undefined;
}

/**
 * A failure of reaching a node (core/remote's RemoteError, whose codes are the registry's
 * NODE_* codes) as an AppError with the same code, message and details; anything else as it is.
 */
export function fromRemoteError(error: unknown): unknown {
  return error instanceof RemoteError ? new AppError(error.code, error.message, error.details) : error;
}

/** True when `error` is an AppError (optionally with the given code). */
export function isAppError(error: unknown, code?: ErrorCode): error is AppError {
  return error instanceof AppError && (code === undefined || error.code === code);
}
