import { afterEach, describe, expect, it } from 'vitest';
import { testServices } from '../helpers/db.ts';
import { testHttpServer } from '../helpers/http-server.ts';

describe('GET /api/v1/health', () => {
  let ready = false;
  const { config, services } = testServices();
  const app = testHttpServer({
    config,
    services,
    health: { isReady: () => ready, coreStatus: async () => ({ running: true }) },
  });
  afterEach(() => {
    ready = false;
  });

  it('answers 503 until start-up is done, then 200 with version, uptime and core', async () => {
    const starting = await app.inject({ method: 'GET', url: '/api/v1/health' });
    expect(starting.statusCode).toBe(503);
    ready = true;
    const res = await app.inject({ method: 'GET', url: '/api/v1/health' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ status: 'ok', core: { running: true } });
    expect(body.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(body.uptime_seconds).toBeGreaterThanOrEqual(0);
  });

  it('answers unknown routes with the error shape', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/v1/nope' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: { code: 'NOT_FOUND', message: expect.any(String) } });
  });
});
