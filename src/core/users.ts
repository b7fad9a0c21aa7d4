/**
 * Rules for the users xkeeper puts into a core, and the diff the reconciler acts on.
 * The core matches emails case-insensitively, so every comparison here does too.
 */
import type { CoreUser } from './config.ts';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// ">>>" separates the parts of a stats counter name; control characters break logs and links.
// eslint-disable-next-line no-control-regex
const BAD_NAME_RE = /[\u0000-\u001f\u007f]|>>>/;
const MAX_NAME_LENGTH = 128;

/** The identity of a user inside a core: its email, lowercased. */
export function userKey(name: string): string {
  return name.toLowerCase();
}

/** Why `user` cannot go into a core, or null when it can. */
export function invalidUserReason(user: CoreUser): string | null {
  if (user.name.length === 0 || user.name.length > MAX_NAME_LENGTH) {
    return `name must be 1-${MAX_NAME_LENGTH} characters`;
  }
  if (BAD_NAME_RE.test(user.name)) return 'name may not contain control characters or ">>>"';
  if (!UUID_RE.test(user.uuid)) return 'uuid is not a UUID';
  return null;
}

/** What separates the users a core should have from those it has. */
export interface UserDiff {
  /** Desired names absent from the core. */
  missing: string[];
  /** Names in the core that should not be there. */
  extra: string[];
  /** Names present in both with another UUID. */
  changed: string[];
}

/** Compares desired users with the users in a core; names come out sorted. */
export function diffUsers(desired: readonly CoreUser[], actual: readonly CoreUser[]): UserDiff {
  const inCore = new Map(actual.map((user) => [userKey(user.name), user]));
  const wanted = new Set(desired.map((user) => userKey(user.name)));
  const missing: string[] = [];
  const changed: string[] = [];
  for (const user of desired) {
    const current = inCore.get(userKey(user.name));
    if (!current) missing.push(user.name);
    else if (current.uuid.toLowerCase() !== user.uuid.toLowerCase()) changed.push(user.name);
  }
  const extra = actual.filter((user) => !wanted.has(userKey(user.name))).map((user) => user.name);
  const sort = (names: string[]) => names.sort((a, b) => a.localeCompare(b));
  return { missing: sort(missing), extra: sort(extra), changed: sort(changed) };
}
