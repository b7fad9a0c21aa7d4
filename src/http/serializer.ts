/**
 * Response serialization. Routes declare their responses as zod schemas (for the types and
 * the OpenAPI document); answering, the schema is turned into JSON Schema once per route and
 * compiled with fast-json-stringify (Fastify's own serializer), instead of re-parsing every
 * answer with zod and then calling JSON.stringify. What goes out is the same: only the
 * properties the schema declares, in its order; a missing required property fails the
 * request with a 500. With `check`, answers are parsed with zod first as well, as before
 * (the tests run that way, so a handler that drifts from its schema still fails there).
 */
import type { FastifySerializerCompiler } from 'fastify';
import fastJson, { type Schema } from 'fast-json-stringify';
import { z } from 'zod';

/** Keywords fast-json-stringify does not use to write a value (they only validate). */
const VALIDATION_ONLY = new Set([
  '$schema',
  'pattern',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'minLength',
  'maxLength',
  'minItems',
  'maxItems',
  'propertyNames',
]);

type JsonSchema = { [key: string]: unknown };

const isNullSchema = (s: unknown) =>
  typeof s === 'object' && s !== null && (s as JsonSchema).type === 'null' && Object.keys(s).length === 1;

/**
 * Simplifies zod's JSON Schema for writing: `anyOf: [X, {type: null}]` (zod's nullable)
 * becomes `X` with `type: [X.type, 'null']`, which fast-json-stringify writes with a type
 * check instead of trying each branch with a validator; validation-only keywords go.
 */
export function forSerialization(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(forSerialization);
  if (typeof schema !== 'object' || schema === null) return schema;
  const s = schema as JsonSchema;
  const anyOf = s.anyOf as unknown[] | undefined;
  if (Array.isArray(anyOf) && anyOf.length === 2 && Object.keys(s).length === 1) {
    const other = isNullSchema(anyOf[1]) ? anyOf[0] : isNullSchema(anyOf[0]) ? anyOf[1] : undefined;
    const type = (other as JsonSchema | undefined)?.type;
    if (typeof type === 'string' && type !== 'null') {
      return { ...(forSerialization(other) as JsonSchema), type: [type, 'null'] };
    }
  }
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(s)) {
    if (VALIDATION_ONLY.has(key)) continue;
    // `properties`, `$defs` and the like map names to schemas: keep every name.
    out[key] =
      key === 'properties' || key === '$defs' || key === 'definitions'
        ? Object.fromEntries(Object.entries(value as JsonSchema).map(([k, v]) => [k, forSerialization(v)]))
        : forSerialization(value);
  }
  return out;
}

/** A zod schema as the JSON Schema its answers are written with (every part inline). */
export function serializationSchema(schema: z.ZodType): Schema {
  const json = z.toJSONSchema(schema, {
    target: 'draft-7',
    io: 'output',
    unrepresentable: 'any',
    // A registry of its own: no schema is pulled out into `$defs` by its id.
    metadata: z.registry<{ id?: string }>(),
  });
  return forSerialization(json) as Schema;
}

/** An answer that does not match the route's response schema (only raised with `check`). */
export class ResponseValidationError extends Error {
  constructor(method: string, url: string, cause: z.ZodError) {
    super(`response of ${method} ${url} does not match its schema: ${cause.message}`, { cause });
    this.name = 'ResponseValidationError';
  }
}

/** The serializer compiler of the server; `check` also parses each answer with zod. */
export function createSerializerCompiler(
  options: { check?: boolean } = {},
): FastifySerializerCompiler<unknown> {
  return ({ schema, method, url }) => {
    if (!(schema instanceof z.ZodType)) return fastJson(schema as Schema);
    const write = fastJson(serializationSchema(schema));
    if (!options.check) return write;
    return (data: unknown) => {
      const result = z.safeEncode(schema, data);
      if (!result.success) throw new ResponseValidationError(method, url, result.error);
      // What goes out is written from the data as in production, not from zod's copy of it.
      return write(data);
    };
  };
}
