import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';

const token = '123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const load = (env: Record<string, string>) => loadConfig(env, { dotenv: false });

describe('loadConfig', () => {
  it('fills the documented defaults from BOT_TOKEN alone', () => {
    const config = load({ BOT_TOKEN: token });
    expect(config.HTTP_HOST).toBe('127.0.0.1');
    expect(config.HTTP_PORT).toBe(8080);
    expect(config.publicUrl).toBe('http://127.0.0.1:8080');
    expect(config.vlessHost).toBe('127.0.0.1');
    expect(config.KEY_REQUEST_POLICY).toBe('approval');
    expect(config.CORE_MANAGED).toBe(true);
    expect(config.BLOCK_PRIVATE_NETWORKS).toBe(true);
    expect(config.realityTarget).toBe('www.microsoft.com:443');
    expect(config.ADMIN_IDS).toEqual([]);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('names BOT_TOKEN when it is missing', () => {
    expect(() => load({})).toThrow(/BOT_TOKEN is required/);
  });

  it('names every bad variable with what is wrong', () => {
    try {
      load({ BOT_TOKEN: token, HTTP_PORT: 'eighty', ADMIN_IDS: '1,x2', BOT_MODE: 'push' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const problems = (error as ConfigError).problems.join('\n');
      expect(problems).toMatch(/HTTP_PORT/);
      expect(problems).toMatch(/ADMIN_IDS .*x2/);
      expect(problems).toMatch(/BOT_MODE/);
    }
  });

  it('requires the webhook URL and secret in webhook mode', () => {
    expect(() => load({ BOT_TOKEN: token, BOT_MODE: 'webhook' })).toThrow(/WEBHOOK_URL.*WEBHOOK_SECRET/s);
  });

  it('derives the share-link host from PUBLIC_URL and parses lists and flags', () => {
    const config = load({
      BOT_TOKEN: token,
      PUBLIC_URL: 'https://vpn.example.com/',
      ADMIN_IDS: '1, 22 ,333',
      TRUST_PROXY: 'true',
      DEFAULT_KEY_TRAFFIC_GB: '0.5',
    });
    expect(config.publicUrl).toBe('https://vpn.example.com');
    expect(config.vlessHost).toBe('vpn.example.com');
    expect(config.ADMIN_IDS).toEqual([1, 22, 333]);
    expect(config.TRUST_PROXY).toBe(true);
    expect(config.DEFAULT_KEY_TRAFFIC_GB).toBe(0.5);
  });

  it('lets the CLI run without a bot token', () => {
    expect(loadConfig({}, { dotenv: false, requireBotToken: false }).DATA_DIR).toBe('./data');
  });
});

describe('secrets in the configuration', () => {
  const problemsOf = (env: Record<string, string>): string => {
    try {
      load({ BOT_TOKEN: token, ...env });
      return '';
    } catch (error) {
      return (error as ConfigError).problems.join('\n');
    }
  };
  const strong = 'a3f1c9e07b2d4f68a1c3e5f7092b4d6f';

  it('wants webhook secrets of 32 characters or more, and says how to make one', () => {
    for (const name of ['WEBHOOK_SECRET', 'PAYMENT_WEBHOOK_SECRET']) {
      expect(problemsOf({ [name]: 's3cr3t' })).toMatch(
        new RegExp(`${name} must be at least 32 characters.*openssl rand -hex 32`),
      );
      expect(problemsOf({ [name]: 'a'.repeat(40) })).toMatch(new RegExp(`${name} is too simple`));
      expect(problemsOf({ [name]: strong })).toBe('');
    }
    expect(problemsOf({ WEBHOOK_SECRET: `${strong}!` })).toMatch(/WEBHOOK_SECRET may hold only/);
  });

  it('refuses provider credentials that are placeholders, naming the shape expected', () => {
    expect(problemsOf({ STRIPE_SECRET_KEY: 'sk_test' })).toMatch(
      /STRIPE_SECRET_KEY does not look like a Stripe secret key/,
    );
    expect(problemsOf({ STRIPE_WEBHOOK_SECRET: 'secret' })).toMatch(
      /STRIPE_WEBHOOK_SECRET does not look like/,
    );
    expect(problemsOf({ CRYPTOPAY_TOKEN: 'token' })).toMatch(/CRYPTOPAY_TOKEN does not look like/);
    expect(problemsOf({ YOOKASSA_SECRET_KEY: 'k' })).toMatch(/YOOKASSA_SECRET_KEY does not look like/);
    expect(problemsOf({ YOOKASSA_SHOP_ID: 'shop' })).toMatch(/YOOKASSA_SHOP_ID does not look like/);
    expect(
      problemsOf({
        STRIPE_SECRET_KEY: 'sk_live_51Habcdefghijklmnop',
        STRIPE_WEBHOOK_SECRET: 'whsec_0123456789abcdefghij',
        CRYPTOPAY_TOKEN: '123456789:AAzQcZWQqQAbsfgPnOLr4FHC8Doa4L7KryC',
        YOOKASSA_SHOP_ID: '1000',
        YOOKASSA_SECRET_KEY: 'live_0123456789abcdefghijklmn',
      }),
    ).toBe('');
  });
});
