/**
 * pino logger: pretty in a terminal, JSON otherwise. Secrets never reach a log line:
 * tokens, keys and auth headers are redacted wherever they appear in a logged object.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

/** Paths whose values are replaced by "[redacted]" in every log line. */
export const REDACT_PATHS = [
  'token',
  'botToken',
  'BOT_TOKEN',
  'key',
  'apiKey',
  'secret',
  'password',
  'privateKey',
  'authorization',
  '*.token',
  '*.botToken',
  '*.BOT_TOKEN',
  '*.apiKey',
  '*.secret',
  '*.password',
  '*.privateKey',
  '*.WEBHOOK_SECRET',
  '*.PAYMENT_WEBHOOK_SECRET',
  '*.STRIPE_SECRET_KEY',
  '*.STRIPE_WEBHOOK_SECRET',
  '*.YOOKASSA_SECRET_KEY',
  '*.CRYPTOPAY_TOKEN',
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers["x-telegram-bot-api-secret-token"]',
  'headers.authorization',
  'headers["x-api-key"]',
];

/** Bot API URLs carry the token in their path (`/bot<token>/method`). */
const TOKEN_IN_TEXT = /\d{3,}:[A-Za-z0-9_-]{20,}/g;
/** Subscription URLs carry the key's subscription token, which is its credential (`/sub/<token>`). */
const SUB_TOKEN_IN_TEXT = /\/sub\/[^/?#\s"']+/g;

/** Masks bot tokens and subscription tokens inside free text such as error messages or URLs. */
export function maskSecrets(text: string): string {
  return text.replace(TOKEN_IN_TEXT, '[redacted-token]').replace(SUB_TOKEN_IN_TEXT, '/sub/[redacted]');
}

/** A logged object with its string fields (a URL, a message) masked, one level deep. */
function maskFields(object: Record<string, unknown>): Record<string, unknown> {
  let copy: Record<string, unknown> | undefined;
  for (const [name, value] of Object.entries(object)) {
    const masked =
      typeof value === 'string' ? maskSecrets(value) : value instanceof Error ? maskError(value) : value;
    if (masked !== value) (copy ??= { ...object })[name] = masked;
  }
  return copy ?? object;
}

function maskError(err: Error): Error {
  const copy = new Error(maskSecrets(err.message));
  copy.name = err.name;
  copy.stack = err.stack && maskSecrets(err.stack);
  return copy;
}

export interface LoggerOptions {
  level?: string;
  /** Write to this stream instead of stdout (tests). */
  destination?: NodeJS.WritableStream;
  pretty?: boolean;
}

/** Creates the application logger. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const pretty = options.pretty ?? (process.stdout.isTTY && !options.destination);
  const base = {
    level: options.level ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    hooks: {
      // Error messages may quote a Bot API URL with the token in it.
      logMethod(this: Logger, args: Parameters<Logger['info']>, method: Logger['info']) {
        const masked = args.map((a: unknown) => {
          if (typeof a === 'string') return maskSecrets(a);
          if (a instanceof Error) return maskError(a);
          if (a && typeof a === 'object' && !Array.isArray(a))
            return maskFields(a as Record<string, unknown>);
          return a;
        });
        return method.apply(this, masked as Parameters<Logger['info']>);
      },
    },
  };
  if (pretty) {
    return pino({ ...base, transport: { target: 'pino-pretty', options: { colorize: true } } });
  }
  return options.destination ? pino(base, options.destination as pino.DestinationStream) : pino(base);
}
