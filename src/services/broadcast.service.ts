/**
 * Broadcasts: one message to many Telegram users, sent at a rate Telegram accepts, with
 * progress kept in the `broadcasts` table: recipients go in id order and each outcome is
 * counted together with the recipient, so after a restart a broadcast goes on after the last
 * one counted (one person may get it twice if the process died between send and count).
 * The service knows nothing of Telegram: the caller passes the function that sends to one user.
 */
import { and, eq, inArray, isNotNull, notInArray, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { broadcasts, keys, telegramUsers, type BroadcastAudience, type KeyStatus } from '../db/schema.ts';
import type { Clock } from './clock.ts';
import { settleWithin } from '../timing.ts';
import { AppError } from './errors.ts';
import { STATUSES_IN_CORE } from './keys/rules.ts';
import type { EventsService } from './events.service.ts';

export type Broadcast = typeof broadcasts.$inferSelect;

/** What sending to one recipient came to. `blocked`: Telegram answered 403. */
export type SendOutcome = 'sent' | 'blocked' | 'failed';

export interface BroadcastInput {
  audience: BroadcastAudience;
  text?: string | null;
  /** Message entities of the text, kept as given for the sender. */
  entities?: unknown[] | null;
  photoFileId?: string | null;
  /** Telegram id of the admin who started it. */
  createdBy: number;
  /** The admin's message that shows progress. */
  progress?: { chatId: number; messageId: number } | null;
}

export interface TokenBucketOptions {
  /** Tokens added per second. */
  ratePerSecond: number;
  /** Tokens the bucket holds (the largest burst). */
  burst: number;
  /** Monotonic milliseconds (tests pass a fake). */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface TokenBucket {
  /** Resolves once a token is available and takes it. */
  take(): Promise<void>;
}

/** Classic token bucket; callers take one token per message. */
export function createTokenBucket(options: TokenBucketOptions): TokenBucket {
  const { ratePerSecond, burst } = options;
  const now = options.now ?? (() => performance.now());
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let tokens = burst;
  let last = now();
  // Takers queue up so concurrent callers never share a token.
  let queue: Promise<void> = Promise.resolve();

  async function takeOne(): Promise<void> {
    for (;;) {
      const t = now();
      tokens = Math.min(burst, tokens + ((t - last) / 1000) * ratePerSecond);
      last = t;
      if (tokens >= 1) {
        tokens -= 1;
        return;
      }
      await sleep(Math.ceil(((1 - tokens) / ratePerSecond) * 1000));
    }
  }

  return {
    take() {
      const turn = queue.then(takeOne);
      queue = turn.catch(() => undefined);
      return turn;
    },
  };
}

/**
 * Telegram allows about 30 messages a second overall. 20/s with bursts of 5 keeps any
 * one-second window at 25 messages or fewer.
 */
const BROADCAST_RATE = { ratePerSecond: 20, burst: 5 } as const;

export function createBroadcastsService(deps: {
  db: Db;
  clock: Clock;
  events: EventsService;
  rate?: TokenBucketOptions;
}) {
  const { db, clock, events } = deps;
  // One bucket for every broadcast: the limit is the bot's, not each broadcast's.
  const bucket = createTokenBucket(deps.rate ?? BROADCAST_RATE);
  /** Runs in progress, and whether the process is on its way out (see `pause`). */
  const active = new Map<number, Promise<Broadcast>>();
  let pausing = false;

  function get(id: number): Broadcast {
    const row = db.select().from(broadcasts).where(eq(broadcasts.id, id)).get();
    if (!row) throw new AppError('NOT_FOUND', `no broadcast ${id}`);
    return row;
  }

  /** Owners of keys in `statuses` (never NULL: `NOT IN` a list holding NULL matches nothing). */
  function ownersWith(statuses: readonly KeyStatus[]) {
    return db
      .selectDistinct({ id: keys.ownerTelegramId })
      .from(keys)
      .where(and(inArray(keys.status, statuses), isNotNull(keys.ownerTelegramId)));
  }

  /** Telegram ids an audience reaches: reachable, not banned, in id order. */
  function recipients(audience: BroadcastAudience): number[] {
    const where = [eq(telegramUsers.reachable, true), eq(telegramUsers.banned, false)];
    if (audience === 'active') where.push(inArray(telegramUsers.id, ownersWith(STATUSES_IN_CORE)));
    if (audience === 'expired') {
      // Whose keys ran out and who has nothing running: the people a renewal offer is for.
      where.push(inArray(telegramUsers.id, ownersWith(['expired'])));
      where.push(notInArray(telegramUsers.id, ownersWith(STATUSES_IN_CORE)));
    }
    return db
      .select({ id: telegramUsers.id })
      .from(telegramUsers)
      .where(and(...where))
      .orderBy(telegramUsers.id)
      .all()
      .map((r) => r.id);
  }

  /** Counts one outcome and moves the cursor past its recipient, in one statement. */
  function bump(id: number, outcome: SendOutcome, recipient: number): Broadcast {
    const column = broadcasts[outcome];
    return db
      .update(broadcasts)
      .set({ [outcome]: sql`${column} + 1`, lastRecipientId: recipient })
      .where(eq(broadcasts.id, id))
      .returning()
      .get()!;
  }

  /** Remembers that a person blocked the bot; the next message from them clears it. */
  function markUnreachable(telegramId: number): void {
    db.update(telegramUsers)
      .set({ reachable: false, updatedAt: clock.now() })
      .where(eq(telegramUsers.id, telegramId))
      .run();
  }

  return {
    get,
    recipients,

    /** How many people an audience reaches right now. */
    count(audience: BroadcastAudience): number {
      return recipients(audience).length;
    },

    /** Records a broadcast (state `running`, nothing sent yet); {@link run} sends it. */
    create(input: BroadcastInput): Broadcast {
      if (!input.text?.trim() && !input.photoFileId) {
        throw new AppError('VALIDATION_FAILED', 'a broadcast needs a text or a photo');
      }
      const row = db
        .insert(broadcasts)
        .values({
          audience: input.audience,
          text: input.text ?? null,
          entities: input.entities ?? null,
          photoFileId: input.photoFileId ?? null,
          progressChatId: input.progress?.chatId ?? null,
          progressMessageId: input.progress?.messageId ?? null,
          total: recipients(input.audience).length,
          createdBy: input.createdBy,
          createdAt: clock.now(),
        })
        .returning()
        .get();
      events.record({
        type: 'broadcast.started',
        actor: `tg:${input.createdBy}`,
        subject: `broadcast:${row.id}`,
        data: { audience: row.audience, total: row.total },
      });
      return row;
    },

    /** Broadcasts still running: after a restart, the ones to go on with. */
    unfinished(): Broadcast[] {
      return db.select().from(broadcasts).where(eq(broadcasts.state, 'running')).orderBy(broadcasts.id).all();
    },

    /**
     * On shutdown: every run stops before its next message, its broadcast left `running` for
     * the next start to resume. Resolves once they have all stopped.
     */
    async pause(timeoutMs = 5_000): Promise<void> {
      pausing = true;
      // A message held up by Telegram's retries must not keep the process past its stop timeout.
      await settleWithin(active.values(), timeoutMs);
    },

    /** Stops a running broadcast before its next message. False when it was not running. */
    cancel(id: number, actor: string): boolean {
      const changed = db
        .update(broadcasts)
        .set({ state: 'cancelled', finishedAt: clock.now() })
        .where(and(eq(broadcasts.id, id), eq(broadcasts.state, 'running')))
        .run().changes;
      if (changed) events.record({ type: 'broadcast.cancelled', actor, subject: `broadcast:${id}` });
      return changed > 0;
    },

    markUnreachable,

    /**
     * Sends a broadcast to its audience, one recipient at a time under the shared rate
     * limit, counting each outcome in the table. Blocked recipients are marked unreachable.
     * Stops early once cancelled. `onProgress` sees the row after every message. A broadcast
     * interrupted by a restart goes on after its last counted recipient. A broadcast already
     * being sent is not started twice: the call gets the run in progress.
     */
    run(
      id: number,
      send: (telegramId: number) => Promise<SendOutcome>,
      onProgress?: (row: Broadcast) => void | Promise<void>,
    ): Promise<Broadcast> {
      const current = active.get(id);
      if (current) return current;
      const running = sendAll(id, send, onProgress).finally(() => active.delete(id));
      active.set(id, running);
      return running;
    },
  };

  async function sendAll(
    id: number,
    send: (telegramId: number) => Promise<SendOutcome>,
    onProgress?: (row: Broadcast) => void | Promise<void>,
  ): Promise<Broadcast> {
    const start = get(id);
    if (start.state !== 'running') return start;
    const after = start.lastRecipientId;
    const ids = recipients(start.audience).filter((telegramId) => after === null || telegramId > after);
    const counted = start.sent + start.blocked + start.failed;
    db.update(broadcasts)
      .set({ total: counted + ids.length })
      .where(eq(broadcasts.id, id))
      .run();
    if (after !== null) {
      events.record({
        type: 'broadcast.resumed',
        actor: 'system',
        subject: `broadcast:${id}`,
        data: { counted, remaining: ids.length },
      });
    }
    for (const telegramId of ids) {
      await bucket.take();
      if (pausing) return get(id);
      if (get(id).state !== 'running') break;
      let outcome: SendOutcome;
      try {
        outcome = await send(telegramId);
      } catch {
        outcome = 'failed';
      }
      if (outcome === 'blocked') markUnreachable(telegramId);
      const row = bump(id, outcome, telegramId);
      await onProgress?.(row);
    }
    db.update(broadcasts)
      .set({ state: 'done', finishedAt: clock.now() })
      .where(and(eq(broadcasts.id, id), eq(broadcasts.state, 'running')))
      .run();
    const done = get(id);
    events.record({
      type: 'broadcast.finished',
      actor: `tg:${done.createdBy}`,
      subject: `broadcast:${id}`,
      data: {
        state: done.state,
        total: done.total,
        sent: done.sent,
        blocked: done.blocked,
        failed: done.failed,
      },
    });
    return done;
  }
}

export type BroadcastsService = ReturnType<typeof createBroadcastsService>;
