/**
 * Key lifecycle: create, kick, reset, renew, limit, enable/disable, note, delete.
 * Every change is one DB transaction (with its event and outbox rows), then applied to
 * the core. If the core is down the DB change stands and the reconciler applies it later.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { and, asc, count, desc, eq, gt, inArray, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { keys, telegramUsers, type Key, type KeyStatus, type ResetStrategy } from '../db/schema.ts';
import type { Logger } from '../logger.ts';
import type { Clock } from './clock.ts';
import type { CorePort, CoreUser } from './core-port.ts';
import { AppError, isAppError } from './errors.ts';
import { rowReader } from '../db/row-reader.ts';
import { lazy, lazyStatement } from '../db/statements.ts';
import type { DbOrTx, EventsService } from './events.service.ts';
import type { OutboxService } from './outbox.service.ts';
import type { TrafficService } from './traffic.service.ts';
import { toUserJson } from './key-view.ts';
import { NODE_IDS_COLUMN, parseNodeIds, type KeyLinks } from './links/node-links.ts';
import type { EventType, KeyNotice, KeyTransition, WebhookEventType } from './messages.ts';
import type { WebhooksService } from './webhooks.service.ts';
import {
  assertKeyName,
  assertNote,
  clampExpiry,
  expiryAfter,
  expiryBefore,
  isInCore,
  onHoldSeconds,
  statusAfterChange,
  statusAfterReset,
  statusAtCreate,
  statusOnEnable,
  storedLimit,
  STATUSES_IN_CORE,
} from './keys/rules.ts';

/** Re-exported for callers that import them from here; the rules live in keys/rules.ts. */
export { assertKeyName, expiryAfter, GB, MAX_EXPIRE_AT, usedBytes } from './keys/rules.ts';

export interface CreateKeyInput {
  name: string;
  /** Bytes; null or 0 = unlimited. */
  trafficLimitBytes?: number | null;
  /** Absolute expiry; null = never. Ignored when `onHold` is set. */
  expireAt?: Date | null;
  /** The key waits until first use (or the deadline), then runs for `durationDays`. */
  onHold?: { durationDays: number; deadline?: Date | null } | null;
  resetStrategy?: ResetStrategy;
  ownerTelegramId?: number | null;
  note?: string | null;
  status?: 'active' | 'disabled';
}

export interface KeyPatch {
  trafficLimitBytes?: number | null;
  expireAt?: Date | null;
  resetStrategy?: ResetStrategy;
  ownerTelegramId?: number | null;
  note?: string | null;
  status?: 'active' | 'disabled';
}

export interface KeyListQuery {
  page?: number;
  perPage?: number;
  status?: KeyStatus;
  /** Matches key name, owner id or owner @username. */
  search?: string;
  ownerTelegramId?: number;
}

const TOKEN_BYTES = 18;
/** Random bytes drawn in bulk: one call per 256 tokens instead of one per key created. */
let tokenPool = Buffer.alloc(0);
let tokenOffset = 0;

function newSubToken(): string {
  if (tokenOffset + TOKEN_BYTES > tokenPool.length) {
    tokenPool = randomBytes(TOKEN_BYTES * 256);
    tokenOffset = 0;
  }
  tokenOffset += TOKEN_BYTES;
  return tokenPool.toString('base64url', tokenOffset - TOKEN_BYTES, tokenOffset);
}

export function createKeysService(deps: {
  db: Db;
  core: CorePort;
  clock: Clock;
  logger: Logger;
  events: EventsService;
  outbox: OutboxService;
  traffic: TrafficService;
  webhooks: Pick<WebhooksService, 'emit' | 'subscribed'>;
  /** Base of subscription URLs, for webhook payloads. */
  publicUrl: string;
  /** The key's share links, for webhook payloads. */
  links: KeyLinks;
}) {
  const { db, clock, logger, events, outbox } = deps;
  let core = deps.core;

  // Hot lookups (API reads, every VPN client's subscription poll) use statements prepared once.
  // One SQLite connection serves every transaction too, so these fit inside them as well.
  const rows = rowReader(db.$client, keys);
  const WHERE_NAME = 'WHERE lower(name) = lower(?)';
  const byName = rows.one(WHERE_NAME);
  const byToken = rows.one('WHERE sub_token = ?');
  const byId = rows.one('WHERE id = ?');
  const byOwner = rows.all('WHERE owner_telegram_id = ? ORDER BY id');
  // A key's view names its nodes: their ids come with the row, in the same statement.
  const byNameWithNodeIds = rows.statement(
    `SELECT ${rows.columns}, ${NODE_IDS_COLUMN} FROM keys ${WHERE_NAME}`,
  );

  // Creation's insert, prepared once: building it with drizzle per key cost more than the
  // write. Instants are stored as epoch milliseconds (the schema's timestamp_ms columns).
  const insertRow = lazyStatement(
    db.$client,
    `INSERT INTO keys (name, uuid, status, traffic_limit_bytes, expire_at, on_hold_duration_seconds,
       on_hold_deadline, reset_strategy, last_reset_at, owner_telegram_id, note, sub_token,
       created_by, created_at, updated_at)
     VALUES (@name, @uuid, @status, @limit, @expireAt, @onHoldSeconds, @onHoldDeadline,
       @resetStrategy, @now, @owner, @note, @subToken, @actor, @now, @now)`,
  );

  // Whether a name is taken, without reading and mapping the row (creation's check).
  const nameTaken = lazyStatement(db.$client, 'SELECT 1 FROM keys WHERE lower(name) = lower(?)');

  // Every key is on every node (key_nodes keeps it a relation for plans that pick nodes).
  const joinNodes = lazyStatement(
    db.$client,
    'INSERT INTO key_nodes (key_id, node_id) SELECT ?, id FROM nodes',
  );

  // Creation's transaction, made once. drizzle's db.transaction builds a transaction object
  // and a better-sqlite3 wrapper on every call, which cost more than the key's statements.
  // One connection serves everything, so inside it `db` writes in this transaction.
  const nativeTransaction = lazy(() => db.$client.transaction((run: () => unknown) => run()));
  const transaction = <T>(run: () => T): T => nativeTransaction()(run) as T;

  function find(name: string): Key | undefined {
    return byName(name);
  }

  const notFound = (name: string) => new AppError('KEY_NOT_FOUND', `no key named "${name}"`);

  function require(name: string): Key {
    const key = find(name);
    if (!key) throw notFound(name);
    return key;
  }

  function coreUser(key: Key): CoreUser {
    return { name: key.name, uuid: key.uuid };
  }

  /** Brings the core in line with a key's change; failures are left to the reconciler. */
  async function applyToCore(before: Key | null, after: Key | null): Promise<void> {
    const wasIn = before !== null && isInCore(before.status);
    const isIn = after !== null && isInCore(after.status);
    const remove: string[] = [];
    const add: CoreUser[] = [];
    if (wasIn && (!isIn || before.uuid !== after?.uuid)) remove.push(before.name);
    if (isIn && (!wasIn || before?.uuid !== after.uuid)) add.push(coreUser(after));
    if (remove.length === 0 && add.length === 0) return;
    try {
      await core.apply({ remove, add });
    } catch (err) {
      logger.warn({ err, key: after?.name ?? before?.name }, 'core apply failed; the reconciler will retry');
    }
  }

  /** Queues an outgoing webhook event with the key as the API shows it at this moment. */
  function webhook(tx: DbOrTx, event: WebhookEventType, key: Key) {
    deps.webhooks.emit(tx, event, () => toUserJson(key, { publicUrl: deps.publicUrl, links: deps.links }));
  }

  /** Refuses a creation the rules forbid, before any write. */
  function checkCreate(input: CreateKeyInput, now: Date): void {
    assertKeyName(input.name);
    storedLimit(input.trafficLimitBytes, 'traffic limit');
    const expireAt = clampExpiry(input.expireAt);
    if (input.onHold && !(input.onHold.durationDays > 0)) {
      throw new AppError('VALIDATION_FAILED', 'an on-hold key needs a duration of at least one day');
    }
    if (!input.onHold && expireAt && expireAt.getTime() <= now.getTime()) {
      throw new AppError('VALIDATION_FAILED', 'expiry must be in the future');
    }
    assertNote(input.note);
  }

  /** Inserts a checked key with its event and webhook, inside `tx`. */
  function insertKey(tx: DbOrTx, input: CreateKeyInput, actor: string, now: Date): Key {
    if (nameTaken().pluck().get(input.name) !== undefined) {
      throw new AppError('KEY_NAME_TAKEN', `a key named "${input.name}" already exists`);
    }
    const limit = storedLimit(input.trafficLimitBytes, 'traffic limit');
    const onHold = input.onHold ?? null;
    const clamped = clampExpiry(input.expireAt);
    const expireAt = onHold || !clamped ? null : new Date(clamped.getTime());
    const at = now.getTime();
    const uuid = randomUUID();
    const status = statusAtCreate(input);
    const onHoldDurationSeconds = onHold ? onHoldSeconds(0, onHold.durationDays, at) : null;
    const onHoldDeadline = onHold?.deadline ? new Date(onHold.deadline.getTime()) : null;
    const resetStrategy = input.resetStrategy ?? 'no_reset';
    const ownerTelegramId = input.ownerTelegramId ?? null;
    const note = input.note ?? null;
    const subToken = newSubToken();
    const { lastInsertRowid } = insertRow().run({
      name: input.name,
      uuid,
      status,
      limit,
      expireAt: expireAt?.getTime() ?? null,
      onHoldSeconds: onHoldDurationSeconds,
      onHoldDeadline: onHoldDeadline?.getTime() ?? null,
      resetStrategy,
      now: at,
      owner: ownerTelegramId,
      note,
      subToken,
      actor,
    });
    joinNodes().run(lastInsertRowid);
    // The row as inserted, built here rather than read back (the insert sets every column
    // but the usage counters, which start at 0, and the instants of first use, unset).
    // Written out whole, in the table's order: built as a spread of part of it plus the rest,
    // V8 (Node 20) made new hidden classes for every key, ~6.5 KB of garbage a key, a third
    // of what a batch creation allocated.
    const row: Key = {
      id: Number(lastInsertRowid),
      name: input.name,
      uuid,
      status,
      trafficLimitBytes: limit,
      uploadBytes: 0,
      downloadBytes: 0,
      lifetimeUsedBytes: 0,
      expireAt,
      onHoldDurationSeconds,
      onHoldDeadline,
      resetStrategy,
      lastResetAt: new Date(at),
      ownerTelegramId,
      note,
      subToken,
      createdBy: actor,
      createdAt: new Date(at),
      updatedAt: new Date(at),
      onlineAt: null,
      firstConnectedAt: null,
    };
    events.record(
      {
        type: 'key.created',
        actor,
        subject: row.name,
        data: { status, traffic_limit_bytes: limit, expire_at: row.expireAt?.toISOString() ?? null },
      },
      tx,
    );
    webhook(tx, 'user.created', row);
    return row;
  }

  function notifyOwner(tx: DbOrTx, key: Key, notice: KeyNotice, dedupe?: string) {
    if (key.ownerTelegramId === null) return false;
    return outbox.enqueue(
      'owner.notice',
      { telegramId: key.ownerTelegramId, key: key.name, ...notice },
      tx,
      dedupe,
    );
  }

  /**
   * One change: read the key, let `change` compute the new row inside a transaction that
   * also writes the event, then apply the difference to the core.
   */
  async function mutate(
    name: string,
    actor: string,
    type: EventType,
    change: (key: Key, tx: DbOrTx) => Partial<Key>,
    after?: (key: Key, tx: DbOrTx) => void,
  ): Promise<Key> {
    const [before, updated] = db.transaction((tx) => {
      const key = require(name);
      const patch = change(key, tx);
      const row = tx
        .update(keys)
        .set({ ...patch, updatedAt: clock.now() })
        .where(eq(keys.id, key.id))
        .returning()
        .get();
      events.record({ type, actor, subject: key.name, data: describe(key, row) }, tx);
      after?.(row, tx);
      return [key, row] as const;
    });
    await applyToCore(before, updated);
    return updated;
  }

  return {
    find,
    get: require,

    /** Swaps the core (the adapter starts after the services are built). */
    attachCore(next: CorePort) {
      core = next;
    },

    /** The key named `name` (KEY_NOT_FOUND otherwise) with the ids of the nodes it is on. */
    getWithNodeIds(name: string): Key & { nodeIds: number[] } {
      const raw = byNameWithNodeIds().get(name);
      if (!raw) throw notFound(name);
      return Object.assign(rows.map(raw), { nodeIds: parseNodeIds(raw[rows.width]) });
    },

    getById(id: number): Key | undefined {
      return byId(id);
    },

    bySubToken(token: string): Key | undefined {
      return byToken(token);
    },

    /** Keys of one Telegram user, oldest first. */
    ownedBy(telegramId: number): Key[] {
      return byOwner(telegramId);
    },

    /** Paged list, newest first. */
    list(query: KeyListQuery = {}) {
      const where: SQL[] = [];
      if (query.status) where.push(eq(keys.status, query.status));
      if (query.ownerTelegramId !== undefined) where.push(eq(keys.ownerTelegramId, query.ownerTelegramId));
      const search = query.search?.trim();
      if (search) {
        const term = search.replace(/^@/, '');
        const escaped = `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
        const owners = db
          .select({ id: telegramUsers.id })
          .from(telegramUsers)
          .where(sql`lower(${telegramUsers.username}) = lower(${term})`);
        const byOwner = /^\d+$/.test(term) ? [eq(keys.ownerTelegramId, Number(term))] : [];
        where.push(
          or(
            sql`${keys.name} LIKE ${escaped} ESCAPE '\\'`,
            inArray(keys.ownerTelegramId, owners),
            ...byOwner,
          )!,
        );
      }
      const perPage = Math.min(Math.max(query.perPage ?? 20, 1), 500);
      const page = Math.max(query.page ?? 1, 1);
      const filter = where.length ? and(...where) : undefined;
      // The page's ids first, from an index (keys_by_id, or the filter's): OFFSET then skips
      // index entries, not whole rows.
      const ids = db
        .select({ id: keys.id })
        .from(keys)
        .where(filter)
        .orderBy(desc(keys.id))
        .limit(perPage)
        .offset((page - 1) * perPage);
      const items = db.select().from(keys).where(inArray(keys.id, ids)).orderBy(desc(keys.id)).all();
      const total = db.select({ n: count() }).from(keys).where(filter).get()?.n ?? 0;
      return { items, total, page, perPage };
    },

    /** Counts by status (for status screens and metrics). */
    countByStatus(): Record<KeyStatus, number> {
      const rows = db.select({ status: keys.status, n: count() }).from(keys).groupBy(keys.status).all();
      const result = { active: 0, disabled: 0, limited: 0, expired: 0, on_hold: 0 };
      for (const row of rows) result[row.status] = row.n;
      return result;
    },

    /** Keys that belong in the core right now: the reconciler's desired state. */
    desiredUsers(): CoreUser[] {
      return db
        .select({ name: keys.name, uuid: keys.uuid })
        .from(keys)
        .where(inArray(keys.status, STATUSES_IN_CORE))
        .all();
    },

    /** Creates a key. */
    async create(
      input: CreateKeyInput,
      actor: string,
      /** Runs inside the creating transaction; throw to undo the creation (payments). */
      inTransaction?: (key: Key, tx: DbOrTx) => void,
    ): Promise<Key> {
      const now = clock.now();
      checkCreate(input, now);
      const key = transaction(() => {
        const row = insertKey(db, input, actor, now);
        inTransaction?.(row, db);
        return row;
      });
      await applyToCore(null, key);
      return key;
    },

    /**
     * Creates many keys in one transaction and hands them to the core as one change. Each
     * item succeeds or fails on its own: a result is the key or the AppError that refused it.
     */
    async createMany(inputs: readonly CreateKeyInput[], actor: string): Promise<(Key | AppError)[]> {
      const now = clock.now();
      const results = transaction(() =>
        inputs.map((input): Key | AppError => {
          try {
            checkCreate(input, now);
            // Refusals come before insertKey writes anything: no savepoint per item needed.
            return insertKey(db, input, actor, now);
          } catch (error) {
            if (isAppError(error)) return error;
            throw error;
          }
        }),
      );
      const created = results.filter((r): r is Key => !isAppError(r));
      const add = created.filter((key) => isInCore(key.status)).map(coreUser);
      if (add.length > 0) {
        try {
          await core.apply({ add });
        } catch (err) {
          logger.warn({ err, keys: add.length }, 'core apply failed; the reconciler will retry');
        }
      }
      return results;
    },

    /**
     * New UUID and a new subscription token: the old UUID leaves the core before the new one
     * enters, so the old link is dead at once for new connections, and the old `/sub` URL
     * answers 404 (whoever held it must not fetch the new UUID through it). Only a caller that
     * asks for `keepSubscription` keeps the token.
     */
    kick(name: string, actor: string, options: { keepSubscription?: boolean } = {}) {
      return mutate(
        name,
        actor,
        'key.kicked',
        () => ({ uuid: randomUUID(), ...(options.keepSubscription ? {} : { subToken: newSubToken() }) }),
        (key, tx) => {
          notifyOwner(tx, key, { notice: 'kicked' });
          webhook(tx, 'user.revoked', key);
        },
      );
    },

    /**
     * Resets a key's traffic. Its counters are collected first, so traffic from before
     * the reset never counts after it.
     */
    async resetTraffic(name: string, actor: string): Promise<Key> {
      require(name);
      await deps.traffic.collect();
      return this.resetUsage(name, actor);
    },

    /** Zeroes period usage; lifetime stays; a limited key becomes active. Collect first. */
    resetUsage(name: string, actor: string) {
      return mutate(
        name,
        actor,
        'key.traffic_reset',
        (key) => ({
          uploadBytes: 0,
          downloadBytes: 0,
          lastResetAt: clock.now(),
          status: statusAfterReset(key.status),
        }),
        (key, tx) => webhook(tx, 'user.traffic_reset', key),
      );
    },

    /**
     * Adds days to the later of now and the current expiry (what is left is never lost)
     * and traffic to the limit. An expired or limited key that now has room is active again.
     */
    renew(
      name: string,
      input: { extendDays?: number; addTrafficBytes?: number },
      actor: string,
      /** Runs inside the renewing transaction; throw to undo the renewal (payments). */
      inTransaction?: (key: Key, tx: DbOrTx) => void,
    ) {
      const days = input.extendDays ?? 0;
      const extra = input.addTrafficBytes ?? 0;
      if (!Number.isFinite(days) || days < 0 || !Number.isFinite(extra) || extra < 0 || days + extra === 0) {
        throw new AppError('VALIDATION_FAILED', 'renew needs extend_days and/or add_traffic_gb above 0');
      }
      return mutate(
        name,
        actor,
        'key.renewed',
        (key) => {
          const now = clock.now().getTime();
          let expireAt = key.expireAt;
          let onHoldDurationSeconds = key.onHoldDurationSeconds;
          if (days > 0) {
            if (key.status === 'on_hold')
              onHoldDurationSeconds = onHoldSeconds(onHoldDurationSeconds, days, now);
            else if (expireAt) expireAt = expiryAfter(Math.max(now, expireAt.getTime()), days);
          }
          const trafficLimitBytes =
            extra > 0 && key.trafficLimitBytes !== null
              ? key.trafficLimitBytes + Math.round(extra)
              : key.trafficLimitBytes;
          return {
            expireAt,
            onHoldDurationSeconds,
            trafficLimitBytes,
            status: statusAfterChange(key, { expireAt, trafficLimitBytes }, clock.now().getTime()),
          };
        },
        (key, tx) => {
          notifyOwner(tx, key, { notice: 'renewed', expireAt: key.expireAt?.toISOString() ?? null });
          webhook(tx, 'user.modified', key);
          inTransaction?.(key, tx);
        },
      );
    },

    /**
     * Takes back what a refunded payment granted: days off the expiry, traffic off the limit;
     * a key the payment created is disabled.
     */
    revokeGrant(
      name: string,
      grant: { days: number; trafficBytes: number; disable: boolean },
      actor: string,
      /** Runs inside the revoking transaction; throw to undo it (a refund marks its order). */
      inTransaction?: (key: Key, tx: DbOrTx) => void,
    ) {
      return mutate(
        name,
        actor,
        'key.grant_revoked',
        (key) => {
          if (grant.disable) return { status: 'disabled' as const };
          const expireAt = key.expireAt ? expiryBefore(key.expireAt, grant.days) : key.expireAt;
          const trafficLimitBytes =
            key.trafficLimitBytes !== null ? Math.max(0, key.trafficLimitBytes - grant.trafficBytes) : null;
          return {
            expireAt,
            trafficLimitBytes,
            status: statusAfterChange(key, { expireAt, trafficLimitBytes }, clock.now().getTime()),
          };
        },
        (key, tx) => {
          webhook(tx, 'user.modified', key);
          inTransaction?.(key, tx);
        },
      );
    },

    /**
     * Queues `user.first_connected` for keys whose first connection came after `afterMs`
     * (the traffic collector sets it), in one transaction with `saveWatermark(newest)`, so a
     * crash neither drops nor repeats an announcement. Pages through the keys: a first cycle
     * over 100k keys must not hold 100k rows at once.
     */
    announceFirstConnections(afterMs: number, saveWatermark: (watermark: number) => void): number {
      const PAGE = 500;
      if (!deps.webhooks.subscribed()) {
        // Nobody to tell: only move the watermark past them (one index lookup).
        const newest = db
          .select({ at: sql<number | null>`max(${keys.firstConnectedAt})` })
          .from(keys)
          .get()?.at;
        if (newest != null && newest > afterMs) saveWatermark(newest);
        return 0;
      }
      return db.transaction((tx) => {
        let count = 0;
        // Keyset cursor (first_connected_at, id): one collection stamps many keys alike.
        let at = new Date(afterMs);
        let lastId = Number.MAX_SAFE_INTEGER;
        for (;;) {
          const page = tx
            .select()
            .from(keys)
            .where(or(gt(keys.firstConnectedAt, at), and(eq(keys.firstConnectedAt, at), gt(keys.id, lastId))))
            .orderBy(asc(keys.firstConnectedAt), asc(keys.id))
            .limit(PAGE)
            .all();
          for (const key of page) webhook(tx, 'user.first_connected', key);
          count += page.length;
          const last = page.at(-1);
          if (!last) break;
          at = last.firstConnectedAt!;
          lastId = last.id;
        }
        if (count > 0) saveWatermark(at.getTime());
        return count;
      });
    },

    /** Sets the traffic limit (null/0 = unlimited). */
    setLimit(name: string, bytes: number | null, actor: string) {
      const limit = storedLimit(bytes, 'traffic limit');
      return mutate(name, actor, 'key.limit_set', (key) => ({
        trafficLimitBytes: limit,
        status: statusAfterChange(key, { trafficLimitBytes: limit }, clock.now().getTime()),
      }));
    },

    /** General update (HTTP PATCH): only the given fields change. */
    update(name: string, patch: KeyPatch, actor: string) {
      assertNote(patch.note);
      const limit =
        patch.trafficLimitBytes === undefined
          ? undefined
          : storedLimit(patch.trafficLimitBytes, 'traffic limit');
      return mutate(
        name,
        actor,
        'key.modified',
        (key) => {
          const next: Partial<Key> = {};
          if (limit !== undefined) next.trafficLimitBytes = limit;
          if (patch.expireAt !== undefined) next.expireAt = clampExpiry(patch.expireAt);
          if (patch.resetStrategy !== undefined) next.resetStrategy = patch.resetStrategy;
          if (patch.ownerTelegramId !== undefined) next.ownerTelegramId = patch.ownerTelegramId;
          if (patch.note !== undefined) next.note = patch.note;
          if (patch.status === 'disabled') {
            next.status = 'disabled';
          } else {
            const enabling = patch.status === 'active' && key.status === 'disabled';
            next.status = statusAfterChange(
              { ...key, ...next, status: enabling ? 'active' : key.status },
              {},
              clock.now().getTime(),
            );
          }
          return next;
        },
        (key, tx) => webhook(tx, 'user.modified', key),
      );
    },

    /** Disables a key: it leaves the core, everything else is kept. */
    disable(name: string, actor: string) {
      return mutate(
        name,
        actor,
        'key.disabled',
        () => ({ status: 'disabled' }),
        (key, tx) => {
          notifyOwner(tx, key, { notice: 'disabled' });
          webhook(tx, 'user.disabled', key);
        },
      );
    },

    /** Enables a disabled key; it comes back as active, limited or expired as its limits say. */
    enable(name: string, actor: string) {
      return mutate(
        name,
        actor,
        'key.enabled',
        (key) => {
          if (key.status !== 'disabled') return {};
          return { status: statusOnEnable(key, clock.now().getTime()) };
        },
        (key, tx) => webhook(tx, 'user.enabled', key),
      );
    },

    setNote(name: string, note: string | null, actor: string) {
      assertNote(note);
      return mutate(name, actor, 'key.note_set', () => ({ note }));
    },

    /** Deletes a key (its usage history goes with it). */
    async delete(name: string, actor: string): Promise<void> {
      const key = db.transaction((tx) => {
        const row = require(name);
        tx.delete(keys).where(eq(keys.id, row.id)).run();
        events.record({ type: 'key.deleted', actor, subject: row.name }, tx);
        webhook(tx, 'user.deleted', row);
        return row;
      });
      await applyToCore(key, null);
    },

    /** Writes a status decided by the limits job, with its event and notice, then applies it. */
    async transition(
      key: Key,
      status: KeyStatus,
      reason: KeyTransition,
      patch: Partial<Key> = {},
      notice?: { notice: KeyNotice; dedupe?: string },
    ): Promise<Key> {
      const updated = db.transaction((tx) => {
        const row = tx
          .update(keys)
          .set({ ...patch, status, updatedAt: clock.now() })
          .where(and(eq(keys.id, key.id), eq(keys.status, key.status)))
          .returning()
          .get();
        if (!row) return null; // changed meanwhile: the next run looks again
        events.record(
          {
            type: `key.${reason}`,
            actor: 'system',
            subject: key.name,
            data: { from: key.status, to: status },
          },
          tx,
        );
        if (notice) notifyOwner(tx, row, notice.notice, notice.dedupe);
        const hooks: Partial<Record<KeyStatus, WebhookEventType>> = {
          limited: 'user.limited',
          expired: 'user.expired',
          active: 'user.enabled',
        };
        const hook = hooks[status];
        if (hook) webhook(tx, hook, row);
        return row;
      });
      if (!updated) return key;
      await applyToCore(key, updated);
      return updated;
    },

    notifyOwner,
  };
}

/** Which fields a change touched, for the event log. */
function describe(before: Key, after: Key): Record<string, unknown> {
  const changed: Record<string, unknown> = {};
  for (const field of [
    'status',
    'trafficLimitBytes',
    'expireAt',
    'resetStrategy',
    'ownerTelegramId',
    'note',
  ] as const) {
    const a = before[field];
    const b = after[field];
    const same = a instanceof Date && b instanceof Date ? a.getTime() === b.getTime() : a === b;
    if (!same) changed[field] = b instanceof Date ? b.toISOString() : b;
  }
  if (before.uuid !== after.uuid) changed.uuid = 'rotated';
  if (before.subToken !== after.subToken) changed.subToken = 'rotated';
  return changed;
}

export type KeysService = ReturnType<typeof createKeysService>;
