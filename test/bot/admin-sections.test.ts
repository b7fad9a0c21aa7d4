import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OWNER, startAdminBot, until, USER, type AdminHarness } from '../helpers/admin-harness.ts';
import type { EventType } from '../../src/services/messages.ts';

let h: AdminHarness;
const ADMIN = { id: 77, first_name: 'Adam', username: 'adam' };

beforeAll(async () => {
  h = await startAdminBot();
  await h.services.keys.create({ name: 'ann', ownerTelegramId: USER.id }, 'test');
  h.memory.traffic('ann', 5 * 2 ** 20, 15 * 2 ** 20);
  await h.services.traffic.collect();
});
afterAll(() => h.stop());

describe('status', () => {
  it('shows the core, the host, keys, traffic and top keys', async () => {
    const text = await h.send(OWNER, '/status');
    expect(text).toMatch(
      /Core: xray 25\.1\.1 · ✅ running · up 3h 0m · restarts: 1 · memory 40 MB · users: 2/,
    );
    expect(text).toMatch(
      /Host: \d+ CPU · load [\d.]+ \/ [\d.]+ \/ [\d.]+ · RAM .* of .* · disk free .* of .*/,
    );
    expect(text).toMatch(/Keys: ✅ 1 · ⛔ 0 · 📉 0 · ⌛ 0 · ⏳ 0/);
    expect(text).toMatch(/Traffic: today 20 MB · this month 20 MB/);
    expect(text).toMatch(/1\. ann — 20 MB/);
  });

  it('restarts the core only after a confirmation; syncs and checks drift', async () => {
    await h.send(OWNER, '/status');
    expect(await h.press(OWNER, '♻️ Restart core')).toMatch(/Restart the VPN core\?/);
    expect(h.systemCalls).not.toContain('restart');
    expect(await h.press(OWNER, '✖ Cancel')).toMatch(/Server status/);
    expect(h.systemCalls).not.toContain('restart');
    await h.press(OWNER, '♻️ Restart core');
    await h.pressForAnswer(OWNER, '✅ Yes');
    await until(() => h.systemCalls.includes('restart'));
    expect(await h.press(OWNER, '🩺 Check drift')).toMatch(/Missing in the core: ann/);
    await h.press(OWNER, '📊 Status');
    expect(await h.press(OWNER, '🔁 Sync')).toMatch(/Core synced\.[\s\S]*exactly the keys/);
    expect(h.systemCalls).toEqual(expect.arrayContaining(['check', 'sync']));
  });
});

describe('status without a core', () => {
  it('says the core is not available and refuses core actions', async () => {
    const bare = await startAdminBot({ system: null });
    try {
      expect(await bare.send(OWNER, '/status')).toMatch(/The VPN core is not available/);
      expect(await bare.pressForAnswer(OWNER, '🔁 Sync')).toBe('⚠️ The VPN core is not available.');
    } finally {
      await bare.stop();
    }
  });
});

describe('events', () => {
  it('lists newest first, filters by severity and type, pages', async () => {
    for (let i = 0; i < 12; i++)
      h.services.events.record({ type: 'test.ping' as EventType, subject: `n${i}` });
    h.services.events.record({ type: 'core.exited', severity: 'error', subject: 'core' });
    const all = await h.send(OWNER, '/events');
    expect(all.split('\n')[1]).toMatch(/❌ core\.exited/);
    expect(all).toMatch(/Page 1 of \d/);
    expect(await h.press(OWNER, '❌')).toMatch(/Events: 1\n/);
    expect(await h.press(OWNER, 'All')).toMatch(/Events: \d{2}/);
    const pings = await h.press(OWNER, 'test.ping');
    expect(pings).toMatch(/Events: 12\n.*type: test\.ping/);
    expect(pings.split('\n')[2]).toMatch(/test\.ping · n11/);
    expect(await h.press(OWNER, '›')).toMatch(/test\.ping · n1\n[\s\S]*Page 2 of 2/);
    expect(await h.send(OWNER, '/events test.ping info')).toMatch(/Events: 12\n/);
  });
});

describe('settings', () => {
  it('switches the key request policy with a button', async () => {
    await h.send(OWNER, '/admin');
    expect(await h.press(OWNER, '⚙️ Settings')).toMatch(/Key requests: by approval/);
    expect(await h.press(OWNER, 'open')).toMatch(/Key requests: open/);
    expect(h.services.settings.get('keyRequestPolicy')).toBe('open');
    expect(h.services.events.list({ type: 'settings.changed' }).items[0]?.actor).toBe('tg:1');
  });

  it('edits values through a dialog, refusing bad ones', async () => {
    await h.send(OWNER, '/admin');
    await h.press(OWNER, '⚙️ Settings');
    expect(await h.press(OWNER, 'Keys per person')).toMatch(/Now: 1/);
    expect(await h.send(OWNER, '-2')).toBe('That value is not accepted; see the example above.');
    expect(await h.send(OWNER, '3')).toMatch(/Keys per person: 3/);
    expect(h.services.settings.get('maxKeysPerUser')).toBe(3);

    expect(await h.press(OWNER, 'Days they count over')).toMatch(/deleted ones too[\s\S]*Now: 30/);
    expect(await h.send(OWNER, '0')).toMatch(/not accepted/);
    expect(await h.send(OWNER, '7')).toMatch(/Days they count over: 7/);
    expect(h.services.settings.get('selfServiceWindowDays')).toBe(7);

    await h.press(OWNER, 'Traffic notices, %');
    expect(await h.send(OWNER, '50, 120')).toMatch(/not accepted/);
    await h.send(OWNER, '50, 90 100');
    expect(h.services.settings.get('quotaNoticePercents')).toEqual([50, 90, 100]);

    await h.press(OWNER, 'Support contact');
    await h.send(OWNER, '@help_desk');
    expect(h.services.settings.get('supportContact')).toBe('@help_desk');
    await h.press(OWNER, 'Support contact');
    await h.send(OWNER, '-');
    expect(h.services.settings.get('supportContact')).toBe('');

    expect(await h.press(OWNER, 'Order lifetime, minutes')).toMatch(/Now: 60\./);
    expect(await h.send(OWNER, '0')).toBe('That value is not accepted; see the example above.');
    await h.send(OWNER, '30');
    expect(h.services.settings.get('orderLifetimeMinutes')).toBe(30);

    await h.press(OWNER, 'GB of a new key');
    await h.send(OWNER, '0.5');
    expect(h.services.settings.get('defaultKeyTrafficGb')).toBe(0.5);
  });

  it('sets how long a down VPN server stays in subscriptions', async () => {
    await h.send(OWNER, '/admin');
    expect(await h.press(OWNER, '⚙️ Settings')).toMatch(/Hide a down server after, minutes: 10/);
    expect(await h.press(OWNER, 'Hide a down server after, minutes')).toMatch(
      /left out of subscriptions[\s\S]*Now: 10\./,
    );
    expect(await h.send(OWNER, '-1')).toBe('That value is not accepted; see the example above.');
    expect(await h.send(OWNER, '20000')).toBe('That value is not accepted; see the example above.');
    expect(await h.send(OWNER, '30')).toMatch(/Hide a down server after, minutes: 30/);
    expect(h.services.settings.get('hideDownNodeMinutes')).toBe(30);
    const [event] = h.services.events.list({ type: 'settings.changed' }).items;
    expect(event).toMatchObject({ subject: 'hideDownNodeMinutes', actor: 'tg:1' });
  });

  it('changes the REALITY SNI only after a confirmation, then restarts the core', async () => {
    const restarts = () => h.systemCalls.filter((c) => c === 'restart').length;
    const before = restarts();
    await h.send(OWNER, '/admin');
    await h.press(OWNER, '⚙️ Settings');
    await h.press(OWNER, 'REALITY SNI');
    expect(await h.send(OWNER, 'not a host')).toMatch(/not accepted/);
    expect(await h.send(OWNER, 'www.apple.com')).toMatch(/Switch the REALITY SNI to www\.apple\.com\?/);
    expect(await h.press(OWNER, '✖ Cancel')).toBe('Cancelled.');
    const local = () => h.services.nodes.endpoint(h.services.nodes.get('local'));
    expect(local().sni).toBe('www.microsoft.com');

    await h.send(OWNER, '/admin');
    await h.press(OWNER, '⚙️ Settings');
    await h.press(OWNER, 'REALITY SNI');
    await h.send(OWNER, 'www.apple.com');
    expect(await h.press(OWNER, '✅ Yes')).toMatch(/REALITY SNI: www\.apple\.com/);
    // The local node's row holds it now (the nodes migration moved it out of settings).
    expect(local().sni).toBe('www.apple.com');
    expect(local().target).toBe('www.apple.com:443');
    expect(restarts()).toBe(before + 1);
  });
});

describe('admins', () => {
  it('an owner adds an admin by id and removes them after a confirmation', async () => {
    await h.send(OWNER, '/admin');
    expect(await h.press(OWNER, '👥 Admins')).toMatch(/👑 @olga \(1\), owner/);
    expect(await h.press(OWNER, '➕ Add admin')).toMatch(/Forward any message/);
    expect(await h.send(OWNER, 'adam')).toMatch(/Forward a message from the person/);
    expect(await h.send(OWNER, String(ADMIN.id))).toBe('✅ Admin added.');
    expect(h.services.admins.roleOf(ADMIN.id)).toBe('admin');
    await h.settle();
    expect(h.lastText(OWNER)).toMatch(/🛡 77, admin/);

    // The new admin can use admin commands now.
    expect(await h.send(ADMIN, '/users')).toMatch(/Keys: 1/);

    expect(await h.press(OWNER, /Remove/)).toMatch(/Take admin rights from @adam \(77\)\?/);
    expect(await h.pressForAnswer(OWNER, '✅ Yes')).toBe('Admin removed.');
    expect(h.services.admins.roleOf(ADMIN.id)).toBe('user');
    expect(await h.send(ADMIN, '/users')).toBe('This command is for administrators only.');
  });
});

describe('key requests', () => {
  it('lists pending requests and approves or rejects them', async () => {
    h.services.settings.set('keyRequestPolicy', 'approval');
    for (const id of [601, 602]) {
      h.services.admins.touch({ id, username: `asker${id}` });
      await h.services.requests.request(id);
    }
    await h.send(OWNER, '/admin');
    expect(h.buttons(OWNER)).toContain('📨 Requests (2)');
    const list = await h.press(OWNER, '📨 Requests (2)');
    expect(list).toMatch(/Key requests waiting: 2/);
    expect(list).toMatch(/@asker601 \(601\)/);
    const [first, second] = h.services.requests.pending();
    expect(await h.pressForAnswer(OWNER, `✅ #${first!.id}`)).toBe('Approved: key asker601 created.');
    await until(() => h.services.keys.ownedBy(601).length === 1);
    expect(await h.pressForAnswer(OWNER, `❌ #${second!.id}`)).toBe('Request declined.');
    await h.settle();
    expect(h.services.requests.get(second!.id)?.state).toBe('rejected');
    expect(h.lastText(OWNER)).toMatch(/Nothing is waiting/);
  });
});
