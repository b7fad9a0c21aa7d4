import { afterEach, describe, expect, it } from 'vitest';
import { OWNER, recordingSystem, startAdminBot, until, type AdminHarness } from './admin-harness.ts';
import { codeOf, startUserBot, type UserBot } from './user-bot.ts';

const ann = { id: 401, first_name: 'Ann', username: 'ann', language_code: 'en' };
const bob = { id: 402, first_name: 'Bob', language_code: 'ru' };

let t: UserBot | undefined;
let h: AdminHarness | undefined;
afterEach(async () => {
  await t?.stop();
  await h?.stop();
  t = h = undefined;
});

describe('a message no feature takes', () => {
  it('free text gets a hint with the main menu, in the person’s language', async () => {
    t = await startUserBot();
    t.fake.sendText(ann, 'hello?');
    const reply = await t.fake.waitForReply(ann.id);
    expect(reply.params.text).toBe('Use the buttons below, or /keys, /new, /traffic, /help.');
    const buttons = JSON.stringify(reply.params.reply_markup);
    expect(buttons).toContain('🔑 My keys');
    expect(buttons).toContain('➕ New key');

    t.fake.sendText(bob, 'привет');
    expect((await t.fake.waitForReply(bob.id)).params.text).toMatch(/^Выберите кнопку ниже/);
  });

  it('an unknown command is named; the menu under the hint works', async () => {
    t = await startUserBot();
    t.fake.sendCommand(ann, '/frobnicate now');
    const reply = await t.fake.waitForReply(ann.id);
    expect(reply.params.text).toBe(
      "I don't know the command /frobnicate.\nUse the buttons below, or /keys, /new, /traffic, /help.",
    );
    const after = t.fake.calls.length;
    t.fake.pressButton(ann, '🔑 My keys');
    expect((await t.fake.waitForReply(ann.id, { after })).params.text).toMatch(/You have no keys yet/);
  });

  it('known commands and group chatter get no hint', async () => {
    t = await startUserBot();
    t.fake.sendText(ann, 'chatting in a group', { chatId: -100777 });
    t.fake.sendCommand(ann, '/keys');
    const reply = await t.fake.waitForReply(ann.id);
    expect(reply.params.text).toMatch(/You have no keys yet/);
    await new Promise((r) => setTimeout(r, 200));
    const texts = t.fake.calls.filter((c) => c.method === 'sendMessage').map((c) => c.params.text);
    expect(texts).toHaveLength(1);
  });
});

describe('a key card whose photo is refused', () => {
  it('arrives as text with the link when the Bot API has no sendPhoto, never as an error', async () => {
    t = await startUserBot({ KEY_REQUEST_POLICY: 'open' });
    t.fake.removeMethod('sendPhoto');
    t.fake.sendCommand(ann, '/new');
    const card = await t.fake.waitForCall(
      (c) => c.method === 'sendMessage' && Number(c.params.chat_id) === ann.id,
    );
    const key = t.services.keys.ownedBy(ann.id)[0]!;
    const message = t.fake.lastMessageTo(ann.id)!;
    expect(message.text).toMatch(/^🎉 Your key is ready!/);
    expect(codeOf(message)).toBe(t.services.view(key).links[0]);
    expect(JSON.stringify(card.params.reply_markup)).toContain(`key:qr:${key.id}`);
    expect(t.fake.calls.some((c) => c.method === 'sendPhoto')).toBe(true);
    await new Promise((r) => setTimeout(r, 200));
    expect(t.fake.messagesTo(ann.id).map((m) => m.text)).not.toContainEqual(
      expect.stringMatching(/Something went wrong/),
    );
  });
});

describe('an error after a button was answered', () => {
  const answersTo = (id: string) =>
    h!.fake.calls.filter((c) => c.method === 'answerCallbackQuery' && c.params.callback_query_id === id);

  it('is told in the chat, and the query is answered once', async () => {
    h = await startAdminBot();
    await h.send(OWNER, '/status');
    await h.press(OWNER, '♻️ Restart core');
    await h.settle();
    // The restart is done and answered, then Telegram refuses the redrawn status screen.
    h.fake.failNext('editMessageText', { error_code: 400, description: 'Bad Request: MESSAGE_ID_INVALID' });
    const yes = h.fake.pressButton(OWNER, '✅ Yes');
    const id = yes.callback_query!.id;
    const error = await h.fake.waitForCall(
      (c) => c.method === 'sendMessage' && String(c.params.text).startsWith('Something went wrong'),
    );
    expect(Number(error.params.chat_id)).toBe(OWNER.id);
    await h.settle();
    expect(answersTo(id).map((c) => c.params.text)).toEqual(['Core restarted.']);
  });

  it('an admin button that fails without answering gets one answer: the error', async () => {
    const recorded = recordingSystem();
    recorded.system.check = async () => {
      throw new Error('check broke');
    };
    h = await startAdminBot({ system: recorded.system });
    await h.send(OWNER, '/status');
    await h.settle();
    const id = h.fake.pressButton(OWNER, '🩺 Check drift').callback_query!.id;
    await until(() => answersTo(id).length > 0);
    await h.settle();
    expect(answersTo(id).map((c) => c.params.text)).toEqual([
      'Something went wrong on our side. Please try again in a minute.',
    ]);
  });
});
