/**
 * Operations the `xkeeper` CLI can run. One table serves both paths: the running
 * instance executes them when the CLI hands a command over the control socket, and
 * the CLI executes them itself on the files when xkeeper is not running.
 *
 * Every argument schema words its own errors for the operator (`TGID must be …`): the
 * message reaches the terminal as it is, never a validation library's text.
 */
import { z } from 'zod';
import { runMigrations } from '../db/migrate.ts';
import type { Services } from '../services/index.ts';
import { expiryFromDays, limitFromGb } from '../services/keys/rules.ts';
import { AppError } from '../services/errors.ts';
import { toPlanJson, toPromoJson } from '../services/plan-view.ts';
import { nodeOperations } from './node-operations.ts';
import {
  Noted,
  number,
  op,
  type OperationContext,
  silentContext,
  text,
  unchanged,
  whole,
  type Operation,
  type Outcome,
} from './operation.ts';

const telegramId = number('TGID must be a Telegram user id (a number)', whole(1, Number.MAX_SAFE_INTEGER));
const keyName = text('NAME must be a key name');
const gb = (flag: string) =>
  number(`${flag} must be a number of GB, 0 or more (0 = unlimited)`, (n) => n >= 0 && n <= 1_000_000);
const days = (flag: string, min = 0) =>
  number(`${flag} must be a whole number of days from ${min} to 36500`, whole(min, 36_500));
const id = (what: string) => number(`${what} must be a number (see the list command)`, whole(1, 2 ** 31));

/** `CUR:AMOUNT` (major units, e.g. `RUB:199` or `USD:2.99`) → minor units per currency. */
const prices = z
  .array(
    z.string().transform((item, ctx) => {
      const match = /^([A-Za-z]{3}):(\d+(?:\.\d{1,2})?)$/.exec(item.trim());
      const minor = match ? Math.round(Number(match[2]) * 100) : 0;
      if (!match || minor <= 0) {
        ctx.addIssue({
          code: 'custom',
          message: `--price must be CUR:AMOUNT, e.g. RUB:199 or USD:2.99 (got ${item})`,
        });
        return z.NEVER;
      }
      return [match[1]!.toUpperCase(), minor] as const;
    }),
  )
  .transform((items) => (items.length > 0 ? Object.fromEntries(items) : undefined));

const planFields = {
  name: text('--name must be 1-32 characters', 32).optional(),
  days: days('--days', 1).optional(),
  trafficGb: gb('--traffic-gb').optional(),
  stars: number('--stars must be a whole number of Stars from 1 to 10000', whole(1, 10_000)).optional(),
  price: prices.optional(),
  trial: z.boolean().optional(),
};

function planInput(a: { [K in keyof typeof planFields]?: z.infer<(typeof planFields)[K]> }) {
  return {
    ...(a.name !== undefined && { name: a.name }),
    ...(a.days !== undefined && { days: a.days }),
    ...(a.trafficGb !== undefined && { trafficGb: a.trafficGb }),
    ...(a.stars !== undefined && { priceStars: a.stars }),
    ...(a.price !== undefined && { prices: a.price }),
    ...(a.trial !== undefined && { isTrial: a.trial }),
  };
}

function setPlanActive(services: Services, planId: number, active: boolean, actor: string) {
  const plan = services.payments.getPlan(planId);
  if (plan.active === active) {
    return unchanged(toPlanJson(plan), `plan ${plan.id} was already ${active ? 'enabled' : 'disabled'}`);
  }
  return toPlanJson(services.payments.updatePlan(planId, { active }, actor));
}

export const operations = {
  migrate: op(z.object({}), (services) => runMigrations(services.db)),
  'admin.add': op(z.object({ telegramId }), (services, { telegramId }, actor) => {
    const before = services.admins.roleOf(telegramId);
    if (before === 'admin' || before === 'owner') {
      return unchanged(
        { telegram_id: telegramId, role: before },
        before === 'owner'
          ? `${telegramId} is an owner (ADMIN_IDS)`
          : `admin ${telegramId} is already an admin`,
      );
    }
    return services.admins.addAdmin(telegramId, actor);
  }),
  'admin.remove': op(z.object({ telegramId }), (services, { telegramId }, actor) => {
    const before = services.admins.roleOf(telegramId);
    if (before === 'admin' || before === 'owner') return services.admins.removeAdmin(telegramId, actor);
    return unchanged({ telegram_id: telegramId, role: before }, `${telegramId} was not an admin`);
  }),
  'admin.list': op(z.object({}), (services) => services.admins.listAdmins()),
  'key.create': op(
    z.object({
      name: keyName,
      trafficGb: gb('--traffic-gb').optional(),
      days: days('--days').optional(),
      telegramId: number(
        '--telegram-id must be a Telegram user id (a number)',
        whole(1, Number.MAX_SAFE_INTEGER),
      ).optional(),
    }),
    async (services, a, actor) => {
      const key = await services.keys.create(
        {
          name: a.name,
          trafficLimitBytes: limitFromGb(a.trafficGb ?? 0),
          expireAt: expiryFromDays(services.clock.now(), a.days),
          ownerTelegramId: a.telegramId ?? null,
        },
        actor,
      );
      return services.view(key);
    },
  ),
  'key.list': op(z.object({}), (services) => services.keys.list({ perPage: 500 }).items.map(services.view)),
  'key.show': op(z.object({ name: keyName }), (services, a) => services.view(services.keys.get(a.name))),
  'key.kick': op(
    z.object({ name: keyName, keepSubscription: z.boolean().optional() }),
    async (services, a, actor) =>
      services.view(await services.keys.kick(a.name, actor, { keepSubscription: a.keepSubscription })),
  ),
  'key.reset': op(z.object({ name: keyName }), async (services, a, actor) =>
    services.view(await services.keys.resetTraffic(a.name, actor)),
  ),
  'key.delete': op(z.object({ name: keyName }), async (services, a, actor) => {
    const view = services.view(services.keys.get(a.name));
    await services.keys.delete(a.name, actor);
    return { ...view, deleted: true };
  }),
  'key.extend': op(z.object({ name: keyName, days: days('DAYS', 1) }), async (services, a, actor) =>
    services.view(await services.keys.renew(a.name, { extendDays: a.days }, actor)),
  ),
  'key.limit': op(z.object({ name: keyName, gb: gb('GB') }), async (services, a, actor) =>
    services.view(await services.keys.setLimit(a.name, limitFromGb(a.gb), actor)),
  ),
  'key.disable': op(z.object({ name: keyName }), async (services, a, actor) => {
    const key = services.keys.get(a.name);
    if (key.status === 'disabled')
      return unchanged(services.view(key), `key ${key.name} was already disabled`);
    return services.view(await services.keys.disable(a.name, actor));
  }),
  'key.enable': op(z.object({ name: keyName }), async (services, a, actor) => {
    const key = services.keys.get(a.name);
    if (key.status !== 'disabled') {
      return unchanged(services.view(key), `key ${key.name} was not disabled (it is ${key.status})`);
    }
    return services.view(await services.keys.enable(a.name, actor));
  }),
  'key.note': op(
    z.object({
      name: keyName,
      text: z
        .string({ error: 'TEXT must be text' })
        .max(500, { error: 'TEXT must be at most 500 characters' }),
    }),
    async (services, a, actor) =>
      services.view(await services.keys.setNote(a.name, a.text.trim() === '' ? null : a.text, actor)),
  ),
  'plan.create': op(
    z.object({ ...planFields, name: planFields.name.unwrap(), days: planFields.days.unwrap() }),
    (services, a, actor) => toPlanJson(services.payments.createPlan(planInput(a) as never, actor)),
  ),
  'plan.list': op(z.object({}), (services) => services.payments.listPlans().map(toPlanJson)),
  'plan.update': op(z.object({ id: id('ID'), ...planFields }), (services, a, actor) => {
    const patch = planInput(a);
    if (Object.keys(patch).length === 0) {
      throw new AppError(
        'VALIDATION_FAILED',
        'say what to change: --name, --days, --traffic-gb, --stars, --price or --trial',
      );
    }
    return toPlanJson(services.payments.updatePlan(a.id, patch, actor));
  }),
  'plan.disable': op(z.object({ id: id('ID') }), (services, a, actor) =>
    setPlanActive(services, a.id, false, actor),
  ),
  'plan.enable': op(z.object({ id: id('ID') }), (services, a, actor) =>
    setPlanActive(services, a.id, true, actor),
  ),
  'promo.create': op(
    z.object({
      code: text('CODE must be 3-32 letters, digits, _ or -', 32),
      percent: number('--percent must be a whole number from 1 to 100', whole(1, 100)).optional(),
      starsOff: number(
        '--stars-off must be a whole number of Stars, 1 or more',
        whole(1, 1_000_000),
      ).optional(),
      days: days('--days', 1).optional(),
      maxUses: number('--max-uses must be a whole number, 1 or more', whole(1, 1_000_000_000)).optional(),
      expiresDays: days('--expires-days', 1).optional(),
    }),
    (services, a, actor) => {
      const effects = (
        [
          ['percent', a.percent],
          ['fixed', a.starsOff],
          ['days', a.days],
        ] as const
      ).filter(([, value]) => value !== undefined);
      if (effects.length !== 1) {
        throw new AppError('VALIDATION_FAILED', 'give exactly one of --percent, --stars-off or --days');
      }
      const [kind, value] = effects[0]!;
      const now = services.clock.now().getTime();
      const promo = services.payments.createPromo(
        {
          code: a.code,
          kind,
          value: value!,
          maxUses: a.maxUses ?? null,
          expireAt: a.expiresDays ? new Date(now + a.expiresDays * 86_400_000) : null,
        },
        actor,
      );
      return toPromoJson(promo);
    },
  ),
  'promo.list': op(z.object({}), (services) => services.payments.listPromos().map(toPromoJson)),
  'promo.disable': op(z.object({ code: text('CODE must be a promo code', 32) }), (services, a, actor) => {
    const promo = services.payments.listPromos().find((p) => p.code.toLowerCase() === a.code.toLowerCase());
    if (promo && !promo.active)
      return unchanged(toPromoJson(promo), `promo code ${promo.code} was already disabled`);
    return toPromoJson(services.payments.updatePromo(a.code, { active: false }, actor));
  }),
  backup: op(z.object({ out: z.string().min(1).optional() }), (services, a, actor) =>
    services.backups.create({ out: a.out, actor }),
  ),
  'restore.preview': op(z.object({ file: z.string().min(1) }), (services, a) =>
    services.backups.preview(a.file),
  ),
  restore: op(
    z.object({ file: z.string().min(1), withRoles: z.boolean().optional() }),
    async (services, a, actor) => {
      const result = await services.backups.restore(a.file, actor, { withRoles: a.withRoles });
      await services.core.sync?.();
      return result;
    },
  ),
  'core.status': op(z.object({}), (services) => requireSystem(services).status()),
  'core.check': op(z.object({}), (services) => requireSystem(services).check()),
  'core.sync': op(z.object({}), (services) => requireSystem(services).sync()),
  // `core install` ran in the CLI (the download and the files); the running instance only
  // switches to the new binary.
  'core.reload': op(z.object({}), async (services) => {
    await requireSystem(services).reload?.();
    return { restarted: true };
  }),
  'apikey.create': op(
    z.object({
      name: text('--name must be 1-64 characters', 64),
      scopes: z.string({ error: '--scopes must be a comma-separated list' }).transform((list) =>
        list
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      ),
      rateMinute: number(
        '--rate-minute must be a whole number, 1 or more',
        whole(1, Number.MAX_SAFE_INTEGER),
      ).optional(),
      rateHour: number(
        '--rate-hour must be a whole number, 1 or more',
        whole(1, Number.MAX_SAFE_INTEGER),
      ).optional(),
      allowIp: z.array(z.string()).default([]),
      expiresDays: days('--expires-days').optional(),
    }),
    (services, a, actor) =>
      services.apiKeys.create(
        {
          name: a.name,
          scopes: a.scopes,
          rateLimitPerMinute: a.rateMinute,
          rateLimitPerHour: a.rateHour,
          allowedIps: a.allowIp,
          expireDays: a.expiresDays,
        },
        actor,
      ),
  ),
  ...nodeOperations,
  'apikey.list': op(z.object({}), (services) => services.apiKeys.list()),
  'apikey.revoke': op(z.object({ id: id('ID') }), (services, a, actor) => {
    const before = services.apiKeys.get(a.id);
    const result = services.apiKeys.revoke(a.id, actor);
    return before.revoked_at ? unchanged(result, `API key ${a.id} was already revoked`) : result;
  }),
} satisfies Record<string, Operation<z.ZodType>>;

function requireSystem(services: Services) {
  if (!services.system) throw new AppError('CORE_UNAVAILABLE', 'no core adapter is attached');
  return services.system;
}

export type OperationName = keyof typeof operations;

export function isOperationName(name: string): name is OperationName {
  return Object.hasOwn(operations, name);
}

/** Validates the arguments and runs one operation. */
export async function runOperation(
  services: Services,
  name: OperationName,
  rawArgs: unknown,
  actor: string,
  context: OperationContext = silentContext,
): Promise<Outcome> {
  const operation: Operation<z.ZodType> = operations[name];
  const args = operation.args.parse(rawArgs);
  const result = await operation.run(services, args, actor, context);
  return result instanceof Noted ? result.outcome : { result };
}
