/** Start-up warnings about traps, read from the log lines of a real start (startApp). */
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';
import { createLogger } from '../src/logger.ts';
import { startApp } from '../src/main.ts';
import { createFakeTelegram } from './helpers/fake-telegram.ts';
import { tempDir, TEST_TOKEN } from './helpers/db.ts';
import { freePort } from './helpers/ports.ts';

/** Starts and stops the app with `env`; returns the warnings it logged. */
async function warningsOf(env: Record<string, string>): Promise<string[]> {
  const lines: { level: number; msg: string }[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  const fake = await createFakeTelegram();
  const tmp = tempDir();
  try {
    const config = loadConfig(
      {
        BOT_TOKEN: TEST_TOKEN,
        TELEGRAM_API_ROOT: fake.apiRoot,
        DATA_DIR: tmp.dir,
        HTTP_PORT: String(await freePort()),
        ...env,
      },
      { dotenv: false },
    );
    const stop = await startApp(config, createLogger({ level: 'info', destination, pretty: false }));
    await new Promise((resolve) => setTimeout(resolve, 300)); // the core adapter looks for its binary
    await stop();
  } finally {
    await fake.close();
    tmp.cleanup();
  }
  return lines.filter((l) => l.level === 40).map((l) => l.msg);
}

describe('start-up warnings', () => {
  it('names each trap once: approval with nobody to approve, loopback links, no core binary', async () => {
    const warnings = await warningsOf({ CORE_BIN: '/nonexistent/xray', PUBLIC_URL: 'http://localhost:8080' });
    const once = (text: string) => expect(warnings.filter((w) => w.includes(text))).toHaveLength(1);
    once('KEY_REQUEST_POLICY=approval but there is no owner or admin');
    once('PUBLIC_URL is on loopback (http://localhost:8080)');
    once('Share links would send VPN clients to localhost');
    once('No VPN core at CORE_BIN=/nonexistent/xray');
    expect(warnings.find((w) => w.includes('No VPN core'))).toContain('npx xkeeper core install');
  }, 30_000);

  it('is quiet about a set-up without traps', async () => {
    const warnings = await warningsOf({
      CORE_BIN: '/nonexistent/xray',
      ADMIN_IDS: '42',
      PUBLIC_URL: 'https://vpn.example.com',
    });
    expect(warnings.filter((w) => !w.includes('No VPN core'))).toEqual([]);
  }, 30_000);
});

describe('BOT_TOKEN', () => {
  it("accepts the README's example token", () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const token = /BOT_TOKEN=(\S+) npm start/.exec(readme)?.[1];
    expect(token).toBeDefined();
    expect(loadConfig({ BOT_TOKEN: token }, { dotenv: false }).BOT_TOKEN).toBe(token);
  });

  it('shows a realistic token when one is malformed', () => {
    try {
      loadConfig({ BOT_TOKEN: '123456:ABC...' }, { dotenv: false });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const example = /\d{8,10}:[\w-]{35}/.exec((error as Error).message)?.[0];
      expect(example).toBeDefined();
      expect(loadConfig({ BOT_TOKEN: example }, { dotenv: false }).BOT_TOKEN).toBe(example);
    }
  });
});
