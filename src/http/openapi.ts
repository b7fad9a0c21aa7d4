/**
 * The OpenAPI 3.1 document, generated from the routes' zod schemas: `GET /openapi.json`
 * and Swagger UI at `GET /docs`. Routes declare their scope and error statuses through
 * {@link apiSchema} / {@link publicSchema}; the transform here turns those into the
 * document's `x-scope`, security and error responses.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import type { Scope } from '../services/api-keys.service.ts';
import { APP_VERSION } from '../version.ts';
import { ErrorSchema } from './schemas.ts';

const ERROR_TEXT: Record<number, string> = {
  400: 'Invalid request: `details.fields` names what failed',
  401: 'Missing, unknown, revoked, expired or disabled API key',
  403: 'The key lacks the scope, or the client IP is not in its allowlist',
  404: 'No such record',
  409: 'Conflict with the current state',
  413: 'Body over 1 MB',
  415: 'Content type other than application/json',
  429: 'Over the key’s rate limit; see Retry-After',
  503: 'The VPN core is not available',
};

interface SchemaParts {
  summary: string;
  tags: string[];
  description?: string;
  body?: z.ZodType;
  querystring?: z.ZodType;
  params?: z.ZodType;
  response?: Record<number, z.ZodType>;
  /** Statuses beyond those implied by auth and the request parts. */
  errors?: number[];
  /** Documents a success that has no JSON schema (text, YAML, HTML): media type → description. */
  produces?: Record<string, string>;
}

const API_SECURITY: Array<Record<string, string[]>> = [{ apiKey: [] }, { bearer: [] }];
const NO_SECURITY: Array<Record<string, string[]>> = [];

/** The route's extra statuses plus those every route of its kind can answer. */
function impliedErrors(parts: SchemaParts, extra: number[] | undefined, authenticated: boolean): number[] {
  const codes = new Set(extra ?? []);
  if (parts.body || parts.querystring || parts.params) codes.add(400);
  if (parts.body) [413, 415].forEach((c) => codes.add(c));
  if (parts.params) codes.add(404);
  if (authenticated) [401, 403, 429].forEach((c) => codes.add(c));
  return [...codes].sort((a, b) => a - b);
}

/** Schema of an authenticated API route that needs `scope`. */
export function apiSchema<P extends SchemaParts>(scope: Scope, parts: P) {
  const { errors, produces, ...rest } = parts;
  return {
    ...rest,
    description: `Scope: \`${scope}\`.${parts.description ? ` ${parts.description}` : ''}`,
    security: API_SECURITY,
    'x-scope': scope,
    'x-errors': impliedErrors(parts, errors, true),
    'x-produces': produces,
  };
}

/** Schema of a route without an API key (health, subscriptions, docs, metrics). */
export function publicSchema<P extends SchemaParts>(parts: P) {
  const { errors, produces, ...rest } = parts;
  return {
    ...rest,
    security: NO_SECURITY,
    'x-scope': 'none',
    'x-errors': impliedErrors(parts, errors, false),
    'x-produces': produces,
  };
}

/** Error responses point at the registered Error component. */
const errorJsonSchema = { $ref: `#/components/schemas/${String(ErrorSchema.meta()?.id)}` };

/** jsonSchemaTransform plus the error responses each route declared in `x-errors`. */
const transform: typeof jsonSchemaTransform = (document) => {
  const result = jsonSchemaTransform(document);
  const schema = result.schema as Record<string, unknown> | undefined;
  if (!schema || schema.hide) return result;
  const { 'x-errors': errors, 'x-produces': produces, ...rest } = schema;
  const response = { ...(rest.response as Record<string, unknown> | undefined) };
  if (!Object.keys(response).some((code) => code.startsWith('2'))) {
    const content = Object.entries((produces as Record<string, string> | undefined) ?? {}).map(
      ([type, description]) => [type, { schema: { type: 'string', description } }],
    );
    response[200] = {
      description: 'OK',
      ...(content.length ? { content: Object.fromEntries(content) } : {}),
    };
  }
  for (const code of (errors as number[] | undefined) ?? []) {
    response[code] = {
      description: ERROR_TEXT[code] ?? 'Error',
      content: { 'application/json': { schema: errorJsonSchema } },
    };
  }
  return { ...result, schema: { ...rest, response } };
};

/** Registers the document and Swagger UI on the root instance (before any route plugin). */
export function installOpenApi(app: FastifyInstance): void {
  void app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'xkeeper API',
        version: APP_VERSION,
        description:
          'Manage the VPN users (keys) of an xkeeper server. Authenticate with `X-API-Key: <key>` or ' +
          '`Authorization: Bearer <key>`; each route names the scope it needs in `x-scope`. ' +
          'Errors are `{ "error": { "code", "message" } }`. GB means 2^30 bytes.',
      },
      components: {
        securitySchemes: {
          apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
          bearer: { type: 'http', scheme: 'bearer' },
        },
      },
      tags: [
        { name: 'users', description: 'VPN users (keys)' },
        { name: 'traffic', description: 'Usage and statistics' },
        { name: 'system', description: 'The VPN core' },
        { name: 'api-keys', description: 'Keys of this API' },
        { name: 'plans', description: 'Plans and promo codes sold in the bot' },
        { name: 'subscription', description: 'What VPN clients fetch (token in the path, no API key)' },
        { name: 'meta', description: 'Health, documentation, metrics' },
      ],
    },
    transform,
    transformObject: jsonSchemaTransformObject,
  });
  void app.register(swaggerUi, { routePrefix: '/docs' });
  void app.register(async (scope) => {
    scope.get(
      '/openapi.json',
      { schema: publicSchema({ summary: 'This OpenAPI 3.1 document', tags: ['meta'] }) },
      () => app.swagger(),
    );
  });
}
