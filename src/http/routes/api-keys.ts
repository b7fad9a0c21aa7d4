/** `/api/v1/api-keys…`: manage the keys of this API. The secret is shown once, on create. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  DEFAULT_RATE_PER_HOUR,
  DEFAULT_RATE_PER_MINUTE,
  MAX_RATE_PER_HOUR,
  MAX_RATE_PER_MINUTE,
  SCOPES,
} from '../../services/api-keys.service.ts';
import type { Services } from '../../services/index.ts';
import { actorOf } from '../auth.ts';
import { apiSchema } from '../openapi.ts';
import { IdParams, PageQuery, pageOf, pageSlice } from '../schemas.ts';

const isoDate = z.iso.datetime({ offset: true });

export const ApiKeySchema = z
  .object({
    id: z.number().int(),
    name: z.string(),
    prefix: z.string().describe('first 12 characters of the key'),
    scopes: z.array(z.string()),
    rate_limit_per_minute: z.number().int(),
    rate_limit_per_hour: z.number().int(),
    allowed_ips: z.array(z.string()).describe('CIDRs; empty = any address'),
    active: z.boolean(),
    status: z.enum(['active', 'disabled', 'revoked', 'expired']),
    expire_at: isoDate.nullable(),
    revoked_at: isoDate.nullable(),
    last_used_at: isoDate.nullable(),
    total_requests: z.number().int(),
    created_by: z.string().nullable(),
    created_at: isoDate,
  })
  .meta({ id: 'ApiKey' });

const scopeList = z.array(z.string().max(40)).min(1).max(20);
const cidrList = z.array(z.string().max(60)).max(100).describe('IPv4/IPv6 CIDRs or addresses');

export const CreateApiKeyBody = z.strictObject({
  name: z.string().min(1).max(64),
  scopes: scopeList.describe(`any of ${SCOPES.join(', ')}; wildcards users:*, *:read, *:*`),
  rate_limit_per_minute: z
    .number()
    .int()
    .min(1)
    .max(MAX_RATE_PER_MINUTE)
    .optional()
    .describe(`default ${DEFAULT_RATE_PER_MINUTE}`),
  rate_limit_per_hour: z
    .number()
    .int()
    .min(1)
    .max(MAX_RATE_PER_HOUR)
    .optional()
    .describe(`default ${DEFAULT_RATE_PER_HOUR}`),
  allowed_ips: cidrList.optional(),
  expire_days: z.number().min(0).max(36_500).optional().describe('0 or absent = never'),
});

export const UpdateApiKeyBody = z.strictObject({
  name: z.string().min(1).max(64).optional(),
  scopes: scopeList.optional(),
  rate_limit_per_minute: z.number().int().min(1).max(MAX_RATE_PER_MINUTE).optional(),
  rate_limit_per_hour: z.number().int().min(1).max(MAX_RATE_PER_HOUR).optional(),
  allowed_ips: cidrList.optional(),
  active: z.boolean().optional().describe('false disables the key until set back to true'),
  expire_at: isoDate.nullable().optional().describe('null = never'),
});

export function apiKeyRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { apiKeys } = services;

  r.get(
    '/api-keys',
    {
      schema: apiSchema('api-keys:read', {
        summary: 'List API keys, oldest first',
        tags: ['api-keys'],
        querystring: PageQuery,
        response: { 200: pageOf(ApiKeySchema) },
      }),
    },
    async (request) => pageSlice(apiKeys.list(), request.query),
  );

  r.get(
    '/api-keys/scopes',
    {
      schema: apiSchema('api-keys:read', {
        summary: 'The scopes a key can hold',
        tags: ['api-keys'],
        response: { 200: z.object({ scopes: z.array(z.string()), wildcards: z.array(z.string()) }) },
      }),
    },
    async () => ({ scopes: [...SCOPES], wildcards: ['users:*', '*:read', '*:*'] }),
  );

  r.get(
    '/api-keys/:id',
    {
      schema: apiSchema('api-keys:read', {
        summary: 'Get an API key',
        tags: ['api-keys'],
        params: IdParams,
        response: { 200: ApiKeySchema },
      }),
    },
    async (request) => apiKeys.get(request.params.id),
  );

  r.post(
    '/api-keys',
    {
      schema: apiSchema('api-keys:write', {
        summary: 'Create an API key',
        description: 'The answer carries `key` — the only time it is shown. It starts with `prefix`.',
        tags: ['api-keys'],
        body: CreateApiKeyBody,
        response: { 201: ApiKeySchema.extend({ key: z.string() }) },
      }),
    },
    async (request, reply) => {
      const b = request.body;
      const created = apiKeys.create(
        {
          name: b.name,
          scopes: b.scopes,
          rateLimitPerMinute: b.rate_limit_per_minute,
          rateLimitPerHour: b.rate_limit_per_hour,
          allowedIps: b.allowed_ips,
          expireDays: b.expire_days,
        },
        actorOf(request),
        request.apiKey ?? undefined,
      );
      return reply.status(201).send(created);
    },
  );

  r.patch(
    '/api-keys/:id',
    {
      schema: apiSchema('api-keys:write', {
        summary: 'Change an API key (scopes, limits, allowlist, enable/disable, expiry)',
        tags: ['api-keys'],
        params: IdParams,
        body: UpdateApiKeyBody,
        response: { 200: ApiKeySchema },
        errors: [409],
      }),
    },
    async (request) => {
      const b = request.body;
      return apiKeys.update(
        request.params.id,
        {
          name: b.name,
          scopes: b.scopes,
          rateLimitPerMinute: b.rate_limit_per_minute,
          rateLimitPerHour: b.rate_limit_per_hour,
          allowedIps: b.allowed_ips,
          active: b.active,
          expireAt: b.expire_at == null ? b.expire_at : new Date(b.expire_at),
        },
        actorOf(request),
        request.apiKey ?? undefined,
      );
    },
  );

  r.post(
    '/api-keys/:id/revoke',
    {
      schema: apiSchema('api-keys:write', {
        summary: 'Revoke an API key for good',
        tags: ['api-keys'],
        params: IdParams,
        response: { 200: ApiKeySchema },
      }),
    },
    async (request) => apiKeys.revoke(request.params.id, actorOf(request), request.apiKey ?? undefined),
  );

  r.delete(
    '/api-keys/:id',
    {
      schema: apiSchema('api-keys:write', {
        summary: 'Delete an API key',
        tags: ['api-keys'],
        params: IdParams,
        response: { 204: z.null().describe('Deleted') },
      }),
    },
    async (request, reply) => {
      apiKeys.delete(request.params.id, actorOf(request), request.apiKey ?? undefined);
      return reply.status(204).send(null);
    },
  );
}
