/**
 * Environment → typed, frozen Config. Every variable of CONTRACT.md lives here;
 * a bad value stops start-up with a message naming the variable and the problem.
 */
import { existsSync } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import { config as loadDotenv } from 'dotenv';
import { z } from 'zod';
import { DEFAULT_MIN_CLIENT_VER } from './core/config.ts';

const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
    .default(fallback ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes');

const port = (fallback: number) => z.coerce.number().int().min(1).max(65535).default(fallback);
const MAKE_SECRET = 'make one with: openssl rand -hex 32';
/** A shared secret that signs or authenticates requests: long enough that guessing is hopeless. */
const strongSecret = z
  .string()
  .min(32, { message: `must be at least 32 characters (${MAKE_SECRET})` })
  .max(256, { message: 'must be at most 256 characters' })
  .refine((value) => new Set(value).size >= 8, { message: `is too simple (${MAKE_SECRET})` });
/** A provider credential pasted from its dashboard: the provider's own shape, not a placeholder. */
const providerSecret = (pattern: RegExp, shape: string) =>
  z
    .string()
    .regex(pattern, { message: `does not look like ${shape}` })
    .optional();
const url = z.url({ message: 'must be a URL such as https://example.com' });
const proxyUrl = z
  .url({ message: 'must be a proxy URL such as http://127.0.0.1:3128 or socks5://127.0.0.1:1080' })
  .refine((value) => /^(https?|socks[45]?h?):$/.test(new URL(value).protocol), {
    message: 'must start with http://, https://, socks5:// or socks4://',
  })
  .optional();

const adminIds = z
  .string()
  .default('')
  .transform((value, ctx) => {
    const ids: number[] = [];
    for (const part of value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)) {
      if (!/^\d{1,15}$/.test(part)) {
        ctx.addIssue({ code: 'custom', message: `"${part}" is not a Telegram user id` });
        return z.NEVER;
      }
      ids.push(Number(part));
    }
    return ids;
  });

const envSchema = z.object({
  BOT_TOKEN: z.string({ message: 'is required (the token @BotFather gave you)' }).regex(/^\d+:[\w-]{20,}$/, {
    message:
      'does not look like a bot token, which @BotFather gives as 1234567890:AAHk2f9x_Qe7TmR4bYwLc8NpZs1VdUo3Kjg',
  }),
  ADMIN_IDS: adminIds,
  DATA_DIR: z.string().min(1).default('./data'),
  TELEGRAM_API_ROOT: url.default('https://api.telegram.org'),
  TELEGRAM_PROXY: proxyUrl,
  HTTPS_PROXY: proxyUrl,
  BOT_MODE: z.enum(['polling', 'webhook']).default('polling'),
  WEBHOOK_URL: url.optional(),
  WEBHOOK_SECRET: strongSecret
    .pipe(
      z.string().regex(/^[A-Za-z0-9_-]+$/, { message: "may hold only A-Z a-z 0-9 _ - (Telegram's rule)" }),
    )
    .optional(),
  HTTP_HOST: z.string().min(1).default('127.0.0.1'),
  HTTP_PORT: port(8080),
  PUBLIC_URL: url.optional(),
  CORE_BIN: z.string().min(1).optional(),
  CORE_MANAGED: bool(true),
  CORE_API_PORT: port(10085),
  VLESS_HOST: z.string().min(1).optional(),
  VLESS_PORT: port(443),
  REALITY_SNI: z.string().min(1).default('www.microsoft.com'),
  REALITY_TARGET: z.string().min(1).optional(),
  STATS_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(3600).default(10),
  NODE_SYNC_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
  KEY_REQUEST_POLICY: z.enum(['open', 'approval', 'closed']).default('approval'),
  MAX_KEYS_PER_USER: z.coerce.number().int().min(0).max(1000).default(1),
  DEFAULT_KEY_DAYS: z.coerce.number().min(0).max(36500).default(30),
  DEFAULT_KEY_TRAFFIC_GB: z.coerce.number().min(0).default(0),
  TRUST_PROXY: bool(false),
  BLOCK_PRIVATE_NETWORKS: bool(true),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  XRAY_RELEASES_URL: url.default('https://github.com/XTLS/Xray-core/releases'),
  REALITY_MIN_CLIENT_VER: z
    .string()
    .regex(/^\d{1,4}\.\d{1,4}\.\d{1,4}$/, { message: 'must be a version such as 1.0.0 or 26.3.27' })
    .default(DEFAULT_MIN_CLIENT_VER),
  PAYMENT_WEBHOOK_SECRET: strongSecret.optional(),
  CRYPTOPAY_TOKEN: providerSecret(/^\d+:[A-Za-z0-9_-]{16,}$/, 'a Crypto Pay API token (12345:AAzQc…)'),
  CRYPTOPAY_API_ROOT: url.default('https://pay.crypt.bot'),
  YOOKASSA_SHOP_ID: providerSecret(/^\d{1,20}$/, 'a YooKassa shop id (digits)'),
  YOOKASSA_SECRET_KEY: providerSecret(/^[A-Za-z0-9_-]{24,}$/, 'a YooKassa secret key (live_… or test_…)'),
  YOOKASSA_API_ROOT: url.default('https://api.yookassa.ru'),
  STRIPE_SECRET_KEY: providerSecret(
    /^(sk|rk)_(live|test)_[A-Za-z0-9]{16,}$/,
    'a Stripe secret key (sk_live_…)',
  ),
  STRIPE_WEBHOOK_SECRET: providerSecret(/^whsec_[A-Za-z0-9_]{10,}$/, 'a Stripe endpoint secret (whsec_…)'),
  STRIPE_API_ROOT: url.default('https://api.stripe.com'),
});

type Env = z.infer<typeof envSchema>;

export interface Config extends Omit<Env, 'CORE_BIN'> {
  /** The core binary: CORE_BIN, else the one `core install` put in DATA_DIR/bin, else `xray` on PATH. */
  CORE_BIN: string;
  /** CORE_BIN was set: an installed core does not replace it. */
  coreBinFromEnv: boolean;
  /** Absolute path of DATA_DIR. */
  dataDir: string;
  /** Base of subscription URLs, without a trailing slash. */
  publicUrl: string;
  /** Address written into share links. */
  vlessHost: string;
  /** REALITY target host:port. */
  realityTarget: string;
}

/** A configuration error that names every bad variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

/** Options for {@link loadConfig}. */
export interface LoadConfigOptions {
  /** BOT_TOKEN may be absent (the CLI does not talk to Telegram). */
  requireBotToken?: boolean;
  /** Read `.env` from the working directory when present (default true). */
  dotenv?: boolean;
}

/** Where `xkeeper core install` puts the core binary. */
export function installedCoreBin(dataDir: string): string {
  return path.join(dataDir, 'bin', 'xray');
}

/** The core binary to run now: CORE_BIN when set, else an installed core, else `xray` on PATH. */
export function resolveCoreBin(config: Pick<Config, 'CORE_BIN' | 'coreBinFromEnv' | 'dataDir'>): string {
  if (config.coreBinFromEnv) return config.CORE_BIN;
  const installed = installedCoreBin(config.dataDir);
  return existsSync(installed) ? installed : 'xray';
}

const PLACEHOLDER_TOKEN = '0:cli-does-not-use-the-telegram-bot-token';

/**
 * Validates `env` (default `process.env`, after `.env` is loaded) into a frozen Config.
 * @throws ConfigError naming each bad variable and what is wrong with it.
 */
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  options: LoadConfigOptions = {},
): Readonly<Config> {
  if (options.dotenv !== false && env === process.env && existsSync('.env')) {
    loadDotenv({ path: '.env', quiet: true });
  }
  // Empty strings mean "unset", as in most .env files.
  const cleaned = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''),
  );
  if (options.requireBotToken === false && cleaned.BOT_TOKEN === undefined) {
    cleaned.BOT_TOKEN = PLACEHOLDER_TOKEN;
  }
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => `${issue.path.join('.') || 'env'} ${issue.message}`),
    );
  }
  const e = parsed.data;
  const problems: string[] = [];
  if (e.BOT_MODE === 'webhook') {
    if (!e.WEBHOOK_URL) problems.push('WEBHOOK_URL is required when BOT_MODE=webhook');
    if (!e.WEBHOOK_SECRET) problems.push('WEBHOOK_SECRET is required when BOT_MODE=webhook');
  }
  if (e.BOT_TOKEN === PLACEHOLDER_TOKEN && options.requireBotToken !== false) {
    problems.push('BOT_TOKEN is required');
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const hostForUrl = isIP(e.HTTP_HOST) === 6 ? `[${e.HTTP_HOST}]` : e.HTTP_HOST;
  const publicUrl = (e.PUBLIC_URL ?? `http://${hostForUrl}:${e.HTTP_PORT}`).replace(/\/+$/, '');
  const vlessHost = e.VLESS_HOST ?? new URL(publicUrl).hostname.replace(/^\[|\]$/g, '');
  const dataDir = path.resolve(e.DATA_DIR);
  const coreBinFromEnv = e.CORE_BIN !== undefined;
  return Object.freeze({
    ...e,
    CORE_BIN: resolveCoreBin({ CORE_BIN: e.CORE_BIN ?? 'xray', coreBinFromEnv, dataDir }),
    coreBinFromEnv,
    ADMIN_IDS: Object.freeze([...e.ADMIN_IDS]) as number[],
    dataDir,
    publicUrl,
    vlessHost,
    realityTarget: e.REALITY_TARGET ?? `${e.REALITY_SNI}:443`,
  });
}
