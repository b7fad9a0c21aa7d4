/** `/api/v1/users…`: create, list, read, update, delete and act on VPN users (keys). */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { KEY_STATUSES, RESET_STRATEGIES, type Key } from '../../services/model.ts';
import { type AppError, isAppError } from '../../services/errors.ts';
import type { Services } from '../../services/index.ts';
import type { CreateKeyInput, KeyPatch } from '../../services/keys.service.ts';
import { expiryFromDays, GB, KEY_NAME_RE, NOTE_MAX } from '../../services/keys/rules.ts';
import { actorOf } from '../auth.ts';
import { createAnswerCache } from '../answer-cache.ts';
import { apiSchema } from '../openapi.ts';
import { ErrorSchema, PageQuery, pageOf, UserSchema, UsernameParams } from '../schemas.ts';

const MAX_BATCH = 100;
/** What Fastify sends JSON as; given with an answer serialized beforehand. */
const JSON_UTF8 = 'application/json; charset=utf-8';

const isoDate = z.iso.datetime({ offset: true });
/** Up to 1 PiB, in GB of 2^30 bytes; fractions allowed. */
const gigabytes = z.number().min(0).max(1_048_576);
const days = z.number().min(0).max(36_500);

export const CreateUserBody = z
  .strictObject({
    username: z.string().regex(KEY_NAME_RE, '1-32 letters, digits, _ . - @'),
    traffic_limit_gb: gigabytes.nullable().optional().describe('0 or null = unlimited; GB = 2^30 bytes'),
    expire_days: days.optional().describe('days from now; 0 = never'),
    expire_at: isoDate.nullable().optional().describe('absolute expiry instead of expire_days'),
    reset_strategy: z.enum(RESET_STRATEGIES).optional(),
    note: z.string().max(NOTE_MAX).nullable().optional(),
    telegram_id: z.number().int().positive().nullable().optional().describe('owner in Telegram'),
    status: z.enum(['active', 'disabled', 'on_hold']).optional(),
    on_hold_expire_days: z
      .number()
      .positive()
      .max(36_500)
      .optional()
      .describe('on_hold: days the key runs once first used'),
    on_hold_timeout: isoDate.optional().describe('on_hold: the key starts at this instant even unused'),
  })
  .refine((b) => b.expire_days === undefined || b.expire_at == null, {
    message: 'give expire_days or expire_at, not both',
    path: ['expire_at'],
  })
  .refine((b) => b.status !== 'on_hold' || b.on_hold_expire_days !== undefined, {
    message: 'an on_hold user needs on_hold_expire_days',
    path: ['on_hold_expire_days'],
  });

const UpdateUserFields = z.strictObject({
  traffic_limit_gb: gigabytes.nullable().optional().describe('0 or null = unlimited'),
  expire_at: isoDate.nullable().optional().describe('null = never'),
  expire_days: days.optional().describe('expiry this many days from now; 0 = never'),
  reset_strategy: z.enum(RESET_STRATEGIES).optional(),
  note: z.string().max(NOTE_MAX).nullable().optional(),
  telegram_id: z.number().int().positive().nullable().optional(),
  status: z.enum(['active', 'disabled']).optional(),
});
/** An update sets the expiry one way at most. */
function oneExpiry<T extends z.ZodType<{ expire_days?: number; expire_at?: string | null }>>(schema: T) {
  return schema.refine((b) => b.expire_days === undefined || b.expire_at === undefined, {
    message: 'give expire_days or expire_at, not both',
    path: ['expire_at'],
  });
}

export const UpdateUserBody = oneExpiry(UpdateUserFields);
const BatchUpdateItem = oneExpiry(UpdateUserFields.extend({ username: z.string().min(1).max(64) }));

const ListQuery = PageQuery.extend({
  status: z.enum(KEY_STATUSES).optional(),
  search: z.string().max(100).optional().describe('part of the username, owner id or @username'),
});

const KickBody = z
  .strictObject({
    keep_subscription: z
      .boolean()
      .optional()
      .describe(
        'true keeps the subscription URL; by default a new one is issued and the old one answers 404',
      ),
    rotate_subscription: z
      .boolean()
      .optional()
      .describe(
        'deprecated: a new subscription URL is the default now; false is the same as keep_subscription',
      ),
  })
  .nullish();

const RenewBody = z.strictObject({
  extend_days: days.optional().describe('added to the later of now and the current expiry'),
  add_traffic_gb: gigabytes.optional().describe('added to the traffic limit'),
});

const BatchBody = (what: string) =>
  z.strictObject({
    items: z
      .array(z.unknown().describe(what))
      .min(1)
      .max(MAX_BATCH)
      .describe(`1-${MAX_BATCH} items, each checked on its own`),
  });

const BatchResult = z.object({
  results: z.array(
    z.object({
      index: z.number().int(),
      username: z.string().nullable(),
      ok: z.boolean(),
      status: z.number().int().describe('the status this item would have had on its own'),
      user: UserSchema.optional(),
      error: ErrorSchema.shape.error.optional(),
    }),
  ),
  succeeded: z.number().int(),
  failed: z.number().int(),
});

type CreateBody = z.infer<typeof CreateUserBody>;
type UpdateBody = z.infer<typeof UpdateUserBody>;

const gbToBytes = (gb: number | null | undefined) => (gb ? Math.round(gb * GB) : null);

function toCreateInput(b: CreateBody, now: Date): CreateKeyInput {
  const onHold = b.status === 'on_hold' || b.on_hold_expire_days !== undefined;
  let expireAt: Date | null = null;
  if (b.expire_days) expireAt = expiryFromDays(now, b.expire_days);
  else if (b.expire_at) expireAt = new Date(b.expire_at);
  return {
    name: b.username,
    trafficLimitBytes: gbToBytes(b.traffic_limit_gb),
    expireAt,
    onHold: onHold
      ? {
          durationDays: b.on_hold_expire_days ?? 0,
          deadline: b.on_hold_timeout ? new Date(b.on_hold_timeout) : null,
        }
      : null,
    resetStrategy: b.reset_strategy,
    ownerTelegramId: b.telegram_id ?? null,
    note: b.note ?? null,
    status: b.status === 'disabled' ? 'disabled' : 'active',
  };
}

function toPatch(b: UpdateBody, now: Date): KeyPatch {
  const patch: KeyPatch = {};
  if (b.traffic_limit_gb !== undefined) patch.trafficLimitBytes = gbToBytes(b.traffic_limit_gb);
  if (b.expire_at !== undefined) patch.expireAt = b.expire_at === null ? null : new Date(b.expire_at);
  if (b.expire_days !== undefined) {
    patch.expireAt = expiryFromDays(now, b.expire_days);
  }
  if (b.reset_strategy !== undefined) patch.resetStrategy = b.reset_strategy;
  if (b.note !== undefined) patch.note = b.note;
  if (b.telegram_id !== undefined) patch.ownerTelegramId = b.telegram_id;
  if (b.status !== undefined) patch.status = b.status;
  return patch;
}

export function userRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const userAnswers = createAnswerCache(services.viewStamp);
  const { keys } = services;
  const now = () => services.clock.now();

  /**
   * Runs a batch: each item is checked on its own, then `runAll` gets the valid ones at once
   * and answers, in order, the key or the AppError of each. A bad item fails alone.
   */
  async function batch<T>(
    items: unknown[],
    schema: z.ZodType<T>,
    runAll: (valid: T[]) => Promise<(Key | AppError)[]>,
    okStatus: number,
  ) {
    const parsed = items.map((item, index) => {
      const named = (item as { username?: unknown } | null)?.username;
      return { index, username: typeof named === 'string' ? named : null, result: schema.safeParse(item) };
    });
    const valid = parsed.flatMap((p) => (p.result.success ? [p.result.data] : []));
    const outcomes = (await runAll(valid))[Symbol.iterator]();
    const results = parsed.map(({ index, username, result }) => {
      if (!result.success) {
        const message = result.error.issues
          .map((i) => `${i.path.join('.') || 'item'}: ${i.message}`)
          .join('; ');
        return { index, username, ok: false, status: 400, error: { code: 'VALIDATION_FAILED', message } };
      }
      const outcome = outcomes.next().value as Key | AppError;
      if (isAppError(outcome)) {
        return {
          index,
          username,
          ok: false,
          status: outcome.status,
          error: { code: outcome.code, message: outcome.message },
        };
      }
      return { index, username: outcome.name, ok: true, status: okStatus, user: services.view(outcome) };
    });
    const succeeded = results.filter((x) => x.ok).length;
    return { results, succeeded, failed: results.length - succeeded };
  }

  /** Runs items one after another, each on its own. */
  function oneByOne<T>(run: (item: T) => Promise<Key>) {
    return async (valid: T[]) => {
      const outcomes: (Key | AppError)[] = [];
      for (const item of valid) {
        try {
          outcomes.push(await run(item));
        } catch (error) {
          if (!isAppError(error)) throw error;
          outcomes.push(error);
        }
      }
      return outcomes;
    };
  }

  r.post(
    '/users',
    {
      schema: apiSchema('users:write', {
        summary: 'Create a user',
        tags: ['users'],
        body: CreateUserBody,
        response: { 201: UserSchema },
        errors: [409],
      }),
    },
    async (request, reply) => {
      const key = await keys.create(toCreateInput(request.body, now()), actorOf(request));
      return reply.status(201).send(services.view(key));
    },
  );

  r.get(
    '/users',
    {
      schema: apiSchema('users:read', {
        summary: 'List users, newest first',
        tags: ['users'],
        querystring: ListQuery,
        response: { 200: pageOf(UserSchema) },
      }),
    },
    async (request) => {
      const q = request.query;
      const page = keys.list({ page: q.page, perPage: q.per_page, status: q.status, search: q.search });
      return {
        items: page.items.map(services.view),
        total: page.total,
        page: page.page,
        per_page: page.perPage,
      };
    },
  );

  r.post(
    '/users/batch',
    {
      schema: apiSchema('users:write', {
        summary: 'Create up to 100 users',
        description: 'Each item is a POST /users body and succeeds or fails on its own.',
        tags: ['users'],
        body: BatchBody('a POST /users body'),
        response: { 200: BatchResult },
      }),
    },
    async (request) =>
      batch(
        request.body.items,
        CreateUserBody,
        (valid) =>
          keys.createMany(
            valid.map((item) => toCreateInput(item, now())),
            actorOf(request),
          ),
        201,
      ),
  );

  r.patch(
    '/users/batch',
    {
      schema: apiSchema('users:write', {
        summary: 'Update up to 100 users',
        description:
          'Each item is a PATCH /users/{username} body plus `username`; each succeeds or fails on its own.',
        tags: ['users'],
        body: BatchBody('a PATCH /users/{username} body with username'),
        response: { 200: BatchResult },
      }),
    },
    async (request) =>
      batch(
        request.body.items,
        BatchUpdateItem,
        oneByOne(({ username, ...patch }) => keys.update(username, toPatch(patch, now()), actorOf(request))),
        200,
      ),
  );

  r.get(
    '/users/:username',
    {
      schema: apiSchema('users:read', {
        summary: 'Get a user',
        tags: ['users'],
        params: UsernameParams,
        response: { 200: UserSchema },
      }),
    },
    // Not async: the read is synchronous, and the answer goes out without a promise. The
    // serialized answer (by the route's own schema) is kept until a view may have changed.
    (request, reply) => {
      const name = request.params.username;
      const body = userAnswers.get(name, () => reply.serialize(services.viewByName(name)) as string);
      // Sent as it is: already written by the schema's serializer.
      (reply as FastifyReply).type(JSON_UTF8).send(body);
    },
  );

  r.patch(
    '/users/:username',
    {
      schema: apiSchema('users:write', {
        summary: 'Update a user',
        description:
          'Only the given fields change. Enabling brings the user back as active, limited or expired.',
        tags: ['users'],
        params: UsernameParams,
        body: UpdateUserBody,
        response: { 200: UserSchema },
      }),
    },
    async (request) =>
      services.view(
        await keys.update(request.params.username, toPatch(request.body, now()), actorOf(request)),
      ),
  );

  r.delete(
    '/users/:username',
    {
      schema: apiSchema('users:delete', {
        summary: 'Delete a user',
        tags: ['users'],
        params: UsernameParams,
        response: { 204: z.null().describe('Deleted') },
      }),
    },
    async (request, reply) => {
      await keys.delete(request.params.username, actorOf(request));
      return reply.status(204).send(null);
    },
  );

  r.post(
    '/users/:username/kick',
    {
      schema: apiSchema('users:write', {
        summary: 'New UUID and subscription URL: the old link and URL stop working at once',
        tags: ['users'],
        params: UsernameParams,
        body: KickBody,
        response: { 200: UserSchema },
      }),
    },
    async (request) =>
      services.view(
        await keys.kick(request.params.username, actorOf(request), {
          keepSubscription:
            request.body?.keep_subscription === true || request.body?.rotate_subscription === false,
        }),
      ),
  );

  r.post(
    '/users/:username/reset-traffic',
    {
      schema: apiSchema('users:write', {
        summary: 'Reset the traffic of the current period',
        description:
          'The counters are collected first, so traffic from before the reset never counts after it.',
        tags: ['users'],
        params: UsernameParams,
        response: { 200: UserSchema },
      }),
    },
    async (request) => services.view(await keys.resetTraffic(request.params.username, actorOf(request))),
  );

  r.post(
    '/users/:username/renew',
    {
      schema: apiSchema('users:write', {
        summary: 'Add days and/or traffic',
        tags: ['users'],
        params: UsernameParams,
        body: RenewBody,
        response: { 200: UserSchema },
      }),
    },
    async (request) => {
      const { extend_days, add_traffic_gb } = request.body;
      const key = await keys.renew(
        request.params.username,
        { extendDays: extend_days, addTrafficBytes: add_traffic_gb ? add_traffic_gb * GB : undefined },
        actorOf(request),
      );
      return services.view(key);
    },
  );

  r.get(
    '/users/:username/subscription',
    {
      schema: apiSchema('subscriptions:read', {
        summary: 'Subscription URL and share links of a user',
        tags: ['users'],
        params: UsernameParams,
        response: { 200: z.object({ subscription_url: z.string(), links: z.array(z.string()) }) },
      }),
    },
    async (request) => {
      const { subscription_url, links } = services.view(keys.get(request.params.username));
      return { subscription_url, links };
    },
  );
}
