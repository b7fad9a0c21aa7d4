/**
 * Self-service keys under the policy in settings (`keyRequestPolicy`): `open` creates a key
 * at once, `approval` queues a request an admin decides, `closed` refuses. `maxKeysPerUser`
 * caps the keys one Telegram user may hold this way, and also how many they are given within
 * `selfServiceWindowDays`, deleted ones counted: every self-service key leaves an `approved`
 * row in `key_requests` (under `open` too), which outlives the key.
 */
import { and, asc, eq, gt } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { keyRequests, telegramUsers, type Key } from '../db/schema.ts';
import type { AdminsService } from './admins.service.ts';
import type { Clock } from './clock.ts';
import { AppError } from './errors.ts';
import type { DbOrTx, EventsService } from './events.service.ts';
import type { CreateKeyInput, KeysService } from './keys.service.ts';
import { DAY_MS, expiryFromDays, freeKeyName, limitFromGb } from './keys/rules.ts';
import type { OutboxService } from './outbox.service.ts';
import type { SettingsService } from './settings.service.ts';

/** Outbox kind of "a user asks for a key": delivered to every admin with Approve/Reject buttons. */

/** A row of `key_requests`. */
export type KeyRequest = typeof keyRequests.$inferSelect;

/** A pending request with what is known of the person asking. */
export interface PendingRequest extends KeyRequest {
  username: string | null;
  firstName: string | null;
  lastName: string | null;
}

/** What asking for a key led to. */
export type RequestOutcome =
  /** Policy `open`: the key exists now. */
  | { outcome: 'created'; key: Key }
  /** Policy `approval`: a new request went to the admins. */
  | { outcome: 'requested'; request: KeyRequest }
  /** The person already has a request waiting; nothing new was queued. */
  | { outcome: 'pending'; request: KeyRequest }
  /** Policy `closed`. */
  | { outcome: 'closed' }
  /** The person holds `max` keys already. */
  | { outcome: 'limit'; max: number }
  /** The person was given `max` keys within the last `days` days (deleted ones too). */
  | { outcome: 'recently'; max: number; days: number; nextAt: Date };

/** Limits of a self-service key; `null` fields take the settings' defaults, 0 means unlimited. */
export interface KeyTerms {
  days?: number | null;
  trafficGb?: number | null;
}

/**
 * A free key name for a person: their Telegram username when it is a valid name, else
 * `tg<ID>`; `-2`, `-3`… is appended while the name is taken.
 */
export function selfServiceKeyName(
  keys: Pick<KeysService, 'find'>,
  person: { id: number; username?: string | null },
): string {
  return freeKeyName((name) => keys.find(name) !== undefined, person);
}

/** Builds the requests service (wired as `services.requests`). */
export function createRequestsService(deps: {
  db: Db;
  clock: Clock;
  keys: KeysService;
  settings: SettingsService;
  outbox: OutboxService;
  events: EventsService;
  admins: AdminsService;
}) {
  const { db, clock, keys, settings, outbox, events, admins } = deps;

  function get(id: number): KeyRequest | undefined {
    return db.select().from(keyRequests).where(eq(keyRequests.id, id)).get();
  }

  function pendingOf(telegramId: number): KeyRequest | undefined {
    return db
      .select()
      .from(keyRequests)
      .where(and(eq(keyRequests.telegramId, telegramId), eq(keyRequests.state, 'pending')))
      .get();
  }

  /** The key input of a self-service key for `telegramId` with the given (or default) terms. */
  function keyInput(telegramId: number, terms: KeyTerms = {}): CreateKeyInput {
    const days = terms.days ?? settings.require('defaultKeyDays');
    const gb = terms.trafficGb ?? settings.require('defaultKeyTrafficGb');
    const person = admins.get(telegramId);
    return {
      name: selfServiceKeyName(keys, { id: telegramId, username: person?.username }),
      ownerTelegramId: telegramId,
      expireAt: expiryFromDays(clock.now(), days),
      trafficLimitBytes: limitFromGb(gb),
    };
  }

  /**
   * The `recently` outcome when the person was given `max` self-service keys within the
   * window; `nextAt` is when enough of them have left it for one more.
   */
  function windowFull(telegramId: number, max: number, tx: DbOrTx = db): RequestOutcome | null {
    const days = settings.require('selfServiceWindowDays');
    const since = new Date(clock.now().getTime() - days * DAY_MS);
    const given = tx
      .select({ at: keyRequests.decidedAt })
      .from(keyRequests)
      .where(
        and(
          eq(keyRequests.telegramId, telegramId),
          eq(keyRequests.state, 'approved'),
          gt(keyRequests.decidedAt, since),
        ),
      )
      .orderBy(asc(keyRequests.decidedAt))
      .all();
    if (given.length < max) return null;
    const leaving = given[given.length - max]?.at ?? since;
    return { outcome: 'recently', max, days, nextAt: new Date(leaving.getTime() + days * DAY_MS) };
  }

  function cancelPendingOf(telegramId: number, tx: DbOrTx = db): number {
    return tx
      .update(keyRequests)
      .set({ state: 'cancelled', decidedAt: clock.now() })
      .where(and(eq(keyRequests.telegramId, telegramId), eq(keyRequests.state, 'pending')))
      .run().changes;
  }

  /** Marks a pending request decided; throws when it is missing or was decided already. */
  function claim(id: number, state: 'approved' | 'rejected', adminId: number): KeyRequest {
    if (!admins.isAdmin(adminId)) throw new AppError('NOT_ADMIN', `${adminId} is not an admin`);
    const row = db
      .update(keyRequests)
      .set({ state, decidedBy: adminId, decidedAt: clock.now() })
      .where(and(eq(keyRequests.id, id), eq(keyRequests.state, 'pending')))
      .returning()
      .get();
    if (row) return row;
    const existing = get(id);
    if (!existing) throw new AppError('NOT_FOUND', `no key request #${id}`);
    throw new AppError('REQUEST_DECIDED', `key request #${id} is already ${existing.state}`, {
      state: existing.state,
      decidedBy: existing.decidedBy,
    });
  }

  return {
    get,

    /** The person's request waiting for a decision, if any. */
    pendingOf,

    /** Requests waiting for a decision, oldest first, with the asker's Telegram names. */
    pending(): PendingRequest[] {
      return db
        .select({
          id: keyRequests.id,
          telegramId: keyRequests.telegramId,
          state: keyRequests.state,
          keyId: keyRequests.keyId,
          decidedBy: keyRequests.decidedBy,
          decidedAt: keyRequests.decidedAt,
          createdAt: keyRequests.createdAt,
          username: telegramUsers.username,
          firstName: telegramUsers.firstName,
          lastName: telegramUsers.lastName,
        })
        .from(keyRequests)
        .leftJoin(telegramUsers, eq(telegramUsers.id, keyRequests.telegramId))
        .where(eq(keyRequests.state, 'pending'))
        .orderBy(asc(keyRequests.id))
        .all();
    },

    /**
     * A person asks for a key, under the current policy. With `approval` a pending row and an
     * `admin.key_request` outbox row `{requestId, telegramId, username, name}` are
     * written together; a person with a request pending gets it back instead of a new one.
     */
    async request(telegramId: number): Promise<RequestOutcome> {
      const policy = settings.require('keyRequestPolicy');
      if (policy === 'closed') return { outcome: 'closed' };
      const max = settings.require('maxKeysPerUser');
      if (keys.ownedBy(telegramId).length >= max) return { outcome: 'limit', max };
      const full = windowFull(telegramId, max);
      if (full) return full;
      if (policy === 'open') {
        let raced: RequestOutcome | null = null;
        try {
          const key = await keys.create(keyInput(telegramId), `tg:${telegramId}`, (key, tx) => {
            // Checked again where it counts: two /new at once must not both get through.
            raced = windowFull(telegramId, max, tx);
            if (raced) throw new AppError('QUOTA_EXCEEDED', 'self-service keys used up for now');
            const now = clock.now();
            tx.insert(keyRequests)
              .values({ telegramId, state: 'approved', keyId: key.id, decidedAt: now, createdAt: now })
              .run();
          });
          cancelPendingOf(telegramId);
          return { outcome: 'created', key };
        } catch (error) {
          if (raced) return raced;
          throw error;
        }
      }
      const waiting = pendingOf(telegramId);
      if (waiting) return { outcome: 'pending', request: waiting };
      const person = admins.get(telegramId);
      const request = db.transaction((tx) => {
        const row = tx
          .insert(keyRequests)
          .values({ telegramId, state: 'pending', createdAt: clock.now() })
          .returning()
          .get();
        const name = [person?.firstName, person?.lastName].filter(Boolean).join(' ');
        outbox.enqueue(
          'admin.key_request',
          { requestId: row.id, telegramId, username: person?.username ?? null, name },
          tx,
        );
        events.record(
          { type: 'key_request.created', actor: `tg:${telegramId}`, subject: String(row.id) },
          tx,
        );
        return row;
      });
      return { outcome: 'requested', request };
    },

    /**
     * An admin approves: the key is created with the default terms and the owner hears
     * (`owner.notice`, notice `approved`). Throws NOT_ADMIN, NOT_FOUND, or REQUEST_DECIDED
     * when the request was decided before (by anyone).
     */
    async approve(requestId: number, adminId: number): Promise<{ request: KeyRequest; key: Key }> {
      const claimed = claim(requestId, 'approved', adminId);
      let key: Key;
      try {
        key = await keys.create(keyInput(claimed.telegramId), `tg:${adminId}`);
      } catch (error) {
        // The key could not be made: the request waits again rather than being lost.
        db.update(keyRequests)
          .set({ state: 'pending', decidedBy: null, decidedAt: null })
          .where(eq(keyRequests.id, requestId))
          .run();
        throw error;
      }
      const request = db.transaction((tx) => {
        const row = tx
          .update(keyRequests)
          .set({ keyId: key.id })
          .where(eq(keyRequests.id, requestId))
          .returning()
          .get()!;
        keys.notifyOwner(tx, key, { notice: 'approved', requestId });
        events.record(
          { type: 'key_request.approved', actor: `tg:${adminId}`, subject: String(requestId) },
          tx,
        );
        return row;
      });
      return { request, key };
    },

    /** An admin declines; the person hears (notice `rejected`). Throws like {@link approve}. */
    reject(requestId: number, adminId: number): KeyRequest {
      return db.transaction((tx) => {
        const request = claim(requestId, 'rejected', adminId);
        outbox.enqueue('owner.notice', { telegramId: request.telegramId, notice: 'rejected', requestId }, tx);
        events.record(
          { type: 'key_request.rejected', actor: `tg:${adminId}`, subject: String(requestId) },
          tx,
        );
        return request;
      });
    },

    /** Cancels the person's pending requests (they got a key another way). */
    cancelPendingOf,

    /** The input of a self-service key for a person (name and limits), for invites. */
    keyInput,
  };
}

/** See {@link createRequestsService}. */
export type RequestsService = ReturnType<typeof createRequestsService>;
