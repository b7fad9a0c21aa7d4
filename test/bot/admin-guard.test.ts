import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_COMMANDS } from '../../src/bot/middlewares/admin.ts';
import { OWNER, startAdminBot, USER, type AdminHarness } from '../helpers/admin-harness.ts';

let h: AdminHarness;
const REFUSAL = 'This command is for administrators only.';

beforeAll(async () => {
  h = await startAdminBot();
  await h.services.keys.create({ name: 'ann', ownerTelegramId: USER.id }, 'test');
  await h.services.keys.create({ name: 'dis' }, 'test');
  await h.services.keys.disable('dis', 'test');
  h.services.apiKeys.create({ name: 'ci', scopes: ['users:read'] }, 'test');
  h.services.admins.addAdmin(77, 'test');
  h.services.broadcasts.create({ audience: 'all', text: 'x', createdBy: 1 });
});
afterAll(() => h.stop());

/** Everything an admin action could change. */
function snapshot() {
  const sqlite = h.db.$client;
  const all = (sql: string) => sqlite.prepare(sql).all();
  return {
    keys: all(
      'SELECT name, uuid, status, traffic_limit_bytes, expire_at, upload_bytes, download_bytes, sub_token FROM keys ORDER BY id',
    ),
    apiKeys: all('SELECT id, name, revoked_at, active FROM api_keys ORDER BY id'),
    settings: all('SELECT key, value FROM settings ORDER BY key'),
    roles: all('SELECT id, role FROM telegram_users ORDER BY id'),
    broadcasts: all('SELECT id, state, sent FROM broadcasts ORDER BY id'),
    requests: all('SELECT id, state FROM key_requests ORDER BY id'),
    outbox: all('SELECT id FROM outbox ORDER BY id'),
    conversations: all("SELECT key FROM bot_sessions WHERE key LIKE 'conversation:%'"),
    events: all("SELECT id FROM events WHERE type != 'security.admin_refused' ORDER BY id"),
    backups: readdirSync(h.dataDir).includes('backups') ? readdirSync(path.join(h.dataDir, 'backups')) : [],
    core: [...h.systemCalls],
  };
}

const COMMANDS = [
  '/admin',
  '/users',
  '/users ann',
  '/user ann',
  '/create zed 1 1',
  '/create',
  '/kick ann',
  '/reset ann',
  '/extend ann 5',
  '/limit ann 1',
  '/disable ann',
  '/enable dis',
  '/delete ann',
  '/backup',
  '/restore',
  '/status',
  '/events',
  '/broadcast',
  '/apikeys',
];

const CALLBACKS = [
  'a:m',
  'a:kl:all:1:',
  'a:k:view:ann',
  'a:k:qr:ann',
  'a:k:send:ann',
  'a:k:kick!:ann',
  'a:k:del!:ann',
  'a:k:off:ann',
  'a:k:on:dis',
  'a:k:reset:ann',
  'a:k:ext30:ann',
  'a:k:ext:ann',
  'a:k:limit:ann',
  'a:kc',
  'a:ks',
  'a:rq',
  'a:rq:ok:1',
  'a:rq:no:1',
  'a:st',
  'a:st:restart!',
  'a:st:sync',
  'a:st:check',
  'a:ev:1:all:',
  'a:bc',
  'a:bc:x:1',
  'a:bk',
  'a:bk:new',
  'a:rs:0123456789abcdef',
  'a:rs:no:0123456789abcdef',
  'a:ak',
  'a:ak:new',
  'a:ak:rv!:1',
  'a:del',
  'a:ad',
  'a:ad:add',
  'a:ad:rm!:77',
  'a:se',
  'a:se:pol:open',
  'a:se:ed:realitySni',
  'a:cv:ok',
  'a:cv:v:all',
  'a:unknown',
];

describe('admin role guard', () => {
  it('covers every admin command of the contract', () => {
    const tested = new Set(COMMANDS.map((c) => c.slice(1).split(' ')[0]));
    expect([...ADMIN_COMMANDS].filter((c) => !tested.has(c))).toEqual([]);
  });

  it.each(COMMANDS)('refuses %s to an ordinary user and changes nothing', async (command) => {
    const before = snapshot();
    expect(await h.send(USER, command)).toBe(REFUSAL);
    await h.settle();
    expect(snapshot()).toEqual(before);
  });

  it('refuses /restore as the caption of an uploaded file without downloading it', async () => {
    const before = snapshot();
    await h.settle();
    h.fake.sendDocument(USER, { filename: 'backup.tar.gz', data: Buffer.from('x'), caption: '/restore' });
    const reply = await h.fake.waitForReply(USER.id);
    expect(reply.params.text).toBe(REFUSAL);
    await h.settle();
    expect(h.fake.calls.some((c) => c.method === 'getFile')).toBe(false);
    expect(snapshot()).toEqual(before);
  });

  it.each(CALLBACKS)('refuses the forged callback %s and changes nothing', async (data) => {
    const before = snapshot();
    await h.settle();
    const messages = h.fake.messagesTo(USER.id).length;
    const update = h.forgeCallback(USER, data);
    const answer = await h.fake.waitForCall(
      (c) => c.method === 'answerCallbackQuery' && c.params.callback_query_id === update.callback_query!.id,
    );
    expect(answer.params).toMatchObject({ text: REFUSAL, show_alert: true });
    await h.settle();
    expect(snapshot()).toEqual(before);
    expect(h.fake.messagesTo(USER.id)).toHaveLength(messages);
  });

  it('records refusals as security events, at most one per person a minute', async () => {
    const refusals = () => h.services.events.list({ type: 'security.admin_refused' });
    expect(refusals().total).toBe(1);
    expect(refusals().items[0]).toMatchObject({ actor: 'tg:500', severity: 'warning' });
    await h.send(USER, '/status');
    expect(refusals().total).toBe(1);
    h.clock.advance(61_000);
    await h.send(USER, '/status');
    expect(refusals().total).toBe(2);
    expect(refusals().items[0]?.data).toMatchObject({ attempt: '/status', needed: 'admin', role: 'user' });
  });

  it('lets an ordinary user use the user commands', async () => {
    expect(await h.send(USER, '/start')).not.toBe(REFUSAL);
  });

  it('keeps the Admins menu to owners: an admin is refused and changes nothing', async () => {
    const admin = { id: 77, first_name: 'Adam' };
    expect(await h.send(admin, '/admin')).toMatch(/Administration/);
    expect(h.buttons(admin)).not.toContain('👥 Admins');
    for (const data of ['a:ad', 'a:ad:add', 'a:ad:rm!:77']) {
      const before = snapshot();
      await h.settle();
      const update = h.forgeCallback(admin, data);
      const answer = await h.fake.waitForCall(
        (c) => c.method === 'answerCallbackQuery' && c.params.callback_query_id === update.callback_query!.id,
      );
      expect(answer.params.text).toBe('Only owners (ADMIN_IDS) can do this.');
      await h.settle();
      expect(snapshot()).toEqual(before);
    }
    expect(h.services.admins.roleOf(77)).toBe('admin');
    expect(h.services.admins.roleOf(OWNER.id)).toBe('owner');
  });
});
