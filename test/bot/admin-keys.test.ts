import jsqr from 'jsqr';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GB } from '../../src/services/keys.service.ts';
import { OWNER, startAdminBot, until, USER, type AdminHarness } from '../helpers/admin-harness.ts';

let h: AdminHarness;

beforeAll(async () => {
  h = await startAdminBot();
  await h.services.keys.create({ name: 'ann', ownerTelegramId: USER.id, trafficLimitBytes: 10 * GB }, 'test');
  await h.services.keys.create({ name: 'bob' }, 'test');
  await h.services.keys.create({ name: 'carl' }, 'test');
  await h.services.keys.disable('carl', 'test');
});
afterAll(() => h.stop());

describe('admin menu and key list', () => {
  it('/admin shows the menu with every section', async () => {
    expect(await h.send(OWNER, '/admin')).toMatch(/Administration/);
    expect(h.buttons(OWNER)).toEqual(
      expect.arrayContaining([
        '🔑 Keys',
        '➕ Create key',
        '📊 Status',
        '📜 Events',
        '📣 Broadcast',
        '💾 Backups',
        '🔐 API keys',
        '👥 Admins',
        '⚙️ Settings',
      ]),
    );
  });

  it('the Keys button lists keys; the status filter narrows the list', async () => {
    await h.send(OWNER, '/admin');
    expect(await h.press(OWNER, '🔑 Keys')).toMatch(/Keys: 3/);
    expect(h.fake.calls.at(-1)?.method).toBe('editMessageText');
    expect(h.buttons(OWNER).some((b) => b.includes('ann'))).toBe(true);
    expect(await h.press(OWNER, '⛔')).toMatch(/Keys: 1/);
    expect(h.buttons(OWNER).filter((b) => /^\S+ \w+ · /.test(b))).toEqual([expect.stringContaining('carl')]);
  });

  it('/users searches by name, owner id and @username', async () => {
    expect(await h.send(OWNER, '/users bo')).toMatch(/Keys: 1/);
    expect(await h.send(OWNER, `/users ${USER.id}`)).toMatch(/Keys: 1/);
    expect(await h.send(OWNER, '/users @mallory')).toMatch(/Keys: 1/);
    expect(h.buttons(OWNER).some((b) => b.includes('ann'))).toBe(true);
  });

  it('pages through many keys', async () => {
    for (let i = 0; i < 12; i++) await h.services.keys.create({ name: `page${i}` }, 'test');
    expect(await h.send(OWNER, '/users page')).toMatch(/Page 1 of 2/);
    expect(await h.press(OWNER, '›')).toMatch(/Page 2 of 2/);
    for (let i = 0; i < 12; i++) await h.services.keys.delete(`page${i}`, 'test');
  });

  it('the search button asks for a query in a dialog', async () => {
    await h.send(OWNER, '/users');
    expect(await h.press(OWNER, '🔍 Search')).toMatch(/Send a key name/);
    expect(await h.send(OWNER, 'car')).toMatch(/Keys: 1/);
  });
});

describe('key card', () => {
  it('/user shows every field, the owner and the link in a code entity', async () => {
    const text = await h.send(OWNER, '/user ann');
    expect(text).toMatch(/ann/);
    expect(text).toMatch(/Owner: @mallory/);
    expect(text).toMatch(/Traffic: 0 kB of 10 GB/);
    expect(text).toMatch(/Never expires/);
    expect(text).toMatch(/Subscription: http/);
    const message = h.fake.lastMessageTo(OWNER.id)!;
    const link = h.services.view(h.services.keys.get('ann')).links[0]!;
    const codes = message.entities?.filter((e) => e.type === 'code') ?? [];
    expect(codes.map((e) => message.text!.slice(e.offset, e.offset + e.length))).toContain(link);
  });

  it('an unknown key is explained', async () => {
    expect(await h.send(OWNER, '/user nobody')).toBe('There is no such key.');
  });

  it('the QR button sends a photo that encodes exactly the link', async () => {
    await h.send(OWNER, '/user ann');
    await h.settle();
    h.fake.pressButton(OWNER, '🖼 QR code');
    const photo = await h.fake.waitForCall('sendPhoto');
    const png = PNG.sync.read(photo.files.photo!.data);
    // jsqr is CommonJS: its function is also its `default`, which is what TypeScript sees.
    const decoded = jsqr.default(new Uint8ClampedArray(png.data), png.width, png.height);
    expect(decoded?.data).toBe(h.services.view(h.services.keys.get('ann')).links[0]);
  });

  it('sends the link to the owner in their language', async () => {
    h.services.admins.touch({ id: USER.id, username: 'mallory', languageCode: 'ru' });
    await h.send(OWNER, '/user ann');
    expect(await h.pressForAnswer(OWNER, '📤 Send to owner')).toBe('Sent to the owner.');
    const sent = h.fake.calls.find((c) => c.method === 'sendPhoto' && c.params.chat_id === USER.id)!;
    expect(sent.params.caption).toMatch(/Ваш VPN-ключ/);
  });

  it('kick asks first, then rotates the UUID and revokes the subscription URL', async () => {
    const { uuid: before, subToken } = h.services.keys.get('ann');
    await h.send(OWNER, '/user ann');
    expect(await h.press(OWNER, /Kick/)).toMatch(/^Kick ann\?/);
    expect(h.services.keys.get('ann').uuid).toBe(before);
    await h.pressForAnswer(OWNER, '✅ Yes');
    await until(() => h.services.keys.get('ann').uuid !== before);
    expect(h.services.events.list({ type: 'key.kicked' }).items[0]?.actor).toBe('tg:1');
    // The old /sub token finds nothing (the route answers 404); the key has a new one.
    expect(h.services.keys.bySubToken(subToken)).toBeUndefined();
    expect(h.services.keys.get('ann').subToken).not.toBe(subToken);
  });

  it('/kick NAME, confirmed, revokes the subscription URL too', async () => {
    const { uuid, subToken } = h.services.keys.get('ann');
    expect(await h.send(OWNER, '/kick ann')).toMatch(/new link and subscription URL/);
    await h.pressForAnswer(OWNER, '✅ Yes');
    await until(() => h.services.keys.get('ann').uuid !== uuid);
    expect(h.services.keys.bySubToken(subToken)).toBeUndefined();
  });

  it('extends by a preset and by a typed number of days', async () => {
    await h.services.keys.update('bob', { expireAt: new Date('2026-11-11T12:00:00Z') }, 'test');
    await h.send(OWNER, '/user bob');
    expect(await h.pressForAnswer(OWNER, '+30 d')).toBe('bob extended.');
    await until(() => h.services.keys.get('bob').expireAt?.toISOString() === '2026-12-11T12:00:00.000Z');
    await h.send(OWNER, '/user bob');
    expect(await h.press(OWNER, '+… d')).toMatch(/Extend bob by how many days/);
    expect(await h.send(OWNER, 'soon')).toBe('Send a number of days from 1 to 3650.');
    expect(await h.send(OWNER, '10')).toMatch(/bob/);
    expect(h.services.keys.get('bob').expireAt?.toISOString()).toBe('2026-12-21T12:00:00.000Z');
  });

  it('sets a limit through the dialog, resets traffic, disables and enables', async () => {
    await h.send(OWNER, '/user bob');
    await h.press(OWNER, '📏 Set limit');
    expect(await h.send(OWNER, '2.5')).toMatch(/2\.5 GB/);
    expect(h.services.keys.get('bob').trafficLimitBytes).toBe(2.5 * GB);

    h.memory.traffic('bob', 100, 200);
    await h.services.traffic.collect();
    await h.send(OWNER, '/user bob');
    await h.pressForAnswer(OWNER, '🔄 Reset traffic');
    await until(() => h.services.keys.get('bob').downloadBytes === 0);

    await h.send(OWNER, '/user bob');
    await h.pressForAnswer(OWNER, '⏸ Disable');
    await until(() => h.services.keys.get('bob').status === 'disabled');
    await h.settle();
    expect(h.buttons(OWNER)).toContain('▶️ Enable');
    await h.pressForAnswer(OWNER, '▶️ Enable');
    await until(() => h.services.keys.get('bob').status === 'active');
  });

  it('the text commands do the same as the buttons', async () => {
    expect(await h.send(OWNER, '/limit bob 0')).toBe('Limit of bob set.');
    expect(h.services.keys.get('bob').trafficLimitBytes).toBeNull();
    expect(await h.send(OWNER, '/extend bob 5')).toBe('bob extended.');
    expect(await h.send(OWNER, '/disable bob')).toBe('bob disabled.');
    expect(await h.send(OWNER, '/enable bob')).toBe('bob enabled.');
    expect(await h.send(OWNER, '/reset bob')).toBe('Traffic of bob reset.');
    expect(await h.send(OWNER, '/extend bob')).toBe('Usage: /extend NAME DAYS');
    expect(await h.send(OWNER, '/limit bob lots')).toMatch(/Usage/);
    expect(await h.send(OWNER, '/kick')).toMatch(/Usage/);
    // Kick and delete ask first, like their buttons.
    expect(await h.send(OWNER, '/kick bob')).toMatch(/Kick <b>bob<\/b>\?|Kick bob\?/);
    expect(await h.send(OWNER, '/delete bob')).toMatch(/Delete/);
    expect(h.services.keys.find('bob')).toBeDefined();
    await h.pressForAnswer(OWNER, '✅ Yes');
    await until(() => h.services.keys.find('bob') === undefined);
  });

  it('/create NAME GB DAYS creates a key in one line', async () => {
    expect(await h.send(OWNER, '/create dave 5 30')).toBe('✅ Key dave created.');
    const key = h.services.keys.get('dave');
    expect(key.trafficLimitBytes).toBe(5 * GB);
    expect(key.expireAt?.toISOString()).toBe('2026-12-01T12:00:00.000Z');
    expect(key.createdBy).toBe('tg:1');
    expect(await h.send(OWNER, '/create dave')).toBe('A key with this name already exists.');
    expect(await h.send(OWNER, '/create eve -1')).toMatch(/Usage/);
    expect(await h.send(OWNER, '/create bad/name')).toMatch(/1–32 letters/);
  });

  it('/extend past the largest date clamps the expiry at the end of year 9999', async () => {
    await h.services.keys.create({ name: 'far', expireAt: new Date('9999-12-30T00:00:00Z') }, 'test');
    expect(await h.send(OWNER, '/extend far 3650')).toBe('far extended.');
    expect(h.services.keys.get('far')).toMatchObject({
      status: 'active',
      expireAt: new Date('9999-12-31T23:59:59.999Z'),
    });
  });
});
