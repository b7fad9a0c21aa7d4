/**
 * The rules of a VPN key, in one place: names and notes, expiry from days, the status
 * machine (what moves a key between statuses, and which statuses are in the core), and the
 * name a self-service key gets. Pure functions: the services apply them, callers that check
 * input early (HTTP schemas, bot dialogs, backups) test against the same rules.
 */
import type { Key, KeyStatus } from '../../db/schema.ts';
import { AppError } from '../errors.ts';

/** A gigabyte as the contract means it: 2^30 bytes. */
export const GB = 2 ** 30;
export const DAY_MS = 86_400_000;
export const DAY_SECONDS = 86_400;

// ---- names and notes ----

/** Longest key name (the core's email). */
export const KEY_NAME_MAX = 32;
/** A key name: 1–32 of letters, digits, `_ . - @`. */
export const KEY_NAME_RE = /^[A-Za-z0-9_.\-@]{1,32}$/;
/** Names the HTTP API uses as path words (`PATCH /users/batch`). */
const RESERVED_NAMES = new Set(['batch']);
/** Longest note on a key. */
export const NOTE_MAX = 500;

export function isValidKeyName(name: string): boolean {
  return KEY_NAME_RE.test(name) && !RESERVED_NAMES.has(name.toLowerCase());
}

/** Validates a key name (the core's email): 1–32 of letters, digits, `_ . - @`. */
export function assertKeyName(name: string): void {
  if (!isValidKeyName(name)) {
    throw new AppError(
      'INVALID_KEY_NAME',
      `"${name.slice(0, 40)}" is not a valid key name: use 1-32 letters, digits, _ . - @`,
    );
  }
}

export function assertNote(note: string | null | undefined): void {
  if (note && note.length > NOTE_MAX) {
    throw new AppError('VALIDATION_FAILED', `note must be at most ${NOTE_MAX} characters`);
  }
}

/**
 * A free key name for a person: their Telegram username when it is a valid name, else
 * `tg<ID>` (`key` for nobody known); `-2`, `-3`… is appended while the name is taken.
 */
export function freeKeyName(
  taken: (name: string) => boolean,
  person: { id: number | null; username?: string | null },
): string {
  const base =
    person.username && /^[A-Za-z0-9_]{1,32}$/.test(person.username)
      ? person.username
      : person.id === null
        ? 'key'
        : `tg${person.id}`;
  if (!taken(base)) return base;
  for (let n = 2; ; n++) {
    const suffix = `-${n}`;
    const name = base.slice(0, KEY_NAME_MAX - suffix.length) + suffix;
    if (!taken(name)) return name;
  }
}

// ---- limits and expiry ----

/** A traffic limit as stored: null/0 = unlimited (null), else a whole non-negative number. */
export function storedLimit(value: number | null | undefined, what = 'traffic limit'): number | null {
  if (value === null || value === undefined || value === 0) return null;
  if (!Number.isFinite(value) || value < 0) {
    throw new AppError('VALIDATION_FAILED', `${what} must be a positive number or 0 for unlimited`);
  }
  return Math.round(value);
}

/** Bytes of `gb` gigabytes; 0 (or less) = unlimited (null). */
export function limitFromGb(gb: number): number | null {
  return gb > 0 ? Math.round(gb * GB) : null;
}

/**
 * The latest expiry a key can have (end of year 9999). Past it a Date turns into "+010000-…"
 * in ISO and, past year 275760, into an invalid Date that SQLite stores as NULL: "never
 * expires". Extensions clamp here instead.
 */
export const MAX_EXPIRE_AT = new Date(Date.UTC(9999, 11, 31, 23, 59, 59, 999));

/** `fromMs` plus `days`, never past {@link MAX_EXPIRE_AT}. */
export function expiryAfter(fromMs: number, days: number): Date {
  return new Date(Math.min(fromMs + days * DAY_MS, MAX_EXPIRE_AT.getTime()));
}

/** "N days from now, 0 = never": the expiry of something given for `days` days. */
export function expiryFromDays(now: Date, days: number | null | undefined): Date | null {
  return days && days > 0 ? expiryAfter(now.getTime(), days) : null;
}

/** `at` minus `days` (a refund takes back what a payment added). */
export function expiryBefore(at: Date, days: number): Date {
  return new Date(at.getTime() - days * DAY_MS);
}

/** A given expiry as stored: null stays null, a Date past the maximum is clamped, an invalid one refused. */
export function clampExpiry(at: Date | null | undefined): Date | null | undefined {
  if (!at) return at;
  if (Number.isNaN(at.getTime())) throw new AppError('VALIDATION_FAILED', 'expiry is not a valid date');
  return at.getTime() > MAX_EXPIRE_AT.getTime() ? MAX_EXPIRE_AT : at;
}

/** An on-hold duration plus `days`, short enough that starting at `nowMs` still ends by MAX_EXPIRE_AT. */
export function onHoldSeconds(current: number | null, days: number, nowMs: number): number {
  const room = Math.floor((MAX_EXPIRE_AT.getTime() - nowMs) / 1000);
  return Math.min(Math.round((current ?? 0) + days * DAY_SECONDS), room);
}

/** Period usage of a key. */
export function usedBytes(key: Pick<Key, 'uploadBytes' | 'downloadBytes'>): number {
  return key.uploadBytes + key.downloadBytes;
}

// ---- the status machine ----
//
//   create ──► active | on_hold | disabled
//   on_hold ──first connection or deadline──► active (expiry = start + duration)
//   active ──quota used──► limited        active | limited ──expiry passed──► expired
//   limited | expired ──reset, renew, new limit or expiry with room──► active
//   any ──disable──► disabled ──enable──► what its limits say (on_hold if it never started)

/** Statuses whose keys are present in the core (on_hold keys connect to start their clock). */
export const STATUSES_IN_CORE = ['active', 'on_hold'] as const satisfies readonly KeyStatus[];

export function isInCore(status: KeyStatus): boolean {
  return (STATUSES_IN_CORE as readonly KeyStatus[]).includes(status);
}

/** The status a new key starts in. */
export function statusAtCreate(input: { status?: 'active' | 'disabled'; onHold?: unknown }): KeyStatus {
  if (input.status === 'disabled') return 'disabled';
  return input.onHold ? 'on_hold' : 'active';
}

/** After a limit or expiry change: limited/expired keys with room again become active. */
export function statusAfterChange(
  key: Key,
  next: { expireAt?: Date | null; trafficLimitBytes?: number | null },
  nowMs: number,
): KeyStatus {
  if (key.status === 'disabled' || key.status === 'on_hold') return key.status;
  const expireAt = next.expireAt === undefined ? key.expireAt : next.expireAt;
  const limit = next.trafficLimitBytes === undefined ? key.trafficLimitBytes : next.trafficLimitBytes;
  if (expireAt && expireAt.getTime() <= nowMs) return 'expired';
  if (limit !== null && usedBytes(key) >= limit) return 'limited';
  return 'active';
}

/** After usage is zeroed: a limited key is active again. */
export function statusAfterReset(status: KeyStatus): KeyStatus {
  return status === 'limited' ? 'active' : status;
}

/** What an enabled key becomes: on hold if it never started, else what its limits say. */
export function statusOnEnable(key: Key, nowMs: number): KeyStatus {
  if (key.status !== 'disabled') return key.status;
  const neverStarted =
    key.onHoldDurationSeconds !== null && key.firstConnectedAt === null && key.expireAt === null;
  return neverStarted ? 'on_hold' : statusAfterChange({ ...key, status: 'active' }, {}, nowMs);
}

/** The expiry of an on-hold key whose clock starts now (first connection or deadline), or null while it waits. */
export function onHoldStart(key: Key, nowMs: number): Date | null {
  if (key.status !== 'on_hold') return null;
  const deadlinePassed = key.onHoldDeadline !== null && key.onHoldDeadline.getTime() <= nowMs;
  if (key.firstConnectedAt === null && !deadlinePassed) return null;
  const startMs = key.firstConnectedAt?.getTime() ?? nowMs;
  return new Date(startMs + (key.onHoldDurationSeconds ?? 0) * 1000);
}

/** A key whose expiry has passed and that is not yet marked expired. */
export function isDueToExpire(key: Key, nowMs: number): key is Key & { expireAt: Date } {
  return key.expireAt !== null && key.expireAt.getTime() <= nowMs && key.status !== 'expired';
}

/** An active key that used its whole quota. */
export function isOverQuota(key: Key): boolean {
  return key.status === 'active' && key.trafficLimitBytes !== null && usedBytes(key) >= key.trafficLimitBytes;
}
