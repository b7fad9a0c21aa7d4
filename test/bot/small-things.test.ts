import { PNG } from 'pngjs';
import { afterEach, describe, expect, it } from 'vitest';
import { trafficChartSvg } from '../../src/bot/features/traffic/chart.ts';
import { OWNER, recordingSystem, startAdminBot, until, type AdminHarness } from '../helpers/admin-harness.ts';
import { codeOf, photoBytes, startUserBot, type UserBot } from '../helpers/user-bot.ts';

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

describe('the traffic chart', () => {
  /** Dark (text-coloured) pixels in a box of the PNG. */
  function darkPixels(png: PNG, x0: number, y0: number, x1: number, y1: number): number {
    let dark = 0;
    for (let y = y0; y < y1; y++) {
      for (let x = x0; x < x1; x++) if (png.data[(y * png.width + x) * 4]! < 128) dark++;
    }
    return dark;
  }

  it('of a key without traffic says so across the plot', async () => {
    t = await startUserBot();
    await t.services.keys.create({ name: 'quiet', ownerTelegramId: ann.id }, 'test');
    t.fake.sendCommand(ann, '/traffic');
    const call = await t.fake.waitForReply(ann.id);
    expect(call.method).toBe('sendPhoto');
    const png = PNG.sync.read(await photoBytes(t.fake, call));
    // "No traffic yet" sits in the middle of the plot (x 86–780, y 56–372), where nothing else is dark.
    expect(darkPixels(png, 300, 180, 570, 225)).toBeGreaterThan(200);
    expect(
      trafficChartSvg([], { title: '', download: '', upload: '', empty: 'No traffic yet', locale: 'en' }),
    ).toContain('>No traffic yet</text>');
  });

  it('never puts two date labels on top of each other, whatever the number of days', () => {
    for (let n = 1; n <= 30; n++) {
      const days = Array.from({ length: n }, (_, i) => ({
        day: new Date(Date.UTC(2026, 10, 1 + i)).toISOString().slice(0, 10),
        download_bytes: 1000 * (i + 1),
        upload_bytes: 10,
      }));
      const svg = trafficChartSvg(days, { title: 't', download: 'd', upload: 'u', empty: 'e', locale: 'en' });
      const xs = [...svg.matchAll(/<text x="([\d.]+)"[^>]*text-anchor="middle">\d\d\.\d\d</g)].map((m) =>
        Number(m[1]),
      );
      // Today (the last bar, centred in the last of n slots across the 694 px plot) is always labelled.
      expect(xs.at(-1), `${n} days: today is labelled`).toBeCloseTo(86 + (694 / n) * (n - 0.5), 0);
      for (let i = 1; i < xs.length; i++) {
        // A dd.mm label at 12 px is about 38 px wide.
        expect(xs[i]! - xs[i - 1]!, `${n} days, labels ${i - 1} and ${i}`).toBeGreaterThanOrEqual(40);
      }
    }
  });
});
