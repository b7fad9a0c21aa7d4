/**
 * People in Telegram and their roles. Owners come from ADMIN_IDS; owners add and
 * remove admins (bot or CLI). Every role check in the bot goes through `roleOf`.
 */
import { eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { lazy } from '../db/statements.ts';
import { telegramUsers, type Role, type TelegramUser } from '../db/schema.ts';
import type { Clock } from './clock.ts';
import { AppError } from './errors.ts';
import { queueAlert, type AlertOptions } from './alerts.ts';
import type { DbOrTx, EventsService } from './events.service.ts';
import type { AdminAlert } from './messages.ts';
import type { OutboxService } from './outbox.service.ts';

export interface TelegramProfile {
  id: number;
  username?: string | undefined;
  firstName?: string | undefined;
  lastName?: string | undefined;
  languageCode?: string | undefined;
}

function assertTelegramId(id: number): void {
  if (!Number.isSafeInteger(id) || id <= 0) {
    throw new AppError('INVALID_TELEGRAM_ID', `"${id}" is not a Telegram user id`);
  }
}

export function createAdminsService(deps: {
  db: Db;
  clock: Clock;
  events: EventsService;
  ownerIds: readonly number[];
  /** Needed by `alert` only. */
  outbox?: OutboxService;
}) {
  const { db, clock, events, ownerIds } = deps;
  const owners = new Set(ownerIds);

  // Read on every update the bot receives: prepared once.
  const byId = lazy(() =>
    db
      .select()
      .from(telegramUsers)
      .where(eq(telegramUsers.id, sql.placeholder('id')))
      .prepare(),
  );

  function get(id: number): TelegramUser | undefined {
    return byId().get({ id });
  }

  function roleFrom(id: number, person: TelegramUser | undefined): Role {
    if (owners.has(id)) return 'owner';
    return person?.role === 'admin' ? 'admin' : 'user';
  }

  function ensureUser(tx: DbOrTx, id: number): void {
    tx.insert(telegramUsers)
      .values({ id, createdAt: clock.now(), updatedAt: clock.now() })
      .onConflictDoNothing()
      .run();
  }

  return {
    get,

    /**
     * Creates or refreshes a person from what Telegram tells about them. Written only when
     * something changed (or the person was marked unreachable): most updates only read.
     */
    touch(profile: TelegramProfile): TelegramUser {
      const now = clock.now();
      const fields = {
        username: profile.username ?? null,
        firstName: profile.firstName ?? null,
        lastName: profile.lastName ?? null,
        languageCode: profile.languageCode ?? null,
        updatedAt: now,
      };
      const known = get(profile.id);
      if (
        known &&
        known.reachable &&
        known.username === fields.username &&
        known.firstName === fields.firstName &&
        known.lastName === fields.lastName &&
        known.languageCode === fields.languageCode
      ) {
        return known;
      }
      return db
        .insert(telegramUsers)
        .values({
          id: profile.id,
          ...fields,
          role: owners.has(profile.id) ? 'owner' : 'user',
          createdAt: now,
        })
        .onConflictDoUpdate({ target: telegramUsers.id, set: { ...fields, reachable: true } })
        .returning()
        .get();
    },

    /** Owner (ADMIN_IDS), admin (added by an owner) or user. */
    roleOf(id: number): Role {
      return roleFrom(id, owners.has(id) ? undefined : get(id));
    },

    /** The role of a person already read (saves a query per update). */
    roleOfPerson(person: TelegramUser): Role {
      return roleFrom(person.id, person);
    },

    isAdmin(id: number): boolean {
      return this.roleOf(id) !== 'user';
    },

    /** Grants admin rights. Idempotent. */
    addAdmin(id: number, actor: string) {
      assertTelegramId(id);
      db.transaction((tx) => {
        ensureUser(tx, id);
        if (!owners.has(id)) {
          tx.update(telegramUsers)
            .set({ role: 'admin', updatedAt: clock.now() })
            .where(eq(telegramUsers.id, id))
            .run();
        }
        events.record({ type: 'admin.added', actor, subject: String(id) }, tx);
      });
      return { telegram_id: id, role: this.roleOf(id) };
    },

    /** Takes admin rights away. Owners are set by ADMIN_IDS and cannot be removed here. */
    removeAdmin(id: number, actor: string) {
      assertTelegramId(id);
      if (owners.has(id)) {
        throw new AppError('LAST_OWNER', `${id} is an owner (ADMIN_IDS); remove it from ADMIN_IDS instead`);
      }
      db.transaction((tx) => {
        tx.update(telegramUsers)
          .set({ role: 'user', updatedAt: clock.now() })
          .where(eq(telegramUsers.id, id))
          .run();
        events.record({ type: 'admin.removed', actor, subject: String(id) }, tx);
      });
      return { telegram_id: id, role: this.roleOf(id) };
    },

    /** Owners and admins. */
    listAdmins() {
      const admins = db
        .select()
        .from(telegramUsers)
        .where(inArray(telegramUsers.role, ['owner', 'admin']))
        .all()
        .filter((u) => u.role === 'admin' || owners.has(u.id))
        .map((u) => u.id);
      const ids = [...new Set([...owners, ...admins])];
      return ids.map((id) => ({ telegram_id: id, role: this.roleOf(id) }));
    },

    /** Queues an alert to every admin (see {@link queueAlert}). */
    alert(alert: AdminAlert, options: AlertOptions = {}): boolean {
      if (!deps.outbox) throw new AppError('INTERNAL', 'admin alerts need the outbox');
      return queueAlert({ outbox: deps.outbox, clock }, alert, options);
    },

    /** Remembers the language picked with /lang. */
    setLanguage(id: number, language: string) {
      db.update(telegramUsers)
        .set({ language, updatedAt: clock.now() })
        .where(eq(telegramUsers.id, id))
        .run();
    },
  };
}

export type AdminsService = ReturnType<typeof createAdminsService>;
