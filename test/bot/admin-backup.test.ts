import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Api } from 'grammy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileLimits, sendBackup } from '../../src/bot/features/admin/backups.ts';
import { jobSpecs } from '../../src/jobs/index.ts';
import { OWNER, startAdminBot, until, USER, type AdminHarness } from './admin-harness.ts';

let h: AdminHarness;
const en = { t: (key: string) => key };

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
async function uploadForRestore(data: Buffer): Promise<string> {
  await h.settle();
  h.fake.sendDocument(OWNER, { filename: 'backup.tar.gz', data, caption: '/restore' });
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
});
