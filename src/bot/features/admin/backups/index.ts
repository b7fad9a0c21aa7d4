/**
 * Backups in Telegram: `/backup` sends a fresh archive as a document (owners; admins too
 * when the owners allow it: the archive holds every secret); an archive sent with the
 * caption `/restore` is downloaded, checked and previewed, and restored only on an owner's
 * confirmation (then the core is re-synced). The live admins stay unless the owner picks
 * the archive's explicitly. A bad file is refused and nothing changes.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream } from 'node:stream/web';
import { Composer, InlineKeyboard, InputFile, type Api, type MiddlewareFn } from 'grammy';
import type { Config } from '../../../../config.ts';
import type { BackupResult, RestorePreview } from '../../../../services/backups.service.ts';
import { isAppError } from '../../../../services/errors.ts';
import type { BotContext } from '../../../context.ts';
import { commandOf } from '../../../middlewares/admin.ts';
import { assertPrivateChat } from '../../../middlewares/private-chat.ts';
import {
  callbackData,
  esc,
  formatBytes,
  formatDateTime,
  HTML,
  localeOf,
  oneOf,
  onButton,
  show,
  underPrefix,
  word,
  type Screen,
  type Translator,
} from '../../../kit/index.ts';
import { actorOf, menuButton, type AdminDeps } from '../common.ts';

export const backupsButton = callbackData('a:bk');
const backupNowButton = callbackData('a:bk:new');
/** An uploaded archive waits under this token for an owner's decision. */
const uploadToken = word('[0-9a-f]{16}');
const restoreButton = callbackData('a:rs', { token: uploadToken });
/** Restore taking the archive's admins (`ar`), or cancel (`no`). */
const restoreChoiceButton = callbackData('a:rs', { choice: oneOf(['ar', 'no']), token: uploadToken });

const MB = 1024 * 1024;
/** Uploads nobody confirmed are removed after this long. */
const STALE_UPLOAD_MS = 24 * 3600_000;

/**
 * What the Bot API lets a bot upload and download. Telegram's cloud: 50 MB up, 20 MB down;
 * a self-hosted Bot API server (`TELEGRAM_API_ROOT`) allows 2000 MB both ways.
 */
export function fileLimits(config: Pick<Config, 'TELEGRAM_API_ROOT'>): { upload: number; download: number } {
  const cloud = new URL(config.TELEGRAM_API_ROOT).hostname === 'api.telegram.org';
  return cloud ? { upload: 50 * MB, download: 20 * MB } : { upload: 2000 * MB, download: 2000 * MB };
}

function countsText(ctx: Translator, counts: Record<string, number>): string {
  return ctx.t('admin-backup-counts', {
    keys: counts.keys ?? 0,
    users: counts.telegram_users ?? 0,
    apiKeys: counts.api_keys ?? 0,
    events: counts.events ?? 0,
  });
}

/**
 * Sends a backup archive as a document, or — when it is over the upload limit — says so
 * and where the archive is kept on the server.
 */
export async function sendBackup(
  api: Api,
  chatId: number,
  backup: BackupResult,
  ctx: Translator,
  config: Pick<Config, 'TELEGRAM_API_ROOT'>,
): Promise<void> {
  assertPrivateChat(chatId); // the archive holds every secret: never into a group
  const limit = fileLimits(config).upload;
  const locale = localeOf(ctx);
  if (backup.bytes > limit) {
    const text = ctx.t('admin-backup-too-large', {
      size: formatBytes(backup.bytes, locale),
      limit: formatBytes(limit, locale),
      file: esc(backup.file),
    });
    await api.sendMessage(chatId, text, HTML);
    return;
  }
  const caption = [
    ctx.t('admin-backup-caption', {
      date: formatDateTime(backup.created_at, locale),
      size: formatBytes(backup.bytes, locale),
    }),
    countsText(ctx, backup.counts),
  ].join('\n');
  await api.sendDocument(chatId, new InputFile(backup.file, path.basename(backup.file)), {
    caption,
    parse_mode: 'HTML',
  });
}

/**
 * The preview with its buttons. `liveAdmins`: who is admin now; when the archive names
 * others, a separate button restores with the archive's admins.
 */
function previewView(ctx: Translator, preview: RestorePreview, token: string, liveAdmins: number[]): Screen {
  const lines = [
    ctx.t('admin-restore-preview', {
      date: formatDateTime(preview.manifest.created_at, localeOf(ctx)),
      version: esc(preview.manifest.app_version),
    }),
    countsText(ctx, preview.counts),
  ];
  if (preview.newest_event) {
    lines.push(
      ctx.t('admin-restore-newest-event', {
        type: esc(preview.newest_event.type),
        date: formatDateTime(preview.newest_event.at, localeOf(ctx)),
      }),
    );
  }
  lines.push(ctx.t('admin-restore-warning'), ctx.t('admin-restore-keeps'));
  const keyboard = new InlineKeyboard().text(ctx.t('admin-btn-restore'), restoreButton.pack({ token }));
  if (preview.admins.join() !== liveAdmins.join()) {
    lines.push(ctx.t('admin-restore-archive-admins', { admins: preview.admins.join(', ') || '—' }));
    keyboard
      .row()
      .text(ctx.t('admin-btn-restore-with-admins'), restoreChoiceButton.pack({ choice: 'ar', token }))
      .row();
  }
  keyboard.text(ctx.t('admin-btn-cancel'), restoreChoiceButton.pack({ choice: 'no', token }));
  return { text: lines.join('\n'), keyboard };
}

/** Why a check or restore failed: a refused archive says why, anything else is in the log. */
function failureView(ctx: BotContext, error: unknown): Screen {
  if (isAppError(error, 'BACKUP_INVALID')) {
    return { text: ctx.t('admin-restore-invalid', { reason: esc(error.message) }) };
  }
  ctx.log.error({ err: error }, 'restore failed');
  return { text: ctx.t('admin-restore-failed') };
}

/** `requireOwner` comes from the admin guard. */
export function backupsFeature(
  deps: AdminDeps,
  requireOwner: MiddlewareFn<BotContext>,
): Composer<BotContext> {
  const { services, config } = deps;
  const feature = new Composer<BotContext>();
  const incoming = path.join(config.dataDir, 'backups', 'incoming');
  const uploadOf = (token: string) => path.join(incoming, `${token}.tar.gz`);

  /** Owners may take a backup; other admins only when the owners allow it (a setting). */
  const mayBackUp = (ctx: BotContext) =>
    ctx.role === 'owner' || services.settings.get('backupsForAdmins') === true;
  const backupRight: MiddlewareFn<BotContext> = (ctx, next) =>
    mayBackUp(ctx) ? next() : requireOwner(ctx, next);
  const liveAdmins = () =>
    services.admins
      .listAdmins()
      .filter((a) => a.role === 'admin')
      .map((a) => a.telegram_id)
      .sort((a, b) => a - b);

  async function backupNow(ctx: BotContext): Promise<void> {
    const progress = await ctx.reply(ctx.t('admin-backup-running'));
    const backup = await services.backups.create({ actor: actorOf(ctx) });
    await sendBackup(ctx.api, ctx.chat!.id, backup, ctx, config);
    await ctx.api.deleteMessage(progress.chat.id, progress.message_id).catch(() => undefined);
  }

  function backupsView(ctx: BotContext): Screen {
    const archives = services.backups.list().slice(0, 5);
    const lines = [ctx.t('admin-backups-title')];
    for (const archive of archives) {
      lines.push(
        `• <code>${esc(path.basename(archive.file))}</code> — ${formatBytes(archive.bytes, localeOf(ctx))}`,
      );
    }
    if (archives.length === 0) lines.push(ctx.t('admin-backups-none'));
    lines.push(ctx.t('admin-backups-hint'));
    const keyboard = new InlineKeyboard();
    if (mayBackUp(ctx)) keyboard.text(ctx.t('admin-btn-backup-now'), backupNowButton.pack({})).row();
    keyboard.text(ctx.t('admin-btn-menu'), menuButton.pack({}));
    return { text: lines.join('\n'), keyboard };
  }

  /** Downloads a document into DATA_DIR/backups/incoming; returns its token. */
  async function download(ctx: BotContext, fileId: string): Promise<string> {
    const file = await ctx.api.getFile(fileId);
    if (!file.file_path) throw new Error('Telegram gave no file path for the upload');
    await mkdir(incoming, { recursive: true });
    await removeStaleUploads();
    const token = randomBytes(8).toString('hex');
    // The URL holds the bot token: it is never logged.
    const response = await fetch(`${config.TELEGRAM_API_ROOT}/file/bot${config.BOT_TOKEN}/${file.file_path}`);
    if (!response.ok || !response.body)
      throw new Error(`downloading the upload failed: HTTP ${response.status}`);
    await pipeline(Readable.fromWeb(response.body as ReadableStream), createWriteStream(uploadOf(token)));
    return token;
  }

  async function removeStaleUploads(): Promise<void> {
    const now = Date.now();
    for (const name of await readdir(incoming)) {
      const file = path.join(incoming, name);
      if (now - (await stat(file)).mtimeMs > STALE_UPLOAD_MS) await rm(file, { force: true });
    }
  }

  feature.command('backup', backupRight, backupNow);
  feature.callbackQuery(backupNowButton.pattern, backupRight, backupNow);
  onButton(feature, backupsButton, (ctx) => show(ctx, backupsView(ctx)));

  // `/restore` comes as the caption of a document, which bot.command() does not see.
  const isRestore = (ctx: BotContext) => commandOf(ctx.message?.text ?? ctx.message?.caption) === 'restore';
  feature.on('message').filter(isRestore, requireOwner, async (ctx) => {
    const document = ctx.message.document;
    if (!document) return void (await ctx.reply(ctx.t('admin-restore-usage')));
    const limit = fileLimits(config).download;
    if ((document.file_size ?? 0) > limit) {
      return void (await ctx.reply(
        ctx.t('admin-restore-too-large', { limit: formatBytes(limit, localeOf(ctx)) }),
      ));
    }
    const progress = await ctx.reply(ctx.t('admin-restore-checking'));
    const edit = (view: Screen) =>
      ctx.api.editMessageText(progress.chat.id, progress.message_id, view.text, {
        reply_markup: view.keyboard,
      });
    let token: string | undefined;
    try {
      token = await download(ctx, document.file_id);
      const preview = await services.backups.preview(uploadOf(token));
      await edit(previewView(ctx, preview, token, liveAdmins()));
    } catch (error) {
      if (token) await rm(uploadOf(token), { force: true });
      await edit(failureView(ctx, error));
    }
  });

  // Restoring is an owner's decision, confirming and cancelling alike.
  const owners = feature.callbackQuery(underPrefix(restoreButton.prefix), requireOwner);
  onButton(owners, restoreButton, (ctx, { token }) => restore(ctx, token, false));
  onButton(owners, restoreChoiceButton, async (ctx, { choice, token }) => {
    if (choice === 'ar') return restore(ctx, token, true);
    await rm(uploadOf(token), { force: true });
    await show(ctx, { text: ctx.t('admin-restore-cancelled') });
  });

  async function restore(ctx: BotContext, token: string, withRoles: boolean): Promise<void> {
    const file = uploadOf(token);
    if (!existsSync(file)) {
      return void (await show(ctx, { text: ctx.t('admin-restore-expired') }));
    }
    try {
      await show(ctx, { text: ctx.t('admin-restore-running') });
      const result = await services.backups.restore(file, actorOf(ctx), { withRoles });
      await rm(file, { force: true }); // done with the upload before anyone is told
      await show(ctx, { text: ctx.t('admin-restore-syncing') });
      let synced = false;
      if (deps.system) {
        synced = await deps.system.sync().then(
          () => true,
          (err: unknown) => (ctx.log.warn({ err }, 'core sync after restore failed'), false),
        );
      }
      const lines = [
        ctx.t('admin-restore-done', {
          date: formatDateTime(result.manifest.created_at, localeOf(ctx)),
          previous: esc(path.basename(result.previous)),
        }),
        countsText(ctx, result.counts),
        ctx.t(withRoles ? 'admin-restore-admins-taken' : 'admin-restore-admins-kept', {
          admins: result.admins.join(', ') || '—',
        }),
      ];
      if (!synced) lines.push(ctx.t('admin-restore-not-synced'));
      await show(ctx, { text: lines.join('\n') });
    } catch (error) {
      await rm(file, { force: true });
      await show(ctx, failureView(ctx, error)); // the "Restoring…" message says why
    } finally {
      await rm(file, { force: true });
    }
  }

  return feature;
}
