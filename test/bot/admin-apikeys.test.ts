import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OWNER, startAdminBot, type AdminHarness } from '../helpers/admin-harness.ts';

let h: AdminHarness;

beforeAll(async () => {
  h = await startAdminBot();
});
afterAll(() => h.stop());

describe('API keys', () => {
  it('creates a key in a dialog and shows it once, in a message that deletes itself', async () => {
    expect(await h.send(OWNER, '/apikeys')).toMatch(/API keys: 0\nNo API keys yet\./);
    expect(await h.press(OWNER, '➕ New API key')).toMatch(/New API key/);
    expect(await h.send(OWNER, 'x'.repeat(70))).toBe('Send a name of 1–64 characters.');
    expect(await h.send(OWNER, 'billing')).toMatch(/What may it do\?/);

    expect(await h.press(OWNER, '✅ Done')).toBe('Pick at least one scope.');
    // Toggles only edit the buttons.
    await h.pressForAnswer(OWNER, '☐ users:read');
    await h.pressForAnswer(OWNER, '☐ stats:read');
    await h.pressForAnswer(OWNER, '☑ stats:read');
    await h.settle();
    const scopes = h.fake.messagesTo(OWNER.id).find((m) => m.text?.startsWith('What may it do'));
    const labels = scopes?.reply_markup?.inline_keyboard.flat().map((b) => b.text);
    expect(labels).toEqual(expect.arrayContaining(['☑ users:read', '☐ stats:read', '☐ *:*']));
    expect(await h.press(OWNER, '✅ Done')).toMatch(/requests a minute\? \(Skip: 120\)/);

    expect(await h.send(OWNER, 'many')).toMatch(/Send a whole number from 1 to/);
    expect(await h.press(OWNER, 'Skip »')).toMatch(/requests an hour/);
    expect(await h.send(OWNER, '600')).toMatch(/Valid for how many days/);
    const summary = await h.press(OWNER, '90');
    expect(summary).toMatch(/Scopes: users:read\nLimits: 120\/min, 600\/h\nDays: 90/);

    expect(await h.press(OWNER, '✅ Create')).toMatch(/API key #1 billing created\./);
    const message = h.fake.lastMessageTo(OWNER.id)!;
    const code = message.entities!.find((e) => e.type === 'code')!;
    const secret = message.text!.slice(code.offset, code.offset + code.length);
    expect(secret).toMatch(/^xk_/);
    const row = h.services.apiKeys.authenticate(secret);
    expect(row).toMatchObject({
      name: 'billing',
      scopes: ['users:read'],
      rateLimitPerMinute: 120,
      rateLimitPerHour: 600,
    });
    expect(row.expireAt?.toISOString()).toBe('2027-01-30T12:00:00.000Z');
    expect(row.createdBy).toBe('tg:1');

    await h.settle();
    h.fake.pressButton(OWNER, '🗑 Saved it, delete this message');
    await h.fake.waitForCall('deleteMessage');
    await h.settle();
    expect(h.fake.messagesTo(OWNER.id).some((m) => m.text?.includes(secret))).toBe(false);
  });

  it('lists keys and revokes one after a confirmation', async () => {
    const list = await h.send(OWNER, '/apikeys');
    expect(list).toMatch(/#1 billing · xk_.{9}… · active/);
    expect(await h.press(OWNER, /Revoke #1/)).toMatch(/Revoke API key #1 billing\?/);
    expect(h.services.apiKeys.get(1).status).toBe('active');
    expect(await h.pressForAnswer(OWNER, '✅ Yes')).toBe('API key revoked.');
    expect(h.services.apiKeys.get(1).status).toBe('revoked');
    await h.settle();
    expect(h.lastText(OWNER)).toMatch(/· revoked/);
    expect(h.buttons(OWNER).some((b) => b.includes('Revoke'))).toBe(false);
  });
});
