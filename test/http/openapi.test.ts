import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from '../../src/http/index.ts';
import { silentLogger } from '../helpers/db.ts';
import { httpFixture, withKey } from './fixture.ts';

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
  let doc: {
    openapi: string;
    paths: Record<string, Record<string, { 'x-scope': string; responses: Record<string, unknown> }>>;
  };

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
