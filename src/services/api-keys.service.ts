/**
 * Keys of the HTTP API. A key is `xk_` + 32 random bytes (base64url), shown once; only its
 * SHA-256 is stored, with its first 12 characters as a prefix to recognise it by. Scopes
 * (with wildcards), rate limits, an IP allowlist, expiry and revocation live here; usage
 * (last use, request count) is counted in memory and written in batches by `flushUsage`.
 */
import * as crypto from 'node:crypto';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import ipaddr from 'ipaddr.js';
import type { Db } from '../db/client.ts';
import { apiKeys, type ApiKey } from '../db/schema.ts';
import type { Clock } from './clock.ts';
import { AppError } from './errors.ts';
import type { EventsService } from './events.service.ts';
import type { EventType } from './messages.ts';

/** Every scope a key can hold (CONTRACT.md). */
export const SCOPES = [
  'users:read',
  'users:write',
  'users:delete',
  'subscriptions:read',
  'stats:read',
  'system:write',
  'api-keys:read',
  'api-keys:write',
  'plans:read',
  'plans:write',
  'nodes:read',
  'nodes:write',
] as const;
export type Scope = (typeof SCOPES)[number];

export const KEY_PREFIX = 'xk_';
const KEY_RE = /^xk_[A-Za-z0-9_-]{43}$/;
const PREFIX_LENGTH = 12;
const DAY_MS = 86_400_000;
export const DEFAULT_RATE_PER_MINUTE = 120;
export const DEFAULT_RATE_PER_HOUR = 3600;
export const MAX_RATE_PER_MINUTE = 1_000_000;
export const MAX_RATE_PER_HOUR = 60_000_000;
/**
 * How long `authenticate` reuses a key it read, at most. Any write through this process's
 * connection drops every cached key at once (see `authenticate`), so this only bounds how
 * long a change made by another process (which goes through the control socket anyway)
 * takes to be seen.
 */
export const AUTH_CACHE_MS = 1000;

/** Whether one granted scope (`users:*`, `*:read`, `*:*` or exact) covers `needed`. */
export function scopeCovers(granted: string, needed: Scope): boolean {
  if (granted === needed) return true;
  const [resource, action] = granted.split(':');
  const [needResource, needAction] = needed.split(':');
  return (resource === '*' || resource === needResource) && (action === '*' || action === needAction);
}

/** Whether a key holding `granted` may use a route that needs `needed`. */
export function hasScope(granted: readonly string[], needed: Scope): boolean {
  return granted.some((g) => scopeCovers(g, needed));
}

/** The known scopes a list of granted scopes covers. */
export function expandScopes(granted: readonly string[]): Scope[] {
  return SCOPES.filter((s) => hasScope(granted, s));
}

/**
 * Validates scopes: each must be a known scope or a wildcard covering at least one.
 * Returns them without duplicates.
 * @throws AppError VALIDATION_FAILED naming the unknown ones.
 */
export function validateScopes(scopes: readonly string[]): string[] {
  const unique = [...new Set(scopes.map((s) => s.trim()).filter(Boolean))];
  const bad = unique.filter((s) => !/^[a-z*-]+:[a-z*]+$/.test(s) || expandScopes([s]).length === 0);
  if (bad.length > 0 || unique.length === 0) {
    throw new AppError(
      'VALIDATION_FAILED',
      unique.length === 0
        ? 'scopes: at least one scope is required'
        : `scopes: unknown ${bad.map((s) => `"${s.slice(0, 40)}"`).join(', ')}; known: ${SCOPES.join(' ')} (wildcards users:*, *:read, *:*)`,
      { fields: ['scopes'] },
    );
  }
  return unique;
}

/**
 * Validates an allowlist of CIDRs (IPv4 or IPv6; a bare address means that one host)
 * and returns them normalised (`10.0.0.0/8`, `2001:db8::/32`).
 */
export function validateCidrs(list: readonly string[]): string[] {
  return list.map((entry) => {
    const text = entry.trim();
    const [address = '', bits, ...rest] = text.split('/');
    // Only dotted quads for IPv4: ipaddr.js would also read legacy forms such as `1.2.3`.
    const v4 = ipaddr.IPv4.isValidFourPartDecimal(address);
    const max = v4 ? 32 : 128;
    if (
      (!v4 && !ipaddr.IPv6.isValid(address)) ||
      rest.length > 0 ||
      (bits !== undefined && !/^\d{1,3}$/.test(bits))
    ) {
      throw new AppError('VALIDATION_FAILED', `allowed_ips: "${text.slice(0, 60)}" is not an IP or CIDR`, {
        fields: ['allowed_ips'],
      });
    }
    const prefix = bits === undefined ? max : Number(bits);
    if (prefix > max) {
      throw new AppError(
        'VALIDATION_FAILED',
        `allowed_ips: "${text.slice(0, 60)}" has a prefix over /${max}`,
        {
          fields: ['allowed_ips'],
        },
      );
    }
    return `${ipaddr.parse(address).toString()}/${prefix}`;
  });
}

/** Whether `ip` falls in the allowlist; an empty list allows every address. */
export function isIpAllowed(allowed: readonly string[], ip: string): boolean {
  if (allowed.length === 0) return true;
  let addr: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    // process() turns IPv4-mapped IPv6 (::ffff:10.0.0.1, as dual-stack sockets report) into IPv4.
    addr = ipaddr.process(ip);
  } catch {
    return false;
  }
  return allowed.some((cidr) => {
    const range = ipaddr.parseCIDR(cidr);
    return addr.kind() === range[0].kind() && addr.match(range);
  });
}

/**
 * Whether a granted scope of a new key stays within `held`: some held scope covers it as a
 * pattern (`*:*` covers `users:*`, `users:*` covers `users:read`). A wildcard is never
 * covered by a list of exact scopes, because it also covers scopes added later.
 */
function scopeWithin(held: readonly string[], scope: string): boolean {
  const [resource, action] = scope.split(':');
  return held.some((h) => {
    const [r, a] = h.split(':');
    return (r === '*' || r === resource) && (a === '*' || a === action);
  });
}

/** Whether the CIDR `inner` lies inside the CIDR `outer` (same family, no shorter prefix). */
function cidrWithin(inner: string, outer: string): boolean {
  const [innerAddr, innerBits] = ipaddr.parseCIDR(inner);
  const [outerAddr, outerBits] = ipaddr.parseCIDR(outer);
  return (
    innerAddr.kind() === outerAddr.kind() && innerBits >= outerBits && innerAddr.match(outerAddr, outerBits)
  );
}

/** What an API key may do, for comparing two keys. */
type KeyPowers = Pick<
  ApiKey,
  'scopes' | 'allowedIps' | 'expireAt' | 'rateLimitPerMinute' | 'rateLimitPerHour'
>;

/**
 * Why `candidate` is stronger than `holder` (null when it is not): it holds a scope the holder
 * does not, may be used from an address the holder may not, lives longer, or has a higher
 * rate limit. A holder without an allowlist may set any.
 */
export function strongerBecause(
  candidate: KeyPowers,
  holder: KeyPowers,
): { reason: string; message: string } | null {
  const scopes = candidate.scopes.filter((s) => !scopeWithin(holder.scopes, s));
  if (scopes.length > 0) {
    return { reason: 'scopes', message: `scopes beyond this key's own: ${scopes.join(', ')}` };
  }
  if (holder.allowedIps.length > 0) {
    if (candidate.allowedIps.length === 0) {
      return {
        reason: 'allowed_ips',
        message: "no IP allowlist, while this key has one: allowed_ips must lie within this key's",
      };
    }
    const outside = candidate.allowedIps.filter((c) => !holder.allowedIps.some((h) => cidrWithin(c, h)));
    if (outside.length > 0) {
      return {
        reason: 'allowed_ips',
        message: `allowed_ips outside this key's allowlist: ${outside.join(', ')}`,
      };
    }
  }
  if (holder.expireAt) {
    const limit = holder.expireAt.getTime();
    if (!candidate.expireAt || candidate.expireAt.getTime() > limit) {
      return {
        reason: 'expiry',
        message: `expiry later than this key's own (${holder.expireAt.toISOString()})`,
      };
    }
  }
  for (const [field, mine, theirs] of [
    ['rate_limit_per_minute', holder.rateLimitPerMinute, candidate.rateLimitPerMinute],
    ['rate_limit_per_hour', holder.rateLimitPerHour, candidate.rateLimitPerHour],
  ] as const) {
    if (theirs > mine) return { reason: field, message: `${field} above this key's own (${mine})` };
  }
  return null;
}

/**
 * Refuses when `candidate` would be stronger than the calling key (an owner's call, from the
 * CLI or the bot, has no caller key and is not limited).
 * @throws AppError API_KEY_TOO_STRONG with `details.reason` (`scopes`, `allowed_ips`, `expiry`,
 * `rate_limit_per_minute`, `rate_limit_per_hour`).
 */
function assertNotStronger(candidate: KeyPowers, caller: KeyPowers | undefined, doing: string): void {
  if (!caller) return;
  const why = strongerBecause(candidate, caller);
  if (why) {
    throw new AppError('API_KEY_TOO_STRONG', `this API key cannot ${doing} a key with ${why.message}`, {
      reason: why.reason,
    });
  }
}

/** One-shot hashing (Node 20.12+) skips the Hash object; older versions take the long way. */
const sha256Hex: (data: string) => string =
  typeof crypto.hash === 'function'
    ? (data) => crypto.hash('sha256', data, 'hex')
    : (data) => createHash('sha256').update(data).digest('hex');

/** SHA-256 hex of a key: what the DB stores. */
export function hashApiKey(raw: string): string {
  return sha256Hex(raw);
}

/** An API key as the API and the CLI show it (never its secret or hash). */
export interface ApiKeyJson {
  id: number;
  name: string;
  prefix: string;
  scopes: string[];
  rate_limit_per_minute: number;
  rate_limit_per_hour: number;
  allowed_ips: string[];
  active: boolean;
  status: 'active' | 'disabled' | 'revoked' | 'expired';
  expire_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
  total_requests: number;
  created_by: string | null;
  created_at: string;
}

export interface ApiKeyInput {
  name: string;
  scopes: readonly string[];
  rateLimitPerMinute?: number;
  rateLimitPerHour?: number;
  allowedIps?: readonly string[];
  /** Days until the key stops working; 0 or absent = never. */
  expireDays?: number | null;
}

export interface ApiKeyPatch {
  name?: string;
  scopes?: readonly string[];
  rateLimitPerMinute?: number;
  rateLimitPerHour?: number;
  allowedIps?: readonly string[];
  active?: boolean;
  expireAt?: Date | null;
}

function checkName(name: string): string {
  const trimmed = name.trim();
  if (trimmed.length < 1 || trimmed.length > 64) {
    throw new AppError('VALIDATION_FAILED', 'name: 1-64 characters', { fields: ['name'] });
  }
  return trimmed;
}

function checkRate(value: number | undefined, max: number, field: string): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new AppError('VALIDATION_FAILED', `${field}: a whole number from 1 to ${max}`, { fields: [field] });
  }
  return value;
}

/** A key `authenticate` read: its row, its hash as bytes, when it was read. */
interface CachedKey {
  row: ApiKey;
  hash: Buffer;
  readAt: number;
}

/** Services built so far (names the change triggers of each apart). */
let apiKeyWatchers = 0;

export function createApiKeysService(deps: { db: Db; clock: Clock; events: EventsService }) {
  const { db, clock, events } = deps;
  /** Usage not yet written: key id → requests since the last flush and the last use. */
  const pending = new Map<number, { requests: number; lastUsedAt: Date }>();
  // Prepared on first use (services are built before migrations run); the auth hot path.
  let byHashQuery: { get(params: { hash: string }): ApiKey | undefined } | undefined;
  const byHash = () =>
    (byHashQuery ??= db
      .select()
      .from(apiKeys)
      .where(eq(apiKeys.keyHash, sql.placeholder('hash')))
      .prepare());

  /**
   * Keys read by `authenticate`, by hash (only keys that exist: unknown hashes are not kept).
   * Valid until any row of api_keys changes through this connection (temporary triggers call
   * back into this service: its own writes, a restore, anything) and for AUTH_CACHE_MS at most
   * (a change made through another connection). Writes to other tables keep it: every key
   * creation through the API is a write, and re-reading the API key after each one cost more
   * than the rest of authentication. (A created key needs nothing: no entry is ever made for a
   * hash not found.)
   */
  const authCache = new Map<string, CachedKey>();
  let watching = false;
  /** Installs the triggers on first use (services are built before migrations run). */
  function watchApiKeys(): void {
    if (watching) return;
    watching = true;
    // One function per service: tests build several services on one connection.
    const fn = `xk_api_keys_changed_${++apiKeyWatchers}`;
    db.$client.function(fn, { varargs: false }, () => {
      authCache.clear();
      return null;
    });
    for (const op of ['INSERT', 'UPDATE', 'DELETE']) {
      db.$client.exec(
        `CREATE TEMP TRIGGER IF NOT EXISTS ${fn}_${op.toLowerCase()} AFTER ${op} ON main.api_keys
         BEGIN SELECT ${fn}(); END`,
      );
    }
  }
  const forget = (id: number) => {
    for (const [hash, entry] of authCache) if (entry.row.id === id) authCache.delete(hash);
  };

  function find(id: number): ApiKey {
    const row = db.select().from(apiKeys).where(eq(apiKeys.id, id)).get();
    if (!row) throw new AppError('API_KEY_NOT_FOUND', `no API key with id ${id}`);
    return row;
  }

  function statusOf(row: ApiKey): ApiKeyJson['status'] {
    if (row.revokedAt) return 'revoked';
    if (row.expireAt && row.expireAt.getTime() <= clock.now().getTime()) return 'expired';
    return row.active ? 'active' : 'disabled';
  }

  function view(row: ApiKey): ApiKeyJson {
    const usage = pending.get(row.id);
    const lastUsedAt = usage?.lastUsedAt ?? row.lastUsedAt;
    return {
      id: row.id,
      name: row.name,
      prefix: row.prefix,
      scopes: row.scopes,
      rate_limit_per_minute: row.rateLimitPerMinute,
      rate_limit_per_hour: row.rateLimitPerHour,
      allowed_ips: row.allowedIps,
      active: row.active,
      status: statusOf(row),
      expire_at: row.expireAt?.toISOString() ?? null,
      revoked_at: row.revokedAt?.toISOString() ?? null,
      last_used_at: lastUsedAt?.toISOString() ?? null,
      total_requests: row.totalRequests + (usage?.requests ?? 0),
      created_by: row.createdBy,
      created_at: row.createdAt.toISOString(),
    };
  }

  function record(type: EventType, actor: string, row: ApiKey, data?: Record<string, unknown>) {
    events.record({ type, actor, subject: `api-key:${row.id}`, data: { name: row.name, ...data } });
  }

  return {
    view,

    /**
     * Creates a key; the returned `key` is the only time the secret exists in clear. With a
     * `caller` (the API key making the request) the new key may be no stronger than it;
     * limits not given default to the lower of the defaults and the caller's own.
     */
    create(input: ApiKeyInput, actor: string, caller?: ApiKey): ApiKeyJson & { key: string } {
      const name = checkName(input.name);
      const scopes = validateScopes(input.scopes);
      const allowedIps = validateCidrs(input.allowedIps ?? []);
      const perMinute = checkRate(input.rateLimitPerMinute, MAX_RATE_PER_MINUTE, 'rate_limit_per_minute');
      const perHour = checkRate(input.rateLimitPerHour, MAX_RATE_PER_HOUR, 'rate_limit_per_hour');
      const days = input.expireDays ?? 0;
      if (!Number.isFinite(days) || days < 0 || days > 36_500) {
        throw new AppError('VALIDATION_FAILED', 'expire_days: 0 (never) to 36500', {
          fields: ['expire_days'],
        });
      }
      const now = clock.now();
      const powers: KeyPowers = {
        scopes,
        allowedIps,
        expireAt: days > 0 ? new Date(now.getTime() + days * DAY_MS) : null,
        rateLimitPerMinute:
          perMinute ?? Math.min(DEFAULT_RATE_PER_MINUTE, caller?.rateLimitPerMinute ?? Infinity),
        rateLimitPerHour: perHour ?? Math.min(DEFAULT_RATE_PER_HOUR, caller?.rateLimitPerHour ?? Infinity),
      };
      assertNotStronger(powers, caller, 'create');
      const key = KEY_PREFIX + randomBytes(32).toString('base64url');
      const row = db
        .insert(apiKeys)
        .values({
          name,
          keyHash: hashApiKey(key),
          prefix: key.slice(0, PREFIX_LENGTH),
          ...powers,
          createdBy: actor,
          createdAt: now,
          updatedAt: now,
        })
        .returning()
        .get();
      record('apikey.created', actor, row, { scopes });
      return { ...view(row), key };
    },

    /** Every key, oldest first. */
    list(): ApiKeyJson[] {
      return db.select().from(apiKeys).orderBy(apiKeys.id).all().map(view);
    },

    get(id: number): ApiKeyJson {
      return view(find(id));
    },

    /**
     * Changes the given fields. A revoked key stays revoked. A `caller` may only change a key
     * no stronger than itself, and only into one no stronger than itself.
     */
    update(id: number, patch: ApiKeyPatch, actor: string, caller?: ApiKey): ApiKeyJson {
      const row = find(id);
      if (row.revokedAt) throw new AppError('API_KEY_REVOKED', `API key ${id} is revoked`);
      assertNotStronger(row, caller, 'change');
      const next: Partial<ApiKey> = { updatedAt: clock.now() };
      if (patch.name !== undefined) next.name = checkName(patch.name);
      if (patch.scopes !== undefined) next.scopes = validateScopes(patch.scopes);
      if (patch.allowedIps !== undefined) next.allowedIps = validateCidrs(patch.allowedIps);
      if (patch.active !== undefined) next.active = patch.active;
      if (patch.expireAt !== undefined) next.expireAt = patch.expireAt;
      const perMinute = checkRate(patch.rateLimitPerMinute, MAX_RATE_PER_MINUTE, 'rate_limit_per_minute');
      if (perMinute !== undefined) next.rateLimitPerMinute = perMinute;
      const perHour = checkRate(patch.rateLimitPerHour, MAX_RATE_PER_HOUR, 'rate_limit_per_hour');
      if (perHour !== undefined) next.rateLimitPerHour = perHour;
      assertNotStronger({ ...row, ...next }, caller, 'make');
      const updated = db.update(apiKeys).set(next).where(eq(apiKeys.id, id)).returning().get()!;
      forget(id);
      record('apikey.modified', actor, updated, { fields: Object.keys(patch) });
      return view(updated);
    },

    /** Revokes a key for good (it answers 401 from now on); a `caller` only a key no stronger than itself. */
    revoke(id: number, actor: string, caller?: ApiKey): ApiKeyJson {
      const row = find(id);
      if (row.revokedAt) return view(row);
      assertNotStronger(row, caller, 'revoke');
      const now = clock.now();
      const updated = db
        .update(apiKeys)
        .set({ revokedAt: now, updatedAt: now })
        .where(eq(apiKeys.id, id))
        .returning()
        .get()!;
      forget(id);
      record('apikey.revoked', actor, updated);
      return view(updated);
    },

    /** Deletes a key; a `caller` only a key no stronger than itself. */
    delete(id: number, actor: string, caller?: ApiKey): void {
      const row = find(id);
      assertNotStronger(row, caller, 'delete');
      db.delete(apiKeys).where(eq(apiKeys.id, id)).run();
      forget(id);
      pending.delete(id);
      record('apikey.deleted', actor, row);
    },

    /**
     * The key a request presents, if it may be used at all.
     * @throws AppError UNAUTHORIZED for an unknown, revoked, expired or disabled key.
     */
    authenticate(raw: string): ApiKey {
      if (!KEY_RE.test(raw)) throw new AppError('UNAUTHORIZED', 'unknown API key');
      const hash = hashApiKey(raw);
      watchApiKeys();
      const t = performance.now();
      let entry = authCache.get(hash);
      if (!entry || t - entry.readAt >= AUTH_CACHE_MS) {
        authCache.delete(hash);
        const row = byHash().get({ hash });
        if (!row) throw new AppError('UNAUTHORIZED', 'unknown API key');
        entry = { row, hash: Buffer.from(row.keyHash, 'hex'), readAt: t };
        authCache.set(hash, entry);
      }
      // The lookup is by hash; the comparison of what was found stays constant-time.
      if (!timingSafeEqual(entry.hash, Buffer.from(hash, 'hex'))) {
        throw new AppError('UNAUTHORIZED', 'unknown API key');
      }
      const row = entry.row;
      const status = statusOf(row);
      if (status !== 'active') throw new AppError('UNAUTHORIZED', `API key is ${status}`);
      return row;
    },

    /** Counts one request of a key, in memory (see flushUsage). */
    recordUse(id: number): void {
      const entry = pending.get(id);
      if (entry) {
        entry.requests++;
        entry.lastUsedAt = clock.now();
      } else {
        pending.set(id, { requests: 1, lastUsedAt: clock.now() });
      }
    },

    /** Writes counted usage in one transaction; returns how many keys were updated. */
    flushUsage(): number {
      if (pending.size === 0) return 0;
      const batch = [...pending];
      pending.clear();
      db.transaction((tx) => {
        for (const [id, usage] of batch) {
          tx.update(apiKeys)
            .set({
              totalRequests: sql`${apiKeys.totalRequests} + ${usage.requests}`,
              lastUsedAt: usage.lastUsedAt,
            })
            .where(eq(apiKeys.id, id))
            .run();
        }
      });
      return batch.length;
    },
  };
}

export type ApiKeysService = ReturnType<typeof createApiKeysService>;
