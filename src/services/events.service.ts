/** The event log: who did what to what, and core incidents. */
import { and, count, desc, eq, gte, lt, lte, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { lazyStatement } from '../db/statements.ts';
import { events, type Severity } from '../db/schema.ts';
import type { Clock } from './clock.ts';
import type { EventType } from './messages.ts';

export interface EventInput {
  type: EventType;
  severity?: Severity;
  actor?: string | null;
  subject?: string | null;
  data?: Record<string, unknown> | null;
}

export interface EventQuery {
  type?: string;
  severity?: Severity;
  since?: Date;
  until?: Date;
  page?: number;
  perPage?: number;
}

/** A DB handle or a transaction: events are written inside the change's transaction. */
export type DbOrTx = Pick<Db, 'insert' | 'select' | 'update' | 'delete'>;

export function createEventsService({ db, clock }: { db: Db; clock: Clock }) {
  // Prepared once: every key change writes an event, and building the insert with drizzle per
  // call cost more than the write. One connection serves every transaction, so it runs inside.
  const insertEvent = lazyStatement(
    db.$client,
    'INSERT INTO events (created_at, type, severity, actor, subject, data) VALUES (?, ?, ?, ?, ?, ?)',
  );

  return {
    /** Records an event inside the transaction of the change it describes, if one is open. */
    record(event: EventInput, _tx: DbOrTx = db) {
      insertEvent().run(
        clock.now().getTime(),
        event.type,
        event.severity ?? 'info',
        event.actor ?? null,
        event.subject ?? null,
        event.data ? JSON.stringify(event.data) : null,
      );
    },

    /** Deletes events older than `days` (default 180); returns how many went. */
    prune(days = 180) {
      const cutoff = new Date(clock.now().getTime() - days * 86_400_000);
      return db.delete(events).where(lt(events.at, cutoff)).run().changes;
    },

    /** How many events of each type and of each severity, optionally since an instant. */
    counts(since?: Date) {
      const filter = since ? gte(events.at, since) : undefined;
      const byType = db
        .select({ key: events.type, n: count() })
        .from(events)
        .where(filter)
        .groupBy(events.type)
        .all();
      const bySeverity = db
        .select({ key: events.severity, n: count() })
        .from(events)
        .where(filter)
        .groupBy(events.severity)
        .all();
      const toRecord = (rows: { key: string; n: number }[]) =>
        Object.fromEntries(rows.map((r) => [r.key, r.n]));
      return { by_type: toRecord(byType), by_severity: toRecord(bySeverity) };
    },

    /** Newest first, with paging. */
    list(query: EventQuery = {}) {
      const where: SQL[] = [];
      if (query.type) where.push(eq(events.type, query.type));
      if (query.severity) where.push(eq(events.severity, query.severity));
      if (query.since) where.push(gte(events.at, query.since));
      if (query.until) where.push(lte(events.at, query.until));
      const perPage = Math.min(Math.max(query.perPage ?? 20, 1), 500);
      const page = Math.max(query.page ?? 1, 1);
      const filter = where.length ? and(...where) : undefined;
      const items = db
        .select()
        .from(events)
        .where(filter)
        .orderBy(desc(events.at), desc(events.id))
        .limit(perPage)
        .offset((page - 1) * perPage)
        .all();
      const total = db.select({ n: count() }).from(events).where(filter).get()?.n ?? 0;
      return { items, total, page, perPage };
    },
  };
}

export type EventsService = ReturnType<typeof createEventsService>;
