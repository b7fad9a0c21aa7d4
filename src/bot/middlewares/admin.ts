/**
 * The admin role guard. Every admin command and every admin button (callback data `a:…`)
 * passes here, and the role is read from the database for each update (`ctx.role`, set by
 * the person middleware): callback data is never trusted. A refused attempt answers with a
 * refusal, changes nothing, and is logged as `security.admin_refused`, at most once per
 * person a minute so a flood cannot fill the event log.
 */
import type { MiddlewareFn } from 'grammy';
import type { Role } from '../../services/model.ts';
import type { Services } from '../../services/index.ts';
import type { BotContext } from '../context.ts';

/** Commands only admins may use. */
export const ADMIN_COMMANDS = [
  'admin',
  'users',
  'user',
  'create',
  'kick',
  'reset',
  'extend',
  'limit',
  'disable',
  'enable',
  'delete',
  'backup',
  'restore',
  'status',
  'events',
  'broadcast',
  'apikeys',
] as const;

/** Prefix of every admin button's callback data. */
const ADMIN_CALLBACK_PREFIX = 'a:';

const COMMAND_RE = /^\/([A-Za-z0-9_]+)(?:@\w+)?(?:\s|$)/;
const REFUSAL_EVENT_INTERVAL_MS = 60_000;

/** The command a text or caption starts with, lower-cased, if any. */
export function commandOf(text: string | undefined): string | undefined {
  return text ? COMMAND_RE.exec(text)?.[1]?.toLowerCase() : undefined;
}

/** True for updates that need an admin: admin commands (also as a caption) and `a:` buttons. */
export function isAdminUpdate(ctx: BotContext): boolean {
  const data = ctx.callbackQuery?.data;
  if (data !== undefined) return data.startsWith(ADMIN_CALLBACK_PREFIX);
  const message = ctx.message;
  const command = commandOf(message?.text ?? message?.caption);
  return command !== undefined && (ADMIN_COMMANDS as readonly string[]).includes(command);
}

const RANK: Record<Role, number> = { user: 0, admin: 1, owner: 2 };

/** The guard's middlewares: `requireAdmin` for the whole admin tree, `requireOwner` for owner-only parts. */
export function createAdminGuard(services: Services) {
  /** Person id → when their last refusal was recorded. */
  const lastRecorded = new Map<number, number>();

  function recordRefusal(ctx: BotContext, needed: Role): void {
    const id = ctx.from?.id;
    if (id === undefined) return;
    const now = services.clock.now().getTime();
    const last = lastRecorded.get(id);
    if (last !== undefined && now - last < REFUSAL_EVENT_INTERVAL_MS) return;
    lastRecorded.set(id, now);
    if (lastRecorded.size > 10_000) {
      for (const [key, at] of lastRecorded)
        if (now - at >= REFUSAL_EVENT_INTERVAL_MS) lastRecorded.delete(key);
    }
    const attempt = ctx.callbackQuery?.data ?? `/${commandOf(ctx.message?.text ?? ctx.message?.caption)}`;
    services.events.record({
      type: 'security.admin_refused',
      severity: 'warning',
      actor: `tg:${id}`,
      data: { attempt: attempt.slice(0, 64), needed, role: ctx.role },
    });
  }

  function require(needed: Role, refusal: string): MiddlewareFn<BotContext> {
    return async (ctx, next) => {
      if (RANK[ctx.role] >= RANK[needed]) return next();
      recordRefusal(ctx, needed);
      const text = ctx.t(refusal);
      if (ctx.callbackQuery) await ctx.answerCallbackQuery({ text, show_alert: true });
      else if (ctx.chat) await ctx.reply(text);
    };
  }

  return {
    requireAdmin: require('admin', 'refused-not-admin'),
    requireOwner: require('owner', 'admin-refused-not-owner'),
  };
}
