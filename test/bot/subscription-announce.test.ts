/** The subscription announcement: set in the bot's admin Settings, carried by every subscription. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testHttpServer } from '../helpers/http-server.ts';
import { OWNER, startAdminBot, type AdminHarness } from '../helpers/admin-harness.ts';

let h: AdminHarness;
let http: ReturnType<typeof testHttpServer>;

beforeAll(async () => {
  h = await startAdminBot();
  http = testHttpServer({ config: h.config, services: h.services });
});
afterAll(async () => {
  await http.close();
  await h.stop();
});

describe('admin Settings → Subscription announcement', () => {
  it('an owner sets it, VPN apps get it in the announce header, "-" removes it', async () => {
    const key = await h.services.keys.create({ name: 'ann' }, 'test');
    const announce = async () =>
      (await http.inject({ method: 'GET', url: `/sub/${key.subToken}` })).headers.announce;
    await h.send(OWNER, '/admin');
    await h.press(OWNER, '⚙️ Settings');
    expect(await h.press(OWNER, 'Subscription announcement')).toMatch(/up to 200 characters[\s\S]*Now: —/);
    expect(await h.send(OWNER, 'x'.repeat(201))).toMatch(/not accepted/);
    expect(await h.send(OWNER, 'Maintenance Sat 03:00 UTC')).toMatch(
      /Subscription announcement: Maintenance Sat 03:00 UTC/,
    );
    const header = String(await announce());
    expect(Buffer.from(header.replace(/^base64:/, ''), 'base64').toString()).toBe(
      'Maintenance Sat 03:00 UTC',
    );
    await h.press(OWNER, 'Subscription announcement');
    await h.send(OWNER, '-');
    expect(await announce()).toBeUndefined();
  });
});
