/**
 * The admin bot's Nodes section through the fake Telegram Bot API: the list with each node's
 * state, a node's card and its actions (check and sync against a fake Xray API driven by the
 * real workers), removal after a confirmation, the add-node dialog, /status, and the guard.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wireNodes } from '../../src/core-wiring.ts';
import type { NodeWorkers } from '../../src/services/node-workers.ts';
import { startFakeXray, type FakeXray } from '../core/fake-xray.ts';
import { OWNER, USER, startAdminBot, type AdminHarness } from '../helpers/admin-harness.ts';
import { silentLogger } from '../helpers/db.ts';

let h: AdminHarness;
let xray: FakeXray;
let workers: NodeWorkers;

beforeAll(async () => {
  h = await startAdminBot();
  xray = await startFakeXray();
  workers = wireNodes(h.services, silentLogger, { intervalMs: 60_000, maxBackoffMs: 300, timeoutMs: 300 });
  const { nodes } = h.services;
  nodes.ensureLocal();
  await h.services.keys.create({ name: 'alice' }, 'test');
  const de = nodes.create(
    { name: 'de', displayName: 'Frankfurt', transport: 'direct', direct: `127.0.0.1:${xray.port}` },
    'test',
  );
  const fr = nodes.create(
    { name: 'fr', displayName: 'Paris', transport: 'direct', direct: '127.0.0.1:9' },
    'test',
  );
  nodes.recordHealth(de.id, {
    ok: true,
    rttMs: 12,
    version: '25.1.1',
    usersInCore: 7,
    memoryBytes: 50 * 2 ** 20,
  });
  for (let i = 0; i < 3; i++) nodes.recordHealth(fr.id, { ok: false, error: 'connection refused' });
  // Today (the harness clock's day, the 1st of a month) and the last day of the month before.
  const usage = h.db.$client.prepare(
    'INSERT INTO node_usage_daily (node_id, day, upload_bytes, download_bytes) VALUES (?, ?, ?, ?)',
  );
  const today = h.services.clock.now();
  usage.run(de.id, today.toISOString().slice(0, 10), 2 * 2 ** 30, 2 ** 30);
  usage.run(de.id, new Date(today.getTime() - 86_400_000).toISOString().slice(0, 10), 2 ** 30, 0);
});
afterAll(async () => {
  await workers.stop();
  xray.close();
  await h.stop();
});

const openNodes = async () => {
  await h.send(OWNER, '/admin');
  return h.press(OWNER, '🌍 Nodes');
};

describe('admin nodes', () => {
  it('lists local and the direct nodes with their states', async () => {
    const list = await openNodes();
    expect(list).toMatch(/Nodes: 3/);
    expect(list).toMatch(/❔ unknown · local \(local\)/);
    expect(list).toMatch(/🟢 up since .+ · Frankfurt \(de\) · users: 7/);
    expect(list).toMatch(/🔴 down since .+ · Paris \(fr\) · users: —/);
  });

  it("shows a node's card and disables and enables it", async () => {
    await openNodes();
    const card = await h.press(OWNER, '🟢 Frankfurt');
    expect(card).toMatch(/Frankfurt \(de\)\n🟢 up since/);
    expect(card).toMatch(/Core: 25\.1\.1 · users in core: 7/);
    expect(card).toMatch(/Traffic: today 3 GB · this month 3 GB/);
    expect(card).toMatch(/Load: memory 50 MB · CPU — · RTT 12 ms/);
    expect(card).toMatch(/Reached directly \(users and traffic only\): 127\.0\.0\.1:\d+/);

    expect(await h.pressForAnswer(OWNER, '⏸ Disable')).toMatch(/Node disabled/);
    expect(h.services.nodes.get('de').enabled).toBe(false);
    await h.settle();
    expect(h.lastText(OWNER)).toMatch(/⚪ disabled/);
    expect(await h.pressForAnswer(OWNER, '▶️ Enable')).toMatch(/Node enabled/);
    expect(h.services.nodes.get('de').enabled).toBe(true);
  });

  it('checks and syncs a direct node through its worker', async () => {
    await openNodes();
    await h.press(OWNER, '🟢 Frankfurt');
    const checked = await h.press(OWNER, '🩺 Check');
    expect(checked).toMatch(/✅ Check: done · users added 1, removed 0/);
    expect([...xray.users.values()].map((u) => u.email)).toEqual(['alice']);
    expect(await h.press(OWNER, '🔁 Sync')).toMatch(/✅ Sync: done · users added 0, removed 0/);
  });

  it('offers no restart of a direct node, whose core its operator runs; a forged one is refused', async () => {
    await openNodes();
    await h.press(OWNER, '🟢 Frankfurt');
    const buttons = h.fake
      .lastMessageTo(OWNER.id)
      ?.reply_markup?.inline_keyboard.flat()
      .map((b) => b.text);
    expect(buttons).toContain('🩺 Check');
    expect(buttons).not.toContain('♻️ Restart');
    const update = h.forgeCallback(OWNER, 'a:n:restart!:de');
    const answer = await h.fake.waitForCall(
      (c) => c.method === 'answerCallbackQuery' && c.params.callback_query_id === update.callback_query!.id,
    );
    expect(answer.params.text).toMatch(
      /xkeeper manages only the users and traffic of direct node de: restart its core on the node/,
    );
  });

  it('shows a sync of a node that does not answer as an error', async () => {
    await openNodes();
    await h.press(OWNER, '🔴 Paris');
    expect(await h.pressForAnswer(OWNER, '🔁 Sync')).toMatch(/The node's core did not answer: node fr:/);
  });

  it('asks before removing, then removes; local refuses', async () => {
    await openNodes();
    await h.press(OWNER, '🔴 Paris');
    expect(await h.press(OWNER, '🗑 Remove')).toMatch(
      /Remove node Paris \(fr\)\? Keys stay; the node's users are removed from it\./,
    );
    expect(h.services.nodes.find('fr')).not.toBeNull();
    expect(await h.pressForAnswer(OWNER, '✅ Yes')).toBe('Node fr removed.');
    expect(h.services.nodes.find('fr')).toBeNull();
    expect(h.services.keys.find('alice')).not.toBeNull();

    await openNodes();
    await h.press(OWNER, '❔ local');
    await h.press(OWNER, '🗑 Remove');
    expect(await h.pressForAnswer(OWNER, '✅ Yes')).toMatch(
      /the local node cannot be removed; disable it instead/,
    );
    expect(h.services.nodes.get('local').enabled).toBe(true);
  });

  it('refuses a forged node callback from a non-admin and changes nothing', async () => {
    for (const data of ['a:n:disable:de', 'a:n:remove!:de', 'a:n:view:de']) {
      const update = h.forgeCallback(USER, data);
      const answer = await h.fake.waitForCall(
        (c) => c.method === 'answerCallbackQuery' && c.params.callback_query_id === update.callback_query!.id,
      );
      expect(answer.params.text).toMatch(/administrators/);
    }
    await h.settle();
    expect(h.services.nodes.get('de').enabled).toBe(true);
  });

  it('adds a direct node in a dialog, with the result on the progress message', async () => {
    await openNodes();
    expect(await h.press(OWNER, '➕ Add node')).toMatch(/New node\nName\?/);
    expect(await h.send(OWNER, 'bad name!')).toMatch(/A node name is 1–32/);
    expect(await h.send(OWNER, 'de')).toMatch(/already exists/);
    expect(await h.send(OWNER, 'nl')).toMatch(/Name shown to users/);
    expect(await h.send(OWNER, 'Amsterdam')).toMatch(/How does xkeeper reach it\?/);
    expect(await h.send(OWNER, 'nowhere')).toMatch(/Send USER@HOST\[:PORT\] \(SSH\) or HOST:PORT/);
    const summary = await h.send(OWNER, `127.0.0.1:${xray.port}`);
    expect(summary).toMatch(/Name: nl\nShown as: Amsterdam\nReached: 127\.0\.0\.1:\d+ \(direct\)/);
    expect(await h.press(OWNER, '➕ Add node')).toMatch(/⏳ Adding node nl…/);
    await h.settle();
    const shown = h.fake.lastMessageTo(OWNER.id)!;
    expect(shown.text).toMatch(/✅ Node nl added\.\n\n🌍 Amsterdam \(nl\)\n🟢 up since/);
    expect(h.services.nodes.get('nl')).toMatchObject({ displayName: 'Amsterdam', transport: 'direct' });
  });

  it("shows a node's CPU and memory on its card, and — where the node has none", async () => {
    const de = h.services.nodes.get('de');
    h.services.nodes.recordHealth(de.id, { ok: true, rttMs: 9, memoryBytes: 80 * 2 ** 20, cpuPercent: 37.4 });
    await openNodes();
    expect(await h.press(OWNER, '🟢 Frankfurt')).toMatch(/Load: memory 80 MB · CPU 37% · RTT 9 ms/);
    await openNodes();
    expect(await h.press(OWNER, '❔ local')).toMatch(/Load: memory — · CPU — · RTT —/);
  });

  it('/status lists every node after the core', async () => {
    const status = await h.send(OWNER, '/status');
    expect(status).toMatch(
      /Nodes:\n❔ unknown · local \(local\)[^\n]*\n🟢 up since [^\n]+ · Frankfurt \(de\) · users: 1/,
    );
    expect(status).toMatch(/Amsterdam \(nl\)/);
  });
});
