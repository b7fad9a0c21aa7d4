import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from '../../src/http/index.ts';
import { silentLogger } from '../helpers/db.ts';
import { httpFixture, withKey } from './fixture.ts';

interface Operation {
  'x-scope': string;
  operationId?: string;
  responses: Record<
    string,
    { content?: Record<string, { schema: object }>; headers?: Record<string, { schema: object }> }
  >;
}
interface OpenApiDoc {
  openapi: string;
  servers?: Array<{ url: string }>;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown> };
}

describe('OpenAPI document, docs and metrics', () => {
  const f = httpFixture();
  const routes: Array<{ method: string; url: string }> = [];
  // A twin server, only to see every route as Fastify registers it.
  const twin = createServer({
    config: f.config,
    services: f.services,
    logger: silentLogger,
    health: { isReady: () => true, coreStatus: async () => ({ running: false }) },
  });
  twin.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routes.push({ method, url: route.url });
  });
  let doc: OpenApiDoc;

  beforeAll(async () => {
    await twin.ready();
    doc = (await f.app.inject({ method: 'GET', url: '/openapi.json' })).json();
  });
  afterAll(async () => {
    await twin.close();
    await f.app.close();
  });

  it('is a valid OpenAPI 3.1 document', async () => {
    expect(doc.openapi).toBe('3.1.0');
    const result = await new Validator().validate(doc as never);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('lists every route, each with its scope and error responses', () => {
    const served = routes
      .filter((r) => r.method !== 'HEAD' && !r.url.startsWith('/docs'))
      .map((r) => `${r.method} ${r.url.replace(/:(\w+)/g, '{$1}')}`);
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(served.length).toBeGreaterThan(25);
    expect(new Set(documented)).toEqual(new Set(served));

    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const where = `${method} ${path}`;
        expect(op['x-scope'], where).toBeTruthy();
        if (op['x-scope'] !== 'none') {
          expect(Object.keys(op.responses), where).toEqual(expect.arrayContaining(['401', '403', '429']));
        }
        if (path.includes('{')) expect(Object.keys(op.responses), where).toContain('404');
      }
    }
  });

  it('names every operation once, declares the server and keeps only components in use', () => {
    expect(doc.servers).toEqual([expect.objectContaining({ url: f.config.publicUrl })]);
    const ids = Object.values(doc.paths).flatMap((ops) => Object.values(ops).map((op) => op.operationId));
    for (const id of ids) expect(id).toMatch(/^[a-z][A-Za-z0-9]*$/);
    expect(new Set(ids).size).toBe(ids.length);
    expect(doc.paths['/api/v1/users/{username}']?.get?.operationId).toBe('getUsersByUsername');
    const text = JSON.stringify(doc.paths);
    for (const name of Object.keys(doc.components.schemas)) {
      expect(text, name).toContain(`"#/components/schemas/${name}"`);
    }
    expect(Object.keys(doc.components.schemas)).toEqual(expect.arrayContaining(['User', 'Error']));
  });

  it('serves Swagger UI at /docs', async () => {
    const res = await f.app.inject({ method: 'GET', url: '/docs' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(/swagger/i);
  });

  it('serves Prometheus metrics: requests by route and status, keys, traffic, core', async () => {
    await f.services.keys.create({ name: 'm1' }, 'test');
    await f.services.traffic.collect();
    const key = f.apiKey(['users:read']);
    await f.app.inject({ method: 'GET', url: '/api/v1/users/m1', headers: withKey(key) });
    await f.app.inject({ method: 'GET', url: '/api/v1/users/secret-name', headers: withKey(key) });
    const res = await f.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    const body = res.body;
    expect(body).toContain(
      'xkeeper_http_requests_total{method="GET",route="/api/v1/users/:username",status="200"} 1',
    );
    expect(body).toContain('route="/api/v1/users/:username",status="404"} 1');
    expect(body).not.toContain('secret-name');
    expect(body).toMatch(/xkeeper_http_request_duration_seconds_bucket\{le="0\.005"/);
    expect(body).toContain('xkeeper_keys{status="active"} 1');
    expect(body).toContain('xkeeper_traffic_bytes{period="today",direction="upload"} 0');
    expect(body).toContain('xkeeper_core_up 1');
    expect(body).toMatch(/xkeeper_traffic_collect_duration_seconds \d/);
    expect(body).toContain('process_cpu_user_seconds_total');
  });
});

describe('OpenAPI document against real responses', () => {
  const f = httpFixture();
  let doc: OpenApiDoc;
  beforeAll(async () => {
    doc = (await f.app.inject({ method: 'GET', url: '/openapi.json' })).json();
  });
  afterAll(() => f.app.close());

  it('describes real responses: each body matches its declared schema, each declared header is sent', async () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats.default(ajv);
    ajv.addSchema({ ...doc, $id: 'openapi.json' });
    const pointer = (...parts: string[]) =>
      parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

    /** Validates `res` against what the document says `method path` answers with its status. */
    function check(res: LightMyRequestResponse, method: string, path: string) {
      const where = `${method.toUpperCase()} ${path} → ${res.statusCode}`;
      const response = doc.paths[path]?.[method]?.responses[String(res.statusCode)];
      expect(response, where).toBeDefined();
      const type = String(res.headers['content-type']).split(';')[0]!;
      expect(Object.keys(response!.content ?? {}), where).toContain(type);
      const validate = ajv.getSchema(
        `openapi.json#/${pointer('paths', path, method, 'responses', String(res.statusCode), 'content', type, 'schema')}`,
      )!;
      const body = type.includes('json') ? res.json() : res.body;
      expect(validate(body) ? [] : validate.errors, where).toEqual([]);
      for (const header of Object.keys(response!.headers ?? {}))
        expect(res.headers, where).toHaveProperty(header);
    }

    f.services.settings.set('supportContact', '@help_desk');
    f.services.settings.set('subscriptionAnnounce', 'Hello');
    const user = await f.services.keys.create({ name: 'doc-user', trafficLimitBytes: 2 ** 30 }, 'test');
    const key = withKey(f.apiKey(['*:*']));
    const get = (url: string, headers: Record<string, string> = {}) =>
      f.app.inject({ method: 'GET', url, headers: { ...key, ...headers } });
    const sub = `/sub/${user.subToken}`;
    check(await get('/api/v1/users/doc-user'), 'get', '/api/v1/users/{username}');
    check(await get('/api/v1/users/nobody'), 'get', '/api/v1/users/{username}');
    check(await get('/api/v1/users'), 'get', '/api/v1/users');
    check(await get('/api/v1/users/doc-user/subscription'), 'get', '/api/v1/users/{username}/subscription');
    check(await get('/api/v1/stats'), 'get', '/api/v1/stats');
    check(await get('/api/v1/api-keys'), 'get', '/api/v1/api-keys');
    check(await get('/api/v1/settings/subscription'), 'get', '/api/v1/settings/subscription');
    check(await get(`${sub}/info`), 'get', '/sub/{token}/info');
    check(await get('/sub/nope/info'), 'get', '/sub/{token}/info');
    for (const format of ['clash', 'stash', 'singbox', 'xray']) {
      check(await get(`${sub}/${format}`), 'get', `/sub/{token}/${format}`);
    }
    for (const agent of ['v2rayNG/1.8.5', 'mihomo/1.19', 'SFI/1.12.0', 'Happ/1.70.0']) {
      check(await get(sub, { 'user-agent': agent }), 'get', '/sub/{token}');
    }
  });
});
