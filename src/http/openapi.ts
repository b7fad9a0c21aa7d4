/**
 * The OpenAPI 3.1 document, generated from the routes' zod schemas: `GET /openapi.json`
 * and Swagger UI at `GET /docs`. Routes declare their scope and error statuses through
 * {@link apiSchema} / {@link publicSchema}; the transform here turns those into the
 * document's `x-scope`, security and error responses, gives every operation an
 * `operationId` (for generated clients) and keeps only the components something uses.
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

/** Response headers as the document declares them. */
export type ResponseHeaders = Record<string, { description: string; type: 'string' | 'integer' }>;

/** A success body without a zod schema (text, YAML, profiles): its description and JSON schema. */
export interface ProducedBody {
  description: string;
  schema: object;
}

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
  /**
   * Documents a success that has no zod schema (text, YAML, HTML, profiles), by media type:
   * a description (a string body) or a description with the body's JSON schema.
   */
  produces?: Record<string, string | ProducedBody>;
  /** Headers of the success response. */
  successHeaders?: ResponseHeaders;
  /** Overrides the operationId derived from the method and path. */
  operationId?: string;
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
  const { errors, produces, successHeaders, ...rest } = parts;
  return {
    ...rest,
    description: `Scope: \`${scope}\`.${parts.description ? ` ${parts.description}` : ''}`,
    security: API_SECURITY,
    'x-scope': scope,
    'x-errors': impliedErrors(parts, errors, true),
    'x-produces': produces,
    'x-success-headers': successHeaders,
  };
}

/** Schema of a route without an API key (health, subscriptions, docs, metrics). */
export function publicSchema<P extends SchemaParts>(parts: P) {
  const { errors, produces, successHeaders, ...rest } = parts;
  return {
    ...rest,
    security: NO_SECURITY,
    'x-scope': 'none',
    'x-errors': impliedErrors(parts, errors, false),
    'x-produces': produces,
    'x-success-headers': successHeaders,
  };
}

/** Error responses point at the registered Error component. */
const errorJsonSchema = { $ref: `#/components/schemas/${String(ErrorSchema.meta()?.id)}` };

/**
 * `getUsersByUsernameTrafficDaily` for `GET /api/v1/users/{username}/traffic/daily`: the
 * method, then each path segment in PascalCase, a parameter as `By<Name>`. Unique because
 * method and path are.
 */
export function operationIdOf(method: string, url: string): string {
  const pascal = (word: string) =>
    word
      .split(/[^A-Za-z0-9]+/)
      .filter(Boolean)
      .map((w) => w[0]!.toUpperCase() + w.slice(1))
      .join('');
  const segments = url
    .replace(/^\/api\/v1(?=\/|$)/, '')
    .split('/')
    .filter(Boolean)
    .map((seg) => (seg.startsWith(':') || seg.startsWith('{') ? `By${pascal(seg)}` : pascal(seg)));
  return method.toLowerCase() + segments.join('');
}

/**
 * jsonSchemaTransform plus an operationId, the error responses each route declared in
 * `x-errors`, and a documented success (with its headers) for routes without a zod response.
 */
const transform: typeof jsonSchemaTransform = (document) => {
  const result = jsonSchemaTransform(document);
  const schema = result.schema as Record<string, unknown> | undefined;
  if (!schema || schema.hide) return result;
  const { 'x-errors': errors, 'x-produces': produces, 'x-success-headers': headers, ...rest } = schema;
  const response = { ...(rest.response as Record<string, unknown> | undefined) };
  if (!Object.keys(response).some((code) => code.startsWith('2'))) {
    const content = Object.entries((produces as SchemaParts['produces']) ?? {}).map(([type, body]) => {
      const { description, schema: bodySchema } =
        typeof body === 'string' ? { description: body, schema: { type: 'string' } } : body;
      return [type, { schema: { ...bodySchema, description } }];
    });
    response[200] = {
      description: 'OK',
      ...(content.length ? { content: Object.fromEntries(content) } : {}),
      ...(headers ? { headers } : {}),
    };
  }
  for (const code of (errors as number[] | undefined) ?? []) {
    response[code] = {
      description: ERROR_TEXT[code] ?? 'Error',
      content: { 'application/json': { schema: errorJsonSchema } },
    };
  }
  const method = [document.route.method].flat()[0] ?? 'get';
  const operationId = (rest.operationId as string | undefined) ?? operationIdOf(method, document.url);
  return { ...result, schema: { ...rest, operationId, response } };
};

/** The names of the component schemas `value` refers to, followed through the components. */
function referencedSchemas(root: unknown, components: Record<string, unknown>): Set<string> {
  const found = new Set<string>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(visit);
    if (!value || typeof value !== 'object') return;
    for (const [key, child] of Object.entries(value)) {
      const ref =
        key === '$ref' && typeof child === 'string' ? /^#\/components\/schemas\/(.+)$/.exec(child) : null;
      if (ref && !found.has(ref[1]!)) {
        found.add(ref[1]!);
        visit(components[ref[1]!]);
      } else visit(child);
    }
  };
  visit(root);
  return found;
}

/**
 * jsonSchemaTransformObject registers an input and an output version of every registered
 * schema: only the ones an operation uses stay (unused `*Input` twins confuse generators).
 */
const transformObject: typeof jsonSchemaTransformObject = (document) => {
  const result = jsonSchemaTransformObject(document) as {
    paths?: unknown;
    components?: { schemas?: Record<string, unknown> };
  };
  const schemas = result.components?.schemas;
  if (!schemas) return result as ReturnType<typeof jsonSchemaTransformObject>;
  const used = referencedSchemas(result.paths, schemas);
  const kept = Object.fromEntries(Object.entries(schemas).filter(([name]) => used.has(name)));
  return { ...result, components: { ...result.components, schemas: kept } } as ReturnType<
    typeof jsonSchemaTransformObject
  >;
};

/** Registers the document and Swagger UI on the root instance (before any route plugin). */
export function installOpenApi(app: FastifyInstance, options: { publicUrl: string }): void {
  void app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      servers: [{ url: options.publicUrl, description: 'This xkeeper server (PUBLIC_URL)' }],
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
    transformObject,
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
