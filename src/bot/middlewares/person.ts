/** Records who is talking to the bot, attaches their role, and stops banned people. */
import type { NextFunction } from 'grammy';
import type { Services } from '../../services/index.ts';
import type { BotContext } from '../context.ts';

export function personMiddleware(services: Services) {
  return async (ctx: BotContext, next: NextFunction) => {
    const from = ctx.from;
    ctx.role = 'user';
    if (from && !from.is_bot) {
      ctx.person = services.admins.touch({
        id: from.id,
        username: from.username,
        firstName: from.first_name,
        lastName: from.last_name,
        languageCode: from.language_code,
      });
      ctx.role = services.admins.roleOfPerson(ctx.person);
      if (ctx.person.banned && ctx.role === 'user') return; // banned people get nothing
    }
    await next();
  };
}
