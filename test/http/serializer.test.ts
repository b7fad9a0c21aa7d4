import type { FastifySerializerCompiler } from 'fastify';
import { serializerCompiler as zodSerializerCompiler } from 'fastify-type-provider-zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { publicSchema } from '../../src/http/openapi.ts';
import { EventSchema, UserSchema } from '../../src/http/schemas.ts';
import {
  createSerializerCompiler,
  forSerialization,
  serializationSchema,
} from '../../src/http/serializer.ts';
import { testHttpServer } from '../helpers/http-server.ts';
import { httpFixture, withKey } from './fixture.ts';

describe('the JSON Schema answers are written with', () => {
  it('turns zod’s nullable (anyOf with null) into a type list and drops validation-only keywords', () => {
    expect(
      forSerialization({
        type: 'object',
        properties: {
          pattern: { type: 'string', pattern: '^a' },
          at: { anyOf: [{ type: 'string', format: 'date-time', pattern: '^x' }, { type: 'null' }] },
          n: { anyOf: [{ type: 'null' }, { type: 'integer', minimum: 0, maximum: 9 }] },
          either: { anyOf: [{ type: 'string' }, { type: 'integer' }] },
        },
        required: ['pattern'],
      }),
    ).toEqual({
      type: 'object',
      properties: {
        pattern: { type: 'string' },
        at: { type: ['string', 'null'], format: 'date-time' },
        n: { type: ['integer', 'null'] },
        either: { anyOf: [{ type: 'string' }, { type: 'integer' }] },
      },
      required: ['pattern'],
    });
  });

  it('inlines schemas registered with an id and keeps every property', () => {
    const schema = serializationSchema(
      z.object({ user: UserSchema, events: z.array(EventSchema) }),
    ) as unknown as {
      properties: { user: { properties: Record<string, unknown> } };
    };
    expect(JSON.stringify(schema)).not.toContain('$ref');
    expect(Object.keys(schema.properties.user.properties)).toEqual(Object.keys(UserSchema.shape));
  });
});

describe('answers', () => {
  const secretRoute = (check: boolean) => {
    const f = httpFixture();
    const app = testHttpServer({ config: f.config, services: f.services, checkResponses: check });
    void app.register(async (scope) => {
      scope.get(
        '/test/shape',
        {
          schema: publicSchema({
            summary: 'test',
            tags: ['meta'],
            response: { 200: z.object({ name: z.string(), at: z.string().nullable() }) },
          }),
        },
        async (request) =>
          (request.query as { bad?: string }).bad
            ? { name: 'n', at: 42 }
            : { name: 'n', at: null, secret: 'must not leak' },
      );
    });
    return app;
  };

  it('carry only what the schema declares', async () => {
    for (const check of [false, true]) {
      const app = secretRoute(check);
      const res = await app.inject({ method: 'GET', url: '/test/shape' });
      expect(res.statusCode).toBe(200);
      expect(res.body).toBe('{"name":"n","at":null}');
      await app.close();
    }
  });

  it('that drift from their schema fail in the tests’ checking mode', async () => {
    const app = secretRoute(true);
    const res = await app.inject({ method: 'GET', url: '/test/shape?bad=1' });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({ error: { code: 'INTERNAL', message: 'internal error' } });
    await app.close();
  });
});

describe('every JSON answer of the API', () => {
  // Each answer is written by both compilers: ours and fastify-type-provider-zod's.
  const mismatches: string[] = [];
  let compared = 0;
  const ours = createSerializerCompiler();
  const both: FastifySerializerCompiler<unknown> = (route) => {
    const a = ours(route);
    const b = (zodSerializerCompiler as FastifySerializerCompiler<unknown>)(route);
    return (data) => {
      const written = a(data);
      const expected = b(data);
      compared++;
      if (written !== expected) mismatches.push(`${route.method} ${route.url}\n${written}\n${expected}`);
      return written;
    };
  };
  const f = httpFixture();
  f.app.setSerializerCompiler(both);
  let key = '';

  beforeAll(async () => {
    key = f.apiKey(['*:*']);
    await f.services.keys.create({ name: 'alice', note: 'ünï "quoted"\n', ownerTelegramId: 42 }, 'test');
    await f.services.keys.create({ name: 'bob', trafficLimitBytes: 2 ** 40 }, 'test');
    await f.services.traffic.collect();
  });
  afterAll(() => f.app.close());

  it('is written exactly as zod’s serializer wrote it', async () => {
    const call = (method: string, url: string, payload?: object) =>
      f.app.inject({ method: method as 'GET', url, headers: withKey(key), ...(payload ? { payload } : {}) });
    const requests: Array<[string, string, object?]> = [
      ['GET', '/api/v1/users'],
      ['GET', '/api/v1/users/alice'],
      ['GET', '/api/v1/users/alice/subscription'],
      ['POST', '/api/v1/users', { username: 'carol', expire_days: 30, traffic_limit_gb: 1.5 }],
      ['POST', '/api/v1/users', { username: 'dave', status: 'on_hold', on_hold_expire_days: 7 }],
      ['PATCH', '/api/v1/users/bob', { note: null, expire_at: '2027-01-01T00:00:00Z' }],
      ['POST', '/api/v1/users/batch', { items: [{ username: 'e1' }, { username: '' }, { nope: 1 }] }],
      ['PATCH', '/api/v1/users/batch', { items: [{ username: 'e1', note: 'x' }, { username: 'zz' }] }],
      ['POST', '/api/v1/users/alice/renew', { extend_days: 3, add_traffic_gb: 1 }],
      ['POST', '/api/v1/users/alice/reset-traffic'],
      ['POST', '/api/v1/users/alice/kick'],
      ['GET', '/api/v1/users/alice/traffic'],
      ['GET', '/api/v1/users/alice/traffic/daily'],
      ['GET', '/api/v1/users/alice/traffic/monthly'],
      ['GET', '/api/v1/stats'],
      ['GET', '/api/v1/traffic/daily/2026-11-01'],
      ['GET', '/api/v1/traffic/monthly?year_month=2026-11'],
      ['GET', '/api/v1/events?per_page=50'],
      ['GET', '/api/v1/system/core'],
      ['POST', '/api/v1/system/core/sync'],
      ['GET', '/api/v1/api-keys'],
      ['GET', '/api/v1/api-keys/1'],
      ['GET', '/api/v1/api-keys/scopes'],
      ['POST', '/api/v1/api-keys', { name: 'k', scopes: ['users:read'], allowed_ips: ['10.0.0.0/8'] }],
      ['PATCH', '/api/v1/api-keys/2', { active: false, expire_at: '2027-01-01T00:00:00Z' }],
      ['POST', '/api/v1/api-keys/2/revoke'],
      ['DELETE', '/api/v1/users/carol'],
      ['GET', `/sub/${f.services.keys.get('bob').subToken}/info`],
    ];
    for (const [method, url, payload] of requests) {
      const res = await call(method, url, payload);
      expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300);
    }
    // Read after the kick above, which issued alice a new subscription token.
    const token = f.services.keys.get('alice').subToken;
    expect((await f.app.inject({ method: 'GET', url: `/sub/${token}/info` })).statusCode).toBe(200);
    expect(compared).toBeGreaterThan(requests.length);
    expect(mismatches).toEqual([]);
  });
});
