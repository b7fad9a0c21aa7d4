/**
 * Invite codes: admins hand them out as deep links (`t.me/<bot>?start=CODE`); redeeming one
 * creates a key without approval. A code is one-time or multi-use, may expire, and can be
 * switched off; uses are counted atomically, so a code never goes over its limit.
 */
import { randomBytes } from 'node:crypto';
import { and, desc, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { events, invites, type Key } from '../db/schema.ts';
import type { Clock } from './clock.ts';
import { AppError } from './errors.ts';
import type { EventsService } from './events.service.ts';
import type { KeysService } from './keys.service.ts';
import type { RequestsService } from './requests.service.ts';
import type { SettingsService } from './settings.service.ts';

/** Deep-link payloads allow 1–64 of `A-Z a-z 0-9 _ -`. */
const CODE_RE = /^[A-Za-z0-9_-]{4,64}$/;

/** A row of `invites`. */
export type Invite = typeof invites.$inferSelect;

/** What a code grants and how often. */
export interface InviteTerms {
  /** Redemptions allowed; null = unlimited. Default 1. */
  maxUses?: number | null;
  /** Traffic of the key; null = the default setting, 0 = unlimited. */
  trafficGb?: number | null;
  /** Lifetime of the key; null = the default setting, 0 = no expiry. */
  days?: number | null;
  /** After this instant the code is refused; null = never. */
  expireAt?: Date | null;
}

/** Why a code was refused. */
export type InviteRefusal =
  | 'not_found'
  | 'inactive'
  | 'expired'
  | 'used_up'
  /** This person redeemed this code before. */
  | 'already_redeemed'
  /** This person holds `maxKeysPerUser` keys already. */
  | 'limit';

/** A key, or why not. */
export type RedeemResult = { ok: true; key: Key; invite: Invite } | { ok: false; reason: InviteRefusal };

function assertTerms(terms: InviteTerms, now: Date): void {
  const { maxUses, trafficGb, days, expireAt } = terms;
  if (maxUses != null && !(Number.isSafeInteger(maxUses) && maxUses >= 1)) {
    throw new AppError('VALIDATION_FAILED', 'maxUses must be a whole number of at least 1, or null');
  }
  for (const [what, value] of [
    ['trafficGb', trafficGb],
    ['days', days],
  ] as const) {
    if (value != null && !(Number.isFinite(value) && value >= 0)) {
      throw new AppError('VALIDATION_FAILED', `${what} must be 0 (unlimited) or more`);
    }
  }
  if (expireAt && expireAt.getTime() <= now.getTime()) {
    throw new AppError('VALIDATION_FAILED', 'expireAt must be in the future');
  }
}

/** Builds the invites service (wired as `services.invites`). */
export function createInvitesService(deps: {
  db: Db;
  clock: Clock;
  keys: KeysService;
  requests: RequestsService;
  settings: SettingsService;
  events: EventsService;
}) {
  const { db, clock, keys, requests, settings, events: eventLog } = deps;

  function get(code: string): Invite | undefined {
    return db.select().from(invites).where(eq(invites.code, code)).get();
  }

  function redeemedBefore(code: string, telegramId: number): boolean {
    const row = db
      .select({ id: events.id })
      .from(events)
      .where(
        and(
          eq(events.type, 'invite.redeemed'),
          eq(events.subject, code),
          eq(events.actor, `tg:${telegramId}`),
        ),
      )
      .get();
    return row !== undefined;
  }

  /** Checks a code for a person and takes one use; all in one transaction. */
  function take(code: string, telegramId: number): Invite | InviteRefusal {
    return db.transaction((tx) => {
      const invite = get(code);
      if (!invite) return 'not_found';
      if (!invite.active) return 'inactive';
      if (invite.expireAt && invite.expireAt.getTime() <= clock.now().getTime()) return 'expired';
      if (invite.maxUses !== null && invite.uses >= invite.maxUses) return 'used_up';
      if (redeemedBefore(code, telegramId)) return 'already_redeemed';
      if (keys.ownedBy(telegramId).length >= settings.require('maxKeysPerUser')) return 'limit';
      // Guarded increment: the count never passes maxUses, even with another process redeeming.
      const taken = tx
        .update(invites)
        .set({ uses: sql`${invites.uses} + 1` })
        .where(
          and(
            eq(invites.id, invite.id),
            eq(invites.active, true),
            sql`(${invites.maxUses} IS NULL OR ${invites.uses} < ${invites.maxUses})`,
          ),
        )
        .returning()
        .get();
      return taken ?? 'used_up';
    });
  }

  return {
    get,

    /**
     * Creates a code (random when `code` is omitted) with the key terms it grants.
     * Throws VALIDATION_FAILED for a malformed or taken code or bad terms.
     */
    create(code: string | undefined, terms: InviteTerms, adminId: number): Invite {
      const now = clock.now();
      assertTerms(terms, now);
      const value = code ?? randomBytes(6).toString('base64url');
      if (!CODE_RE.test(value)) {
        throw new AppError('VALIDATION_FAILED', 'an invite code is 4-64 of letters, digits, _ and -');
      }
      return db.transaction((tx) => {
        if (get(value)) throw new AppError('VALIDATION_FAILED', `invite code "${value}" is taken`);
        const row = tx
          .insert(invites)
          .values({
            code: value,
            maxUses: terms.maxUses === undefined ? 1 : terms.maxUses,
            trafficGb: terms.trafficGb ?? null,
            days: terms.days ?? null,
            expireAt: terms.expireAt ?? null,
            createdBy: adminId,
            createdAt: now,
          })
          .returning()
          .get();
        eventLog.record({ type: 'invite.created', actor: `tg:${adminId}`, subject: value }, tx);
        return row;
      });
    },

    /**
     * A person redeems a code: on success a key with the code's terms is theirs and any
     * request of theirs still pending is cancelled. Refusals come back with a reason.
     */
    async redeem(code: string, telegramId: number): Promise<RedeemResult> {
      const taken = take(code, telegramId);
      if (typeof taken === 'string') return { ok: false, reason: taken };
      let key: Key;
      try {
        key = await keys.create(
          {
            ...requests.keyInput(telegramId, { days: taken.days, trafficGb: taken.trafficGb }),
            note: `invite ${code}`,
          },
          `tg:${telegramId}`,
        );
      } catch (error) {
        db.update(invites)
          .set({ uses: sql`max(${invites.uses} - 1, 0)` })
          .where(eq(invites.id, taken.id))
          .run();
        throw error;
      }
      db.transaction((tx) => {
        eventLog.record({ type: 'invite.redeemed', actor: `tg:${telegramId}`, subject: code }, tx);
        requests.cancelPendingOf(telegramId, tx);
      });
      return { ok: true, key, invite: taken };
    },

    /** Every code, newest first. */
    list(): Invite[] {
      return db.select().from(invites).orderBy(desc(invites.id)).all();
    },

    /** Switches a code off for good (keys made with it stay). Throws NOT_FOUND. */
    deactivate(code: string, adminId: number): Invite {
      return db.transaction((tx) => {
        const row = tx.update(invites).set({ active: false }).where(eq(invites.code, code)).returning().get();
        if (!row) throw new AppError('NOT_FOUND', `no invite code "${code}"`);
        eventLog.record({ type: 'invite.deactivated', actor: `tg:${adminId}`, subject: code }, tx);
        return row;
      });
    },
  };
}

/** See {@link createInvitesService}. */
export type InvitesService = ReturnType<typeof createInvitesService>;
