/**
 * The outbox: side effects written in the same transaction as the change that causes
 * them, delivered later by a worker with retries. A crash loses nothing.
 */
import { and, asc, desc, eq, isNotNull, isNull, lte } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { lazyStatement } from '../db/statements.ts';
import { outbox, type OutboxRow } from '../db/schema.ts';
import type { Logger } from '../logger.ts';
import type { Clock } from './clock.ts';
import type { DbOrTx } from './events.service.ts';
import type { OutboxMessages } from './messages.ts';

/** Delivers one row. Throw to retry later; throw {@link PermanentFailure} to give up now. */
export type OutboxHandler<P = unknown> = (payload: P, row: OutboxRow) => Promise<void>;

/** Told when a row is dead-lettered (so admins can hear of it). */
export type GiveUpHandler<P = unknown> = (row: OutboxRow & { payload: P }, lastError: string) => void;

/** A failure that retrying cannot fix (the recipient blocked the bot, say). */
export class PermanentFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentFailure';
  }
}

interface Handler {
  deliver: OutboxHandler;
  onGiveUp?: GiveUpHandler;
}

/** What one run of the worker came to. */
export interface DeliveryStats {
  delivered: number;
  retried: number;
  failed: number;
}

export interface OutboxOptions {
  /** Attempts before a row is dead-lettered. */
  maxAttempts?: number;
  /** First retry delay; doubles each attempt. */
  baseDelayMs?: number;
  maxDelayMs?: number;
}

/**
 * The outbox, typed by the messages it carries (kind → payload): {@link OutboxMessages} in
 * the product; a test may bring its own.
 */
export function createOutboxService<M extends object = OutboxMessages>(
  deps: { db: Db; clock: Clock; logger: Logger } & OutboxOptions,
) {
  const { db, clock, logger } = deps;
  const maxAttempts = deps.maxAttempts ?? 8;
  const baseDelayMs = deps.baseDelayMs ?? 30_000;
  const maxDelayMs = deps.maxDelayMs ?? 60 * 60_000;
  const handlers = new Map<string, Handler>();
  // Every change queues through here (100k rows in a first cycle after an import): one
  // prepared statement, where building the insert each time cost ~28 µs a row.
  const insertRow = lazyStatement(
    db.$client,
    `INSERT INTO outbox (kind, payload, dedupe_key, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT DO NOTHING`,
  );
  /** Kinds with a batch in progress. */
  const busy = new Set<string>();

  function dueRows(kind: string, now: Date, limit: number): OutboxRow[] {
    return db
      .select()
      .from(outbox)
      .where(
        and(
          eq(outbox.kind, kind),
          isNull(outbox.deliveredAt),
          isNull(outbox.failedAt),
          lte(outbox.nextAttemptAt, now),
        ),
      )
      .orderBy(asc(outbox.id))
      .limit(limit)
      .all();
  }

  /** One attempt at one row; a failure is retried later with backoff, or given up on. */
  async function deliver(row: OutboxRow, handler: Handler): Promise<keyof DeliveryStats> {
    try {
      await handler.deliver(row.payload, row);
      db.update(outbox)
        .set({ deliveredAt: clock.now(), attempts: row.attempts + 1, lastError: null })
        .where(eq(outbox.id, row.id))
        .run();
      return 'delivered';
    } catch (error) {
      const attempts = row.attempts + 1;
      const message = error instanceof Error ? error.message : String(error);
      const giveUp = error instanceof PermanentFailure || attempts >= maxAttempts;
      const delay = Math.min(baseDelayMs * 2 ** (attempts - 1), maxDelayMs);
      db.update(outbox)
        .set({
          attempts,
          lastError: message.slice(0, 1000),
          failedAt: giveUp ? clock.now() : null,
          nextAttemptAt: new Date(clock.now().getTime() + delay),
        })
        .where(eq(outbox.id, row.id))
        .run();
      logger.warn({ kind: row.kind, id: row.id, attempts, giveUp, err: error }, 'outbox delivery failed');
      if (!giveUp) return 'retried';
      handler.onGiveUp?.(row, message);
      return 'failed';
    }
  }

  return {
    /**
     * Queues a side effect in the change's transaction `_tx`: there is one connection, so the
     * insert joins whatever transaction is open on it (the argument says which one is meant).
     * With a `dedupeKey`, a second row with the same key is dropped — the way "send once per
     * period" is kept.
     * @returns true when queued, false when the dedupe key was already used.
     */
    enqueue<K extends keyof M & string>(
      kind: K,
      payload: M[K],
      _tx: DbOrTx = db,
      dedupeKey?: string,
    ): boolean {
      const now = clock.now().getTime();
      return insertRow().run(kind, JSON.stringify(payload), dedupeKey ?? null, now, now).changes > 0;
    },

    /** Plugs in the delivery of one kind (Telegram message, webhook…). */
    register<K extends keyof M & string>(
      kind: K,
      deliver: OutboxHandler<M[K]>,
      options: { onGiveUp?: GiveUpHandler<M[K]> } = {},
    ) {
      // Rows are read back as JSON of what `enqueue` took for this kind.
      handlers.set(kind, { deliver, onGiveUp: options.onGiveUp } as Handler);
    },

    /** Rows not yet delivered nor given up on, oldest first. */
    pending(limit = 100) {
      return db
        .select()
        .from(outbox)
        .where(and(isNull(outbox.deliveredAt), isNull(outbox.failedAt)))
        .orderBy(asc(outbox.id))
        .limit(limit)
        .all();
    },

    /** Dead-lettered rows, newest first. */
    failed(limit = 50) {
      return db
        .select()
        .from(outbox)
        .where(isNotNull(outbox.failedAt))
        .orderBy(desc(outbox.id))
        .limit(limit)
        .all();
    },

    /**
     * Delivers the rows that are due: each kind on its own, in order, up to `limit` rows a
     * kind, the kinds side by side, so a backlog or a slow receiver of one kind (webhooks)
     * never holds up another (people's notices). Runs may overlap: a kind whose batch is
     * still going is left to it, the others are served. Rows of a kind with no handler yet
     * wait (their feature may not be started). Rows queued during the run wait for the next.
     */
    async deliverDue(limit = 50): Promise<DeliveryStats> {
      const now = clock.now();
      const stats: DeliveryStats = { delivered: 0, retried: 0, failed: 0 };
      // Every batch is chosen before any handler runs (a handler may queue rows of another kind).
      const batches = [...handlers]
        .filter(([kind]) => !busy.has(kind))
        .map(([kind, handler]) => ({ kind, handler, rows: dueRows(kind, now, limit) }))
        .filter((batch) => batch.rows.length > 0);
      for (const { kind } of batches) busy.add(kind);
      await Promise.all(
        batches.map(async ({ kind, handler, rows }) => {
          try {
            for (const row of rows) stats[await deliver(row, handler)]++;
          } finally {
            busy.delete(kind);
          }
        }),
      );
      return stats;
    },
  };
}

export type OutboxService = ReturnType<typeof createOutboxService<OutboxMessages>>;
