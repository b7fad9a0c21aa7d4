import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Api } from 'grammy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileLimits, sendBackup } from '../../src/bot/features/admin/backups/index.ts';
import { jobSpecs } from '../../src/jobs/index.ts';
import { bombArchive, manyEntriesArchive, tamperBackup } from '../helpers/backup-archive.ts';
import { peakRssGrowth } from '../helpers/rss.ts';
import type { FakeUser } from '../helpers/fake-telegram.ts';
import { OWNER, startAdminBot, until, USER, type AdminHarness } from '../helpers/admin-harness.ts';
import type { EventType } from '../../src/services/messages.ts';

let h: AdminHarness;
const en = { t: (key: string) => key };
const ADMIN: FakeUser = { id: 77, first_name: 'Adam', language_code: 'en' };
const NOT_OWNER = 'Only owners (ADMIN_IDS) can do this.';

beforeAll(async () => {
  h = await startAdminBot();
  await h.services.keys.create({ name: 'ann', ownerTelegramId: USER.id }, 'test');
  await h.services.keys.create({ name: 'bob' }, 'test');
  h.services.admins.addAdmin(77, 'test');
});
afterAll(() => h.stop());

const keyNames = () => h.services.keys.list().items.map((k) => k.name);
const incoming = () => {
  const dir = path.join(h.dataDir, 'backups', 'incoming');
  return existsSync(dir) ? readdirSync(dir) : [];
};

/** Uploads a file with the caption /restore; resolves with the bot's verdict (the edited progress message). */
async function uploadForRestore(data: Buffer, user: FakeUser = OWNER): Promise<string> {
  await h.settle();
  h.fake.sendDocument(user, { filename: 'backup.tar.gz', data, caption: '/restore' });
  await h.fake.waitForCall('getFile');
  const verdict = await h.fake.waitForCall('editMessageText');
  return String(verdict.params.text).replace(/<[^>]+>/g, '');
}

describe('backups in the bot', () => {
  it('/backup sends the archive as a document', async () => {
    await h.settle();
    h.fake.sendCommand(OWNER, '/backup');
    const doc = await h.fake.waitForCall('sendDocument');
    expect(doc.params.caption).toMatch(/Backup of .*\nKeys: 2 · people: 3/);
    const copy = path.join(h.dataDir, 'sent.tar.gz');
    writeFileSync(copy, doc.files.document!.data);
    const preview = await h.services.backups.preview(copy);
    expect(preview.counts.keys).toBe(2);
    await h.settle();
    expect(h.fake.lastMessageTo(OWNER.id)?.document).toBeDefined(); // the "making a backup" note is gone
  });

  it('the Backups menu lists the archives on the server', async () => {
    await h.send(OWNER, '/admin');
    const text = await h.press(OWNER, '💾 Backups');
    expect(text).toMatch(/xkeeper-backup-.*\.tar\.gz/);
    expect(text).toMatch(/caption \/restore/);
  });

  it('/restore with a corrupt file is refused and the data is intact', async () => {
    const before = keyNames();
    const verdict = await uploadForRestore(Buffer.from('this is not a backup at all'));
    expect(verdict).toMatch(/This file cannot be restored: .*\nNothing was changed\./);
    expect(keyNames()).toEqual(before);
    expect(h.services.events.list({ type: 'backup.restored' }).total).toBe(0);
    expect(incoming()).toEqual([]);
    expect(h.systemCalls).not.toContain('sync');
  });

  it('/restore with a good file previews, restores on confirm and re-syncs the core', async () => {
    const backup = await h.services.backups.create({ actor: 'test' });
    await h.services.keys.delete('bob', 'test');
    await h.services.keys.create({ name: 'later' }, 'test');
    const preview = await uploadForRestore(readFileSync(backup.file));
    expect(preview).toMatch(/Restore this backup\?/);
    expect(preview).toMatch(/Keys: 2/);
    expect(keyNames()).not.toContain('bob'); // nothing happens before the confirmation

    expect(await h.press(OWNER, '♻️ Restore')).toBe('♻️ Restoring…');
    await until(() => /The previous data is kept/.test(h.lastText(OWNER)));
    expect(h.lastText(OWNER)).toMatch(/The previous data is kept as pre-restore-/);
    expect(keyNames().sort()).toEqual(['ann', 'bob']);
    expect(h.systemCalls).toContain('sync');
    expect(h.services.events.list({ type: 'backup.restored' }).items[0]?.actor).toBe('tg:1');
    expect(incoming()).toEqual([]);
    // The upload is gone: a second press is harmless.
    await h.settle();
    h.forgeCallback(OWNER, 'a:rs:0123456789abcdef', h.fake.lastMessageTo(OWNER.id));
    const again = await h.fake.waitForReply(OWNER.id);
    expect(again.params.text).toMatch(/This upload is gone/);
  });

  it('a cancelled restore deletes the upload and changes nothing', async () => {
    const backup = await h.services.backups.create({ actor: 'test' });
    await h.services.keys.create({ name: 'kept' }, 'test');
    await uploadForRestore(readFileSync(backup.file));
    expect(incoming()).toHaveLength(1);
    expect(await h.press(OWNER, '✖ Cancel')).toBe('Restore cancelled; nothing was changed.');
    expect(incoming()).toEqual([]);
    expect(keyNames()).toContain('kept');
  });

  it('/restore without a file explains how', async () => {
    expect(await h.send(OWNER, '/restore')).toBe(
      'Send a backup archive as a file with the caption /restore.',
    );
  });

  it("restore is an owner action: an admin's /restore and confirm buttons are refused", async () => {
    const backup = await h.services.backups.create({ actor: 'test' });
    await h.settle();
    const calls = h.fake.calls.length;
    h.fake.sendDocument(ADMIN, {
      filename: 'b.tar.gz',
      data: readFileSync(backup.file),
      caption: '/restore',
    });
    expect((await h.fake.waitForReply(ADMIN.id)).params.text).toBe(NOT_OWNER);
    await h.settle();
    expect(h.fake.calls.slice(calls).some((c) => c.method === 'getFile')).toBe(false);

    // An upload an owner is looking at: the admin cannot confirm (or cancel) it.
    await h.services.keys.create({ name: 'newer' }, 'test');
    await uploadForRestore(readFileSync(backup.file));
    const token = incoming()[0]!.replace('.tar.gz', '');
    for (const data of [`a:rs:${token}`, `a:rs:ar:${token}`, `a:rs:no:${token}`]) {
      await h.settle();
      const update = h.forgeCallback(ADMIN, data);
      const answer = await h.fake.waitForCall(
        (c) => c.method === 'answerCallbackQuery' && c.params.callback_query_id === update.callback_query!.id,
      );
      expect(answer.params.text).toBe(NOT_OWNER);
    }
    await h.settle();
    expect(keyNames()).toContain('newer');
    expect(incoming()).toEqual([`${token}.tar.gz`]);
    expect(await h.press(OWNER, '✖ Cancel')).toBe('Restore cancelled; nothing was changed.');
  });

  it("a restore keeps the live admins and events; the archive's admins only by their own button", async () => {
    const backup = await h.services.backups.create({ actor: 'test' });
    // A hostile admin's edit of a downloaded archive: a friend of theirs made admin.
    const forged = readFileSync(
      await tamperBackup(
        backup.file,
        "INSERT INTO telegram_users (id, role) VALUES (666, 'admin')",
        path.join(h.dataDir, 'forged.tar.gz'),
      ),
    );
    h.services.events.record({ type: 'test.after_backup' as EventType, actor: 'test' });
    const events = h.db.$client.prepare('SELECT id, type FROM events ORDER BY id').all();

    const preview = await uploadForRestore(forged);
    expect(preview).toMatch(/The admins and the event log stay as they are now/);
    expect(preview).toMatch(/The archive names other admins: 77, 666/);
    expect(h.buttons(OWNER)).toEqual(['♻️ Restore', "♻️ Restore with the archive's admins", '✖ Cancel']);
    await h.press(OWNER, '♻️ Restore');
    await until(() => /Admins \(kept\): 77/.test(h.lastText(OWNER)));
    expect(h.services.admins.roleOf(666)).toBe('user');
    expect(h.services.admins.roleOf(ADMIN.id)).toBe('admin');
    const after = h.db.$client.prepare('SELECT id, type FROM events ORDER BY id').all();
    expect(after.slice(0, events.length)).toEqual(events);
    expect(after.slice(events.length)).toMatchObject([{ type: 'backup.restored' }]);

    await uploadForRestore(forged);
    await h.press(OWNER, "♻️ Restore with the archive's admins");
    await until(() => /Admins \(from the archive\): 77, 666/.test(h.lastText(OWNER)));
    expect(h.services.admins.roleOf(666)).toBe('admin');
    h.services.admins.removeAdmin(666, 'test');
  });

  it('the scheduled backup goes to every owner as a document, not to other admins', async () => {
    await h.settle();
    const job = jobSpecs(h.services).find((j) => j.name === 'scheduled-backup')!;
    await job.run();
    await h.services.outbox.deliverDue();
    const docs = h.fake.calls.filter((c) => c.method === 'sendDocument' && c.params.caption);
    expect(docs.at(-1)?.params.chat_id).toBe(OWNER.id);
    expect(docs.some((c) => c.params.chat_id === 77)).toBe(false);
  });

  it('refuses clearly to upload an archive over the Bot API limit', async () => {
    expect(fileLimits({ TELEGRAM_API_ROOT: 'https://api.telegram.org' })).toEqual({
      upload: 50 * 2 ** 20,
      download: 20 * 2 ** 20,
    });
    expect(fileLimits({ TELEGRAM_API_ROOT: 'http://127.0.0.1:8081' }).upload).toBe(2000 * 2 ** 20);
    const api = new Api(h.fake.token, { apiRoot: h.fake.apiRoot });
    const huge = { file: '/data/backups/huge.tar.gz', bytes: 60 * 2 ** 20, created_at: '', counts: {} };
    await h.settle();
    await sendBackup(api, OWNER.id, huge, en, { TELEGRAM_API_ROOT: 'https://api.telegram.org' });
    const call = h.fake.calls.at(-1)!;
    expect(call.method).toBe('sendMessage');
    expect(call.params.text).toBe('admin-backup-too-large');
  });

  it('/backup is for owners unless an owner lets admins take it in Settings', async () => {
    expect(await h.send(ADMIN, '/backup')).toBe(NOT_OWNER);
    await h.send(ADMIN, '/admin');
    await h.press(ADMIN, '💾 Backups');
    expect(h.buttons(ADMIN)).not.toContain('💾 Back up now');
    await h.press(ADMIN, '« Menu');
    await h.press(ADMIN, '⚙️ Settings');
    expect(h.lastText(ADMIN)).toMatch(/Backups \(\/backup\): owners only/);
    expect(h.buttons(ADMIN)).not.toContain('💾 Let admins take backups');
    await h.settle();
    const forged = h.forgeCallback(ADMIN, 'a:se:bk:on');
    const answer = await h.fake.waitForCall(
      (c) => c.method === 'answerCallbackQuery' && c.params.callback_query_id === forged.callback_query!.id,
    );
    expect(answer.params.text).toBe(NOT_OWNER);
    expect(h.services.settings.get('backupsForAdmins')).toBe(false);

    await h.send(OWNER, '/admin');
    expect(await h.press(OWNER, '⚙️ Settings')).toMatch(/Backups \(\/backup\): owners only/);
    expect(await h.press(OWNER, '💾 Let admins take backups')).toMatch(
      /Backups \(\/backup\): owners and admins/,
    );
    await h.settle();
    h.fake.sendCommand(ADMIN, '/backup');
    const doc = await h.fake.waitForCall((c) => c.method === 'sendDocument' && c.params.chat_id === ADMIN.id);
    expect(doc.params.caption).toMatch(/Backup of/);
    await h.press(OWNER, '💾 Backups for owners only');
    expect(h.services.settings.get('backupsForAdmins')).toBe(false);
  });

  describe('hostile archives', () => {
    // The bot runs in this process: unpacking goes to os.tmpdir(), pointed here.
    const scratch = () => path.join(h.dataDir, 'scratch');
    const ourTempFiles = () => readdirSync(scratch()).filter((name) => name.startsWith('xkeeper-'));
    let saved: string | undefined;
    beforeAll(() => {
      mkdirSync(scratch());
      saved = process.env.TMPDIR;
      process.env.TMPDIR = scratch();
    });
    afterAll(() => (saved === undefined ? delete process.env.TMPDIR : (process.env.TMPDIR = saved)));

    it('/restore with a bomb or 100 000 entries is refused in bounded memory, leaving no files', async () => {
      const before = keyNames();
      const cases = [
        [bombArchive(path.join(h.dataDir, 'bomb.tar.gz'), 2 ** 30), /more than 100 times its size/],
        [manyEntriesArchive(path.join(h.dataDir, 'many.tar.gz'), 100_000), /more than 8 entries/],
      ] as const;
      for (const [file, reason] of cases) {
        let verdict = '';
        const growth = await peakRssGrowth(
          async () => (verdict = await uploadForRestore(readFileSync(file))),
        );
        console.log(`/restore ${path.basename(file)}: bot process peak RSS growth ${growth.toFixed(1)} MiB`);
        expect(verdict).toMatch(/This file cannot be restored: /);
        expect(verdict).toMatch(reason);
        expect(growth).toBeLessThan(100);
        expect(keyNames()).toEqual(before);
        expect(incoming()).toEqual([]);
        expect(ourTempFiles()).toEqual([]);
      }
    });

    it('a restore refused after the preview turns "Restoring…" into the reason and removes the upload', async () => {
      const before = keyNames();
      // An upload swapped for a bomb between the preview and the confirmation.
      const token = 'fedcba9876543210';
      mkdirSync(path.join(h.dataDir, 'backups', 'incoming'), { recursive: true });
      bombArchive(path.join(h.dataDir, 'backups', 'incoming', `${token}.tar.gz`), 2 ** 30);
      await h.settle();
      await h.send(OWNER, '/admin'); // a message under which the (forged) button is pressed
      h.forgeCallback(OWNER, `a:rs:${token}`, h.fake.lastMessageTo(OWNER.id));
      await until(() => /cannot be restored/.test(h.lastText(OWNER)), 20_000);
      const edits = h.fake.calls.filter((c) => c.method === 'editMessageText').slice(-2);
      expect(edits.map((c) => String(c.params.text).replace(/<[^>]+>/g, ''))).toEqual([
        '♻️ Restoring…',
        expect.stringMatching(/This file cannot be restored: .*more than 100 times its size/),
      ]);
      expect(edits[0]!.params.message_id).toBe(edits[1]!.params.message_id);
      expect(incoming()).toEqual([]);
      expect(ourTempFiles()).toEqual([]);
      expect(keyNames()).toEqual(before);
    });
  });
});
