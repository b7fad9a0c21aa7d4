/**
 * The subscription page in a real headless Chromium: it renders, its QR code decodes to the
 * subscription URL, and the copy button works under the page's CSP. Needs Debian's
 * `chromium` at /usr/bin/chromium (.ci/run installs it).
 */
import type { AddressInfo } from 'node:net';
import jsqr from 'jsqr';
import { chromium, type Browser } from 'playwright-core';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpFixture, realityLink } from './fixture.ts';

const CHROMIUM = '/usr/bin/chromium';

describe('subscription page in Chromium', () => {
  const f = httpFixture({ PUBLIC_URL: 'https://vpn.example.com' });
  let browser: Browser;
  let base: string;
  let token: string;

  beforeAll(async () => {
    f.services.attachCore({ ...f.memory.core, shareLink: realityLink });
    const key = await f.services.keys.create(
      { name: 'alice', trafficLimitBytes: 2 ** 30, expireAt: new Date('2026-12-01T00:00:00Z') },
      'test',
    );
    token = key.subToken;
    f.memory.traffic('alice', 300 * 2 ** 20, 212 * 2 ** 20);
    await f.services.traffic.collect();
    await f.app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(f.app.server.address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await f.app.close();
  });

  it('renders usage, expiry, a QR code of the subscription URL and a working copy button', async () => {
    const context = await browser.newContext({ locale: 'ru-RU', viewport: { width: 800, height: 1200 } });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    page.on('pageerror', (e) => problems.push(e.message));

    const response = await page.goto(`${base}/sub/${token}`);
    expect(response?.status()).toBe(200);
    expect(await page.title()).toContain('alice');
    expect(await page.locator('html').getAttribute('lang')).toBe('ru');
    expect(await page.locator('#status').textContent()).toBe('Активна');
    expect(await page.locator('#usage').getAttribute('value')).toBe(String(512 * 2 ** 20));
    expect(await page.locator('body').textContent()).toContain('512 МБ');

    const qr = PNG.sync.read(await page.locator('#qr svg').screenshot());
    // jsqr is CommonJS: its function is also its `default`, which is what TypeScript sees.
    const decoded = jsqr.default(new Uint8ClampedArray(qr.data), qr.width, qr.height);
    const url = `https://vpn.example.com/sub/${token}`;
    expect(decoded?.data).toBe(url);

    const copy = page.locator('#copy');
    expect(await copy.isVisible()).toBe(true);
    await copy.click();
    await expect.poll(() => copy.textContent()).toBe('Скопировано!');
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(url);

    expect(await page.locator('details#guide-windows').getAttribute('open')).not.toBeNull();
    expect(problems).toEqual([]);
    await context.close();
  });

  it('opens the guide of the visitor’s platform, in English for an English browser', async () => {
    const context = await browser.newContext({
      locale: 'en-US',
      userAgent:
        'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/130 Mobile Safari/537.36',
    });
    const page = await context.newPage();
    await page.goto(`${base}/sub/${token}`);
    expect(await page.locator('h1').textContent()).toContain('alice');
    expect(await page.locator('#status').textContent()).toBe('Active');
    expect(await page.locator('details#guide-android').getAttribute('open')).not.toBeNull();
    const addTo = page.locator('#guide-android a', { hasText: 'Add to v2rayNG' });
    expect(await addTo.getAttribute('href')).toMatch(/^v2rayng:\/\/install-config\?url=https%3A%2F%2Fvpn/);
    await context.close();
  });
});
