import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeCall } from '../helpers/fake-telegram.ts';
import { OWNER, startAdminBot, USER, type AdminHarness } from '../helpers/admin-harness.ts';

let h: AdminHarness;
const GROUP = -1001234567890;
const PRIVATE_ONLY = 'I answer only in a private chat: open a chat with me and send the command there.';

beforeAll(async () => {
  h = await startAdminBot();
  await h.services.keys.create({ name: 'ann', ownerTelegramId: USER.id }, 'test');
  h.services.settings.set('keyRequestPolicy', 'open');
});
afterAll(() => h.stop());

/** The Bot API calls the bot makes after `act`, once it is quiet (long polls left out). */
async function callsAfter(act: () => void): Promise<FakeCall[]> {
  await h.settle();
  const from = h.fake.calls.length;
  act();
  await h.settle(150);
  return h.fake.calls.slice(from).filter((c) => c.method !== 'getUpdates');
}

const backups = () => {
  const dir = path.join(h.dataDir, 'backups');
  return existsSync(dir) ? readdirSync(dir, { recursive: true }) : [];
};

describe('in a group the bot only points to a private chat', () => {
  it.each([
    ['owner', '/backup'],
    ['owner', '/user ann'],
    ['owner', '/admin'],
    ['owner', '/keys'],
    ['user', '/keys'],
    ['user', '/new'],
    ['user', '/traffic'],
    ['user', '/start invite-code'],
    ['user', '/keys@fake_test_bot'],
  ] as const)('%s: %s answers "open a private chat" and nothing else', async (who, command) => {
    const user = who === 'owner' ? OWNER : USER;
    const keys = h.services.keys.list().items.length;
    const archives = backups();
    const calls = await callsAfter(() => h.fake.sendCommand(user, command, { chatId: GROUP }));
    expect(calls.map((c) => [c.method, c.params.chat_id, c.params.text])).toEqual([
      ['sendMessage', GROUP, PRIVATE_ONLY],
    ]);
    expect(calls[0]!.params.reply_markup).toEqual({
      inline_keyboard: [[{ text: '💬 Open a private chat', url: 'https://t.me/fake_test_bot' }]],
    });
    expect(h.services.keys.list().items.length).toBe(keys);
    expect(backups()).toEqual(archives);
  });

  it('a /restore upload in a group is not downloaded', async () => {
    const backup = await h.services.backups.create({ actor: 'test' });
    const calls = await callsAfter(() =>
      h.fake.sendDocument(
        OWNER,
        { filename: 'b.tar.gz', data: readFileSync(backup.file), caption: '/restore' },
        { chatId: GROUP },
      ),
    );
    expect(calls.map((c) => [c.method, c.params.chat_id, c.params.text])).toEqual([
      ['sendMessage', GROUP, PRIVATE_ONLY],
    ]);
  });

  it('a button pressed in a group gets an alert, not an answer in the group', async () => {
    const message = h.fake.lastMessageTo(GROUP)!;
    for (const data of ['a:m', 'a:bk:new', 'key:sub:1', 'menu']) {
      const update = { id: '' };
      const calls = await callsAfter(() => {
        update.id = h.forgeCallback(OWNER, data, message).callback_query!.id;
      });
      expect(calls.map((c) => [c.method, c.params.callback_query_id, c.params.text])).toEqual([
        ['answerCallbackQuery', update.id, PRIVATE_ONLY],
      ]);
    }
  });

  it('ignores other group messages and commands for other bots', async () => {
    expect(await callsAfter(() => h.fake.sendText(USER, 'hello all', { chatId: GROUP }))).toEqual([]);
    expect(await callsAfter(() => h.fake.sendCommand(USER, '/keys@other_bot', { chatId: GROUP }))).toEqual(
      [],
    );
  });

  it('the same commands work in the private chat', async () => {
    expect(await h.send(USER, '/keys')).toMatch(/ann/);
    expect(await h.send(OWNER, '/user ann')).toMatch(/ann/);
  });
});
