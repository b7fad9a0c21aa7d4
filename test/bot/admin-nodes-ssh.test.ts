/**
 * The add-node dialog against a real SSH node (issue 17, item 11): a real sshd in a network
 * namespace, a real v2ray started over SSH, the bot behind the fake Telegram Bot API. Adding
 * walks through the steps of `services.nodes.add` on ONE message, edited at most about once
 * a second, ending with the node's card; a failing add ends with the failed step and its
 * reason, and leaves no node.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stripTags } from '../../src/bot/kit/index.ts';
import { wireNodes } from '../../src/core-wiring.ts';
import { scanHostKey } from '../../src/core/remote/ssh.ts';
import { loadOrCreateSshKey } from '../../src/core/remote/ssh-key.ts';
import type { NodeWorkers } from '../../src/services/node-workers.ts';
import { OWNER, startAdminBot, type AdminHarness } from '../helpers/admin-harness.ts';
import { silentLogger } from '../helpers/db.ts';
import type { FakeCall } from '../helpers/fake-telegram.ts';
import { startSshdHost, type SshdHost } from '../helpers/sshd-host.ts';

let h: AdminHarness;
let node: SshdHost;
let workers: NodeWorkers;

beforeAll(async () => {
  node = await startSshdHost();
  h = await startAdminBot({
    hostKeyOf: (t) => scanHostKey({ username: t.user, host: t.host, port: t.port }),
  });
  workers = wireNodes(h.services, silentLogger, { intervalMs: 60_000, maxBackoffMs: 300, timeoutMs: 5000 });
  h.services.nodes.ensureLocal();
  await h.services.keys.create({ name: 'alice' }, 'test');
}, 60_000);

afterAll(async () => {
  await workers?.stop();
  await h?.stop();
  await node?.close();
});

/** The steps of `node add` as the bot names them (en.ftl), in the order they run. */
const STEP_NAMES = [
  'Host key',
  'SSH login',
  'Node check',
  'Xray upload',
  'Config upload',
  'Config check on the node',
  'Core start',
  'Core API',
  'Keys',
  'Ready',
];
const STEP = new RegExp(`^(⏳|✅|➖|❌) (${STEP_NAMES.join('|')})(:|$)`);

/** The step lines of a progress text, as `✅ Host key`. */
const stepsOf = (text: string) =>
  text
    .split('\n')
    .map((line) => STEP.exec(line))
    .filter((m) => m !== null)
    .map((m) => `${m[1]} ${m[2]}`);

/**
 * Goes through the dialog up to the confirmation, presses Add; resolves with the edits of the
 * progress message once its outcome is shown, and the calls made to the chat meanwhile.
 */
async function addNode(remoteDir: string, beforeAdd: () => unknown = () => {}) {
  await h.send(OWNER, '/admin');
  await h.press(OWNER, '🌍 Nodes');
  expect(await h.press(OWNER, '➕ Add node')).toMatch(/Name\?/);
  expect(await h.send(OWNER, 'fra')).toMatch(/Name shown to users/);
  expect(await h.send(OWNER, 'Frankfurt')).toMatch(/How does xkeeper reach it\?/);
  expect(await h.send(OWNER, `root@${node.address}`)).toMatch(/Directory for xkeeper's files on the node/);
  expect(await h.send(OWNER, 'relative/dir')).toMatch(/Send an absolute path/);
  const summary = await h.send(OWNER, remoteDir);
  expect(summary).toContain(`The node's SSH host key: ${node.hostKey}`);
  expect(summary).toContain(`Directory on the node: ${remoteDir}`);

  const from = h.fake.calls.length;
  await beforeAdd();
  expect(await h.press(OWNER, '➕ Add node')).toBe('⏳ Adding node fra…');
  const progress = h.fake.lastMessageTo(OWNER.id)!;
  const outcome = await h.fake.waitForCall(
    (c) =>
      c.method === 'editMessageText' &&
      c.params.message_id === progress.message_id &&
      /Node fra added|did not work/.test(stripTags(String(c.params.text))),
    { timeoutMs: 120_000, after: from },
  );
  await h.settle();
  const calls = h.fake.calls.slice(from);
  const edits = calls.filter((c) => c.method === 'editMessageText');
  return {
    progress,
    outcome: stripTags(String(outcome.params.text)),
    edits,
    /** What the bot sent to the chat besides the "Adding…" message. */
    sentAfter: calls.filter((c) => c.method === 'sendMessage' && c.params.chat_id === OWNER.id).slice(1),
  };
}

/** Each edit lists the steps of the one before in the same order, maybe more (and marks moved on). */
function expectGrowingSteps(edits: FakeCall[]) {
  const names = edits.map((e) => stepsOf(stripTags(String(e.params.text))).map((s) => s.slice(2)));
  for (let i = 1; i < names.length; i++) {
    expect(names[i]!.slice(0, names[i - 1]!.length)).toEqual(names[i - 1]);
  }
}

describe('add-node dialog over SSH, with live progress', { timeout: 300_000 }, () => {
  it("fails at the SSH login while xkeeper's key is not on the node: ❌ names the step, no node", async () => {
    const remoteDir = path.join(node.dir, 'xk-refused');
    const { outcome, edits, progress } = await addNode(remoteDir);
    expect(edits.every((e) => e.params.message_id === progress.message_id)).toBe(true);
    expect(stepsOf(outcome)).toEqual(['✅ Host key', '❌ SSH login']);
    expect(outcome).toContain(`✅ Host key: root@${node.address}:22 ${node.hostKey}`);
    expect(outcome).toMatch(/❌ SSH login: root@.+ refused xkeeper's key\. Add this line to root's/);
    expect(outcome).toContain((await loadOrCreateSshKey(h.dataDir)).publicLine());
    expect(outcome).toMatch(/That did not work \(NODE_AUTH_FAILED\)/);
    expect(h.services.nodes.find('fra')).toBeNull();
    // The dialog asks for a name again.
    expect(h.lastText(OWNER)).toMatch(/New node\nName\?/);
  });

  it('fails at the SSH login when the node stopped answering after its host key was read', async () => {
    const { outcome } = await addNode(path.join(node.dir, 'xk-gone'), () => node.stop());
    await node.start();
    expect(stepsOf(outcome)).toEqual(['✅ Host key', '❌ SSH login']);
    expect(outcome).toMatch(/❌ SSH login: cannot reach root@.+:22 over SSH: ECONNREFUSED/);
    expect(outcome).toMatch(/That did not work \(NODE_UNREACHABLE\)/);
    expect(h.services.nodes.find('fra')).toBeNull();
  });

  it('walks through every step on one message, throttled, and ends with the ready node', async () => {
    node.authorize((await loadOrCreateSshKey(h.dataDir)).publicLine());
    const remoteDir = path.join(node.dir, 'xk-bot');
    const { outcome, edits, progress, sentAfter } = await addNode(remoteDir, () =>
      // A progress edit Telegram finds unchanged must not break the dialog.
      h.fake.failNext('editMessageText', {
        error_code: 400,
        description:
          'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message',
      }),
    );

    // One message: every edit is of the progress message, nothing else was sent meanwhile.
    expect(edits.every((e) => e.params.message_id === progress.message_id)).toBe(true);
    expect(sentAfter).toEqual([]);
    // Live: steps were shown before the outcome, growing in the order they ran (a fast machine
    // adds a node in about 2 s: one progress edit, then the outcome a second later).
    expect(edits.length).toBeGreaterThanOrEqual(2);
    expect(stepsOf(stripTags(String(edits[0]!.params.text))).length).toBeGreaterThan(0);
    expectGrowingSteps(edits);
    // At most about one edit a second (steps that finish faster are coalesced).
    for (let i = 1; i < edits.length; i++) {
      expect(edits[i]!.at - edits[i - 1]!.at).toBeGreaterThanOrEqual(900);
    }
    // Some edit showed a step still running.
    expect(edits.some((e) => String(e.params.text).includes('⏳ '))).toBe(true);

    expect(stepsOf(outcome)).toEqual([
      '✅ Host key',
      '✅ SSH login',
      '✅ Node check',
      '➖ Xray upload',
      '✅ Config upload',
      '✅ Config check on the node',
      '✅ Core start',
      '✅ Core API',
      '✅ Keys',
      '✅ Ready',
    ]);
    expect(outcome).toContain(`✅ Host key: root@${node.address}:22 ${node.hostKey}`);
    expect(outcome).toContain('✅ Keys: 1 keys in its config');
    expect(outcome).toMatch(
      /✅ Ready: node fra ready\n\n✅ Node fra added\.\n\n🌍 Frankfurt \(fra\)\n🟢 up since/,
    );
    expect(outcome).toMatch(/Load: memory .+ · CPU .+ · RTT \d+ ms/);
    expect(
      h.fake
        .lastMessageTo(OWNER.id)
        ?.reply_markup?.inline_keyboard.flat()
        .map((b) => b.text),
    ).toContain('🩺 Check');
    expect(h.services.nodes.get('fra')).toMatchObject({
      transport: 'ssh',
      sshHostKey: node.hostKey,
      remoteDir,
      displayName: 'Frankfurt',
    });
  });

  it("restarts the node's core over SSH only after a confirmation", async () => {
    // The card of the node the test before made, and its core's process.
    const pidFile = path.join(node.dir, 'xk-bot', 'core.pid');
    const before = readFileSync(pidFile, 'utf8').trim();
    expect(await h.press(OWNER, '♻️ Restart')).toMatch(
      /Restart the core of Frankfurt \(fra\)\? Every connection through it drops for a few seconds\./,
    );
    expect(readFileSync(pidFile, 'utf8').trim()).toBe(before);
    const done = await h.press(OWNER, '✅ Yes');
    expect(done).toMatch(/✅ Restart: done/);
    expect(done).toMatch(/🟢 up since/);
    const after = readFileSync(pidFile, 'utf8').trim();
    expect(after).not.toBe(before);
    // The old process is gone, a new one runs.
    expect(existsSync(`/proc/${after}`)).toBe(true);
    expect(existsSync(`/proc/${before}`)).toBe(false);
  });
});
