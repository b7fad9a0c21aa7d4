/**
 * Backups: a consistent online snapshot of SQLite plus the rendered core config and xkeeper's
 * SSH key (what its nodes trust) in one gzip'd tar with a manifest. Restore checks everything first (format, manifest,
 * integrity_check, schema level), previews, and only then swaps the data in one
 * transaction on the live connection, keeping the previous data as an archive.
 * A restore never rewrites who may administer the bot or what happened: the live admin
 * roles (unless the caller explicitly asks for the archive's) and the live event log stay.
 */
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  copyFileSync,
  renameSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { asc, count, desc, eq, getTableName } from 'drizzle-orm';
import { sshKeyPath } from '../core/remote/ssh-key.ts';
import { openDatabase, type Db } from '../db/client.ts';
import { knownMigrations, latestAppliedMigration, runMigrations } from '../db/migrate.ts';
import { apiKeys, events as eventsTable, keys, orders, telegramUsers } from '../db/schema.ts';
import type { Logger } from '../logger.ts';
import { APP_VERSION } from '../version.ts';
import type { Clock } from './clock.ts';
import { ArchiveRefused, BACKUP_LIMITS, extractArchive } from './backup-extract.ts';
import { badRow, foreignSchemaCode } from './backup-validate.ts';
import { AppError } from './errors.ts';
import type { EventsService } from './events.service.ts';
import type * as Tar from 'tar';
import { lazyModule } from '../lazy-module.ts';

const tar = lazyModule<typeof Tar>('tar');

export const BACKUP_FORMAT = 'xkeeper-backup';
const FORMAT_VERSION = 1;
const DB_ENTRY = 'xkeeper.db';
const CONFIG_ENTRY = 'core-config.json';
const MANIFEST_ENTRY = 'manifest.json';
const SSH_KEY_ENTRY = 'ssh_ed25519_key';
/** The files of an archive and the largest size each may have (see BACKUP_LIMITS for why). */
const ENTRIES: ReadonlyMap<string, number> = new Map([
  [DB_ENTRY, 2 * 2 ** 30],
  [CONFIG_ENTRY, 16 * 2 ** 20], // the rendered config: ~200 B a key
  [MANIFEST_ENTRY, 64 * 2 ** 10],
  [SSH_KEY_ENTRY, 64 * 2 ** 10],
]);
const COUNTED_TABLES = [keys, telegramUsers, apiKeys, eventsTable, orders];
/** Tables a restore leaves as they are live: the audit trail is not the archive's to rewrite. */
const LIVE_TABLES = new Set<string>([getTableName(eventsTable)]);

export interface BackupManifest {
  format: typeof BACKUP_FORMAT;
  format_version: number;
  app_version: string;
  migration: string;
  created_at: string;
  counts: Record<string, number>;
}

export interface BackupResult {
  file: string;
  bytes: number;
  created_at: string;
  counts: Record<string, number>;
}

export interface RestorePreview {
  file: string;
  manifest: BackupManifest;
  counts: Record<string, number>;
  newest_event: { type: string; at: string } | null;
  has_core_config: boolean;
  /** Telegram ids the archive names as admins (owners come from ADMIN_IDS, never from data). */
  admins: number[];
}

export interface RestoreOptions {
  /**
   * Take admin roles from the archive. Off by default: the live admins stay admins and
   * nobody becomes one through a restore unless an owner (or the operator) asks for it.
   */
  withRoles?: boolean;
}

function invalid(message: string): never {
  throw new AppError('BACKUP_INVALID', message);
}

function countRows(db: Db): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const table of COUNTED_TABLES)
    counts[getTableName(table)] = db.select({ n: count() }).from(table).get()!.n;
  return counts;
}

/** Tables whose rows a restore replaces: everything but migrations bookkeeping and the live ones. */
function dataTables(sqlite: Database.Database): string[] {
  return (
    sqlite
      .prepare(
        "SELECT name FROM main.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != '__drizzle_migrations'",
      )
      .all() as { name: string }[]
  )
    .map((r) => r.name)
    .filter((name) => !LIVE_TABLES.has(name));
}

function adminIds(db: Db): number[] {
  return db
    .select({ id: telegramUsers.id })
    .from(telegramUsers)
    .where(eq(telegramUsers.role, 'admin'))
    .orderBy(asc(telegramUsers.id))
    .all()
    .map((r) => r.id);
}

function columnsOf(sqlite: Database.Database, table: string): string {
  return (sqlite.prepare(`PRAGMA main.table_info("${table}")`).all() as { name: string }[])
    .map((c) => `"${c.name}"`)
    .join(', ');
}

/**
 * Inside the restore transaction: gives the restored people the roles they have live
 * (`privileged` = the live rows with a role before the swap). A live admin missing from
 * the archive comes back as they were; anyone else the archive calls admin is a user.
 */
function keepLiveRoles(live: Database.Database, privileged: Record<string, unknown>[]): void {
  live.prepare("UPDATE main.telegram_users SET role = 'user' WHERE role != 'user'").run();
  if (privileged.length === 0) return;
  const names = Object.keys(privileged[0]!);
  const upsert = live.prepare(
    `INSERT INTO main.telegram_users (${names.map((n) => `"${n}"`).join(', ')})
     VALUES (${names.map((n) => `@${n}`).join(', ')})
     ON CONFLICT (id) DO UPDATE SET role = excluded.role`,
  );
  for (const row of privileged) upsert.run(row);
}

function stamp(at: Date): string {
  return at.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

export function createBackupsService(deps: {
  db: Db;
  clock: Clock;
  logger: Logger;
  events: EventsService;
  dataDir: string;
  /** Where the rendered core config lives (included when present). */
  coreConfigPath: string;
  /** Called once restored data is in place (caches built on the old data must go). */
  onRestored?: () => void;
}) {
  const { db, clock, logger, events, dataDir, coreConfigPath } = deps;
  const backupsDir = path.join(dataDir, 'backups');

  /** Unpacks and checks an archive into a temp dir; the caller removes `dir`. */
  async function unpack(file: string): Promise<{ dir: string; manifest: BackupManifest }> {
    if (!existsSync(file) || !statSync(file).isFile()) invalid(`no backup file at ${file}`);
    if (statSync(file).size > BACKUP_LIMITS.totalBytes) {
      invalid('the file is larger than any backup xkeeper makes');
    }
    const dir = mkdtempSync(path.join(tmpdir(), 'xkeeper-restore-'));
    try {
      // Only the known plain files, within limits checked while decompressing.
      await extractArchive(file, dir, ENTRIES);
      const manifestPath = path.join(dir, MANIFEST_ENTRY);
      if (!existsSync(manifestPath) || !existsSync(path.join(dir, DB_ENTRY))) {
        invalid('not an xkeeper backup: the manifest or the database is missing');
      }
      let manifest: BackupManifest;
      try {
        manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as BackupManifest;
      } catch {
        invalid('the manifest is not valid JSON');
      }
      if (manifest.format !== BACKUP_FORMAT) invalid('not an xkeeper backup (unknown format)');
      if (manifest.format_version > FORMAT_VERSION) {
        invalid(`the backup format ${manifest.format_version} is newer than this xkeeper reads`);
      }
      return { dir, manifest };
    } catch (error) {
      rmSync(dir, { recursive: true, force: true });
      if (error instanceof AppError) throw error;
      if (error instanceof ArchiveRefused) invalid(error.message);
      invalid(
        `the file is not a readable backup archive (${error instanceof Error ? error.message : error})`,
      );
    }
  }

  /** Opens the unpacked database, checks integrity and schema level, brings it to ours. */
  function openUnpacked(dir: string): Db {
    const file = path.join(dir, DB_ENTRY);
    let copy: Db;
    try {
      // Before anything opens it the usual way (pragmas, migrations write to it).
      const code = foreignSchemaCode(file);
      if (code) invalid(code);
      copy = openDatabase(file);
      const check = copy.$client.pragma('integrity_check', { simple: true });
      if (check !== 'ok') invalid(`the database in the backup is damaged: ${String(check)}`);
    } catch (error) {
      if (error instanceof AppError) throw error;
      invalid(
        `the database in the backup cannot be read (${error instanceof Error ? error.message : error})`,
      );
    }
    const level = latestAppliedMigration(copy);
    const known = knownMigrations();
    if (!level) invalid('the database in the backup has no schema');
    if (!known.some((m) => m.when === level.when)) {
      copy.$client.close();
      invalid('the backup comes from a newer xkeeper (unknown schema); upgrade xkeeper first');
    }
    try {
      runMigrations(copy); // an older backup is brought to this build's schema, in the copy
      const bad = badRow(copy.$client);
      if (bad) invalid(bad);
    } catch (error) {
      copy.$client.close();
      if (error instanceof AppError) throw error;
      invalid(`the database in the backup does not fit xkeeper's schema (${(error as Error).message})`);
    }
    return copy;
  }

  /**
   * Puts the archive's SSH key in place (owner-only, atomically): the nodes of the restored
   * data trust that key. The live one, if different, is kept in the pre-restore archive.
   */
  function restoreSshKey(dir: string): void {
    const archived = path.join(dir, SSH_KEY_ENTRY);
    if (!existsSync(archived)) return;
    const target = sshKeyPath(dataDir);
    const temp = `${target}.restore.tmp`;
    writeFileSync(temp, readFileSync(archived), { mode: 0o600 });
    chmodSync(temp, 0o600);
    renameSync(temp, target);
  }

  async function snapshot(prefix: string): Promise<BackupResult> {
    mkdirSync(backupsDir, { recursive: true });
    const now = clock.now();
    const staging = mkdtempSync(path.join(tmpdir(), 'xkeeper-backup-'));
    try {
      // better-sqlite3's online backup: consistent even while the bot and jobs write.
      await db.$client.backup(path.join(staging, DB_ENTRY));
      const entries = [MANIFEST_ENTRY, DB_ENTRY];
      if (existsSync(coreConfigPath)) {
        copyFileSync(coreConfigPath, path.join(staging, CONFIG_ENTRY));
        entries.push(CONFIG_ENTRY);
      }
      if (existsSync(sshKeyPath(dataDir))) {
        copyFileSync(sshKeyPath(dataDir), path.join(staging, SSH_KEY_ENTRY));
        entries.push(SSH_KEY_ENTRY);
      }
      const counts = countRows(db);
      const manifest: BackupManifest = {
        format: BACKUP_FORMAT,
        format_version: FORMAT_VERSION,
        app_version: APP_VERSION,
        migration: latestAppliedMigration(db)?.tag ?? 'none',
        created_at: now.toISOString(),
        counts,
      };
      writeFileSync(path.join(staging, MANIFEST_ENTRY), JSON.stringify(manifest, null, 2));
      const file = path.join(backupsDir, `${prefix}-${stamp(now)}.tar.gz`);
      await tar().create({ gzip: { level: 9 }, file, cwd: staging, portable: true }, entries);
      return { file, bytes: statSync(file).size, created_at: manifest.created_at, counts };
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
  }

  return {
    directory: backupsDir,

    /** Takes a backup into DATA_DIR/backups (or moves it to `out`). */
    async create(options: { out?: string; actor?: string } = {}): Promise<BackupResult> {
      const target = options.out && path.resolve(options.out);
      // Checked before the snapshot, so a bad --out leaves no archive behind in DATA_DIR/backups.
      if (target && !statSync(path.dirname(target), { throwIfNoEntry: false })?.isDirectory()) {
        throw new AppError('VALIDATION_FAILED', `folder ${path.dirname(target)} does not exist`);
      }
      const result = await snapshot('xkeeper-backup');
      if (target) {
        copyFileSync(result.file, target);
        // The archive holds every secret: owner-only even where a file was there before.
        chmodSync(target, 0o600);
        rmSync(result.file);
        result.file = target;
      }
      events.record({
        type: 'backup.created',
        actor: options.actor ?? 'system',
        data: { file: path.basename(result.file), bytes: result.bytes },
      });
      return result;
    },

    /** Checks an archive and tells what it holds, changing nothing. */
    async preview(file: string): Promise<RestorePreview> {
      const { dir, manifest } = await unpack(file);
      try {
        const copy = openUnpacked(dir);
        try {
          const newest = copy
            .select({ type: eventsTable.type, at: eventsTable.at })
            .from(eventsTable)
            .orderBy(desc(eventsTable.at), desc(eventsTable.id))
            .limit(1)
            .get();
          return {
            file,
            manifest,
            counts: countRows(copy),
            newest_event: newest ? { type: newest.type, at: newest.at.toISOString() } : null,
            has_core_config: existsSync(path.join(dir, CONFIG_ENTRY)),
            admins: adminIds(copy),
          };
        } finally {
          copy.$client.close();
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },

    /**
     * Restores an archive: checks it, archives the current data, then replaces every
     * table's rows in ONE transaction on the live connection (so open handles stay valid
     * and a failure changes nothing). The live event log is kept, with `backup.restored`
     * added; admin roles stay the live ones unless `withRoles`. The caller re-syncs the core.
     */
    async restore(
      file: string,
      actor: string,
      options: RestoreOptions = {},
    ): Promise<RestorePreview & { previous: string }> {
      const withRoles = options.withRoles === true;
      const { dir, manifest } = await unpack(file);
      try {
        const copy = openUnpacked(dir);
        const archiveAdmins = adminIds(copy);
        // What the restore brings in, as the preview counted it (the live event log stays).
        const restored = countRows(copy);
        copy.$client.close();
        const previous = await snapshot('pre-restore');
        const live = db.$client;
        const source = path.join(dir, DB_ENTRY);
        live.prepare('ATTACH DATABASE ? AS restored').run(source);
        try {
          live.transaction(() => {
            live.pragma('defer_foreign_keys = ON');
            const privileged = live
              .prepare("SELECT * FROM main.telegram_users WHERE role != 'user'")
              .all() as Record<string, unknown>[];
            const tables = dataTables(live);
            for (const table of tables) live.prepare(`DELETE FROM main."${table}"`).run();
            for (const table of tables) {
              const columns = columnsOf(live, table);
              live
                .prepare(
                  `INSERT INTO main."${table}" (${columns}) SELECT ${columns} FROM restored."${table}"`,
                )
                .run();
            }
            if (!withRoles) keepLiveRoles(live, privileged);
          })();
        } finally {
          live.prepare('DETACH DATABASE restored').run();
        }
        restoreSshKey(dir);
        deps.onRestored?.();
        events.record({
          type: 'backup.restored',
          severity: 'warning',
          actor,
          data: {
            file: path.basename(file),
            created_at: manifest.created_at,
            previous: path.basename(previous.file),
            roles: withRoles ? 'archive' : 'live',
          },
        });
        logger.warn(
          { file, previous: previous.file, roles: withRoles ? 'archive' : 'live' },
          'backup restored',
        );
        return {
          file,
          manifest,
          counts: restored,
          newest_event: null,
          has_core_config: existsSync(path.join(dir, CONFIG_ENTRY)),
          admins: withRoles ? archiveAdmins : adminIds(db),
          previous: previous.file,
        };
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },

    /** Archives in DATA_DIR/backups, newest first. */
    list(): Array<{ file: string; bytes: number; created_at: string }> {
      if (!existsSync(backupsDir)) return [];
      return readdirSync(backupsDir)
        .filter((f) => f.endsWith('.tar.gz'))
        .map((f) => {
          const st = statSync(path.join(backupsDir, f));
          return { file: path.join(backupsDir, f), bytes: st.size, created_at: st.mtime.toISOString() };
        })
        .sort((a, b) => b.file.localeCompare(a.file));
    },

    /** The scheduled backup: take one, keep the newest `keep` scheduled archives. */
    async scheduled(keep: number): Promise<BackupResult> {
      const result = await this.create({ actor: 'system' });
      const scheduled = this.list().filter((b) => path.basename(b.file).startsWith('xkeeper-backup-'));
      for (const old of scheduled.slice(keep)) rmSync(old.file, { force: true });
      return result;
    },
  };
}

export type BackupsService = ReturnType<typeof createBackupsService>;
