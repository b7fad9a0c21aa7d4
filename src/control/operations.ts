/**
 * Operations the `xkeeper` CLI can run. One table serves both paths: the running
 * instance executes them when the CLI hands a command over the control socket, and
 * the CLI executes them itself on the files when xkeeper is not running.
 */
import { z } from 'zod';
import { runMigrations } from '../db/migrate.ts';
import type { Services } from '../services/index.ts';
import { GB } from '../services/keys.service.ts';
import { AppError } from '../services/errors.ts';

const telegramId = z.coerce.number().int().positive();
const keyName = z.string().min(1);
const positive = (what: string) =>
  z.coerce.number({ message: `${what} must be a number` }).min(0, { message: `${what} must be 0 or more` });

interface Operation<S extends z.ZodType> {
  args: S;
  run(services: Services, args: z.infer<S>, actor: string): unknown;
}

function op<S extends z.ZodType>(args: S, run: Operation<S>['run']): Operation<S> {
  return { args, run };
}

export const operations = {
  migrate: op(z.object({}), (services) => runMigrations(services.db)),
  'admin.add': op(z.object({ telegramId }), (services, { telegramId }, actor) =>
    services.admins.addAdmin(telegramId, actor),
  ),
  'admin.remove': op(z.object({ telegramId }), (services, { telegramId }, actor) =>
    services.admins.removeAdmin(telegramId, actor),
  ),
  'admin.list': op(z.object({}), (services) => services.admins.listAdmins()),
  'key.create': op(
    z.object({
      name: keyName,
      trafficGb: positive('--traffic-gb').optional(),
      days: positive('--days').optional(),
      telegramId: telegramId.optional(),
    }),
    async (services, a, actor) => {
      const days = a.days ?? 0;
      const key = await services.keys.create(
        {
          name: a.name,
          trafficLimitBytes: a.trafficGb ? a.trafficGb * GB : null,
          expireAt: days > 0 ? new Date(services.clock.now().getTime() + days * 86_400_000) : null,
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
      name: z.string().min(1),
      scopes: z.string().transform((list) =>
        list
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      ),
      rateMinute: z.coerce.number().int().positive().optional(),
      rateHour: z.coerce.number().int().positive().optional(),
      allowIp: z.array(z.string()).default([]),
      expiresDays: positive('--expires-days').optional(),
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
  'apikey.list': op(z.object({}), (services) => services.apiKeys.list()),
  'apikey.revoke': op(z.object({ id: z.coerce.number().int().positive() }), (services, a, actor) =>
    services.apiKeys.revoke(a.id, actor),
  ),
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
): Promise<unknown> {
  const operation: Operation<z.ZodType> = operations[name];
  const args = operation.args.parse(rawArgs);
  return await operation.run(services, args, actor);
}
