import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GB } from '../../src/services/keys.service.ts';
import { OWNER, startAdminBot, USER, type AdminHarness } from '../helpers/admin-harness.ts';

let h: AdminHarness;
let forwardedId = 10_000;

beforeAll(async () => {
  h = await startAdminBot();
  await h.services.keys.create({ name: 'taken' }, 'test');
});
afterAll(() => h.stop());

/** The admin forwards a message of `senderId` to the bot. */
async function forwardFrom(senderId: number): Promise<string> {
  await h.settle();
  const date = Math.floor(Date.now() / 1000);
  h.fake.sendUpdate({
    message: {
      message_id: forwardedId++,
      date,
      chat: { id: OWNER.id, type: 'private', first_name: OWNER.first_name! },
      from: { id: OWNER.id, is_bot: false, first_name: OWNER.first_name! },
      text: 'hello from a friend',
      forward_origin: {
        type: 'user',
        date,
        sender_user: { id: senderId, is_bot: false, first_name: 'Friend' },
      },
    },
  });
  const reply = await h.fake.waitForReply(OWNER.id);
  return String(reply.params.text ?? '').replace(/<[^>]+>/g, '');
}

describe('create-key dialog', () => {
  it('checks every step, goes back, and creates the key with a forwarded owner', async () => {
    expect(await h.send(OWNER, '/create')).toMatch(/New key \(1\/5\)/);
    // Step 1: a bad name, a taken name, then a good one.
    expect(await h.send(OWNER, 'bad name!')).toMatch(/is not a valid name/);
    expect(await h.send(OWNER, 'TAKEN')).toMatch(/already exists/);
    expect(await h.send(OWNER, 'alice')).toMatch(/\(2\/5\) Traffic limit of alice/);
    // Step 2: not a number, a negative number, then a quick choice.
    expect(await h.send(OWNER, 'lots')).toBe('Send a number of GB, 0 or more (for example 50 or 0.5).');
    expect(await h.send(OWNER, '-3')).toBe('Send a number of GB, 0 or more (for example 50 or 0.5).');
    expect(await h.press(OWNER, '50 GB')).toMatch(/\(3\/5\) Valid for how many days/);
    // Back to step 2, a typed value this time.
    expect(await h.press(OWNER, '« Back')).toMatch(/\(2\/5\)/);
    expect(await h.send(OWNER, '1,5')).toMatch(/\(3\/5\)/);
    // Step 3.
    expect(await h.send(OWNER, 'forever')).toBe('Send a number of days, 0 or more.');
    expect(await h.send(OWNER, '30')).toMatch(/\(4\/5\) Owner/);
    // Step 4: not an id, then a forwarded message.
    expect(await h.send(OWNER, 'someone')).toMatch(/Forward a message from the person/);
    const summary = await forwardFrom(USER.id);
    expect(summary).toMatch(/\(5\/5\) Create this key\?/);
    expect(summary).toMatch(/Traffic: 1.5 GB/);
    expect(summary).toMatch(/Days: 30/);
    expect(summary).toMatch(/Owner: @mallory \(500\)/);
    // Step 5: typing is not confirming.
    expect(await h.send(OWNER, 'yes')).toBe('Please use the buttons under the message.');
    expect(await h.press(OWNER, '✅ Create')).toBe('✅ Key alice created.');
    await h.settle();
    const key = h.services.keys.get('alice');
    expect(key).toMatchObject({ ownerTelegramId: USER.id, trafficLimitBytes: 1.5 * GB, createdBy: 'tg:1' });
    expect(key.expireAt?.toISOString()).toBe('2026-12-01T12:00:00.000Z');
    expect(h.lastText(OWNER)).toMatch(/alice/); // the key card follows
  });

  it('takes an owner id, or none with Skip, and unlimited values from the buttons', async () => {
    await h.send(OWNER, '/create');
    await h.send(OWNER, 'bob');
    await h.press(OWNER, 'unlimited');
    await h.press(OWNER, 'never');
    expect(await h.send(OWNER, '424242')).toMatch(/Owner: 424242/);
    expect(await h.press(OWNER, '« Back')).toMatch(/\(4\/5\)/);
    expect(await h.press(OWNER, 'Skip »')).toMatch(/Owner: none/);
    await h.press(OWNER, '✅ Create');
    await h.settle();
    expect(h.services.keys.get('bob')).toMatchObject({
      ownerTelegramId: null,
      trafficLimitBytes: null,
      expireAt: null,
    });
  });

  it('cancels at any step and changes nothing', async () => {
    const before = h.services.keys.list().total;
    await h.send(OWNER, '/create');
    await h.send(OWNER, 'carol');
    await h.send(OWNER, '5');
    expect(await h.press(OWNER, '✖ Cancel')).toBe('Cancelled.');
    expect(h.services.keys.list().total).toBe(before);
    // The dialog is over: plain text is no longer taken as an answer, only the general hint
    // that any text outside a dialog gets.
    await h.settle();
    const calls = h.fake.calls.length;
    h.fake.sendText(OWNER, '42');
    await h.settle();
    const replies = h.fake.calls.slice(calls).filter((c) => c.method === 'sendMessage');
    expect(replies.map((c) => String(c.params.text))).toEqual([
      expect.stringMatching(/^Use the buttons below/),
    ]);
    expect(h.services.keys.list().total).toBe(before);
  });

  it('a command in the middle leaves the dialog and runs', async () => {
    await h.send(OWNER, '/create');
    await h.send(OWNER, 'dora');
    expect(await h.send(OWNER, '/user taken')).toMatch(/taken/);
    expect(h.services.keys.find('dora')).toBeUndefined();
  });

  it('asks for another name when it was taken while the dialog ran', async () => {
    await h.send(OWNER, '/create');
    await h.send(OWNER, 'erin');
    await h.send(OWNER, '0');
    await h.send(OWNER, '0');
    await h.press(OWNER, 'Skip »');
    await h.services.keys.create({ name: 'erin' }, 'test');
    expect(await h.press(OWNER, '✅ Create')).toBe('A key with this name already exists.');
    await h.settle();
    expect(h.lastText(OWNER)).toMatch(/\(1\/5\)/);
    expect(await h.press(OWNER, '✖ Cancel')).toBe('Cancelled.');
  });

  it('refuses the dialog to an admin whose rights were taken away meanwhile', async () => {
    h.services.admins.addAdmin(77, 'test');
    const admin = { id: 77, first_name: 'Temp' };
    await h.send(admin, '/create');
    await h.send(admin, 'frank');
    await h.send(admin, '0');
    await h.send(admin, '0');
    await h.press(admin, 'Skip »');
    h.services.admins.removeAdmin(77, 'test');
    expect(await h.press(admin, '✅ Create')).toBe('This command is for administrators only.');
    expect(h.services.keys.find('frank')).toBeUndefined();
  });

  it('the Create key button opens the same dialog', async () => {
    await h.send(OWNER, '/admin');
    expect(await h.press(OWNER, '➕ Create key')).toMatch(/New key \(1\/5\)/);
    expect(await h.press(OWNER, '✖ Cancel')).toBe('Cancelled.');
  });
});
