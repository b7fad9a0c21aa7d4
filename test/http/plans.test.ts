/** `/api/v1/plans` and `/api/v1/promos`: scopes `plans:read` / `plans:write`, in the OpenAPI document. */
import { afterAll, describe, expect, it } from 'vitest';
import { httpFixture, withKey } from './fixture.ts';

describe('plans and promo codes over HTTP', () => {
  const f = httpFixture();
  const writer = f.apiKey(['plans:write', 'plans:read']);
  afterAll(() => f.app.close());
  const call = (method: string, url: string, payload?: unknown, key = writer) =>
    f.app.inject({
      method: method as 'GET',
      url: `/api/v1${url}`,
      headers: withKey(key),
      ...(payload === undefined ? {} : { payload: payload as object }),
    });

  it('creates, reads, changes and stops selling a plan', async () => {
    const created = await call('POST', '/plans', {
      name: 'Month',
      days: 30,
      traffic_gb: 50,
      price_stars: 100,
      prices: { RUB: 19900 },
    });
    expect(created.statusCode, created.body).toBe(201);
    const plan = created.json();
    expect(plan).toMatchObject({ name: 'Month', days: 30, traffic_gb: 50, price_stars: 100, active: true });
    expect(f.services.payments.getPlan(plan.id).prices).toEqual({ RUB: 19900 });

    const patched = await call('PATCH', `/plans/${plan.id}`, { price_stars: 120, traffic_gb: 0 });
    expect(patched.json()).toMatchObject({ id: plan.id, price_stars: 120, traffic_gb: null, days: 30 });

    expect((await call('DELETE', `/plans/${plan.id}`)).statusCode).toBe(204);
    expect((await call('GET', `/plans/${plan.id}`)).json()).toMatchObject({ active: false });
    expect(f.services.payments.listPlans({ activeOnly: true })).toEqual([]);

    const list = (await call('GET', '/plans')).json();
    expect(list).toMatchObject({ total: 1, page: 1, items: [{ id: plan.id }] });

    expect((await call('GET', '/plans/999')).statusCode).toBe(404);
    const bad = await call('POST', '/plans', { name: 'X', days: 0 });
    expect(bad.statusCode).toBe(400);
  });

  it('creates, lists, changes and switches off promo codes', async () => {
    const created = await call('POST', '/promos', {
      code: 'SPRING',
      kind: 'percent',
      value: 20,
      max_uses: 5,
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({
      code: 'SPRING',
      kind: 'percent',
      value: 20,
      max_uses: 5,
      uses: 0,
    });

    const patched = await call('PATCH', '/promos/spring', {
      max_uses: null,
      expire_at: '2027-01-01T00:00:00Z',
    });
    expect(patched.json()).toMatchObject({ max_uses: null, expire_at: '2027-01-01T00:00:00.000Z' });

    expect((await call('DELETE', '/promos/SPRING')).statusCode).toBe(204);
    expect((await call('GET', '/promos/SPRING')).json()).toMatchObject({ active: false });
    expect((await call('GET', '/promos')).json()).toMatchObject({ total: 1, items: [{ code: 'SPRING' }] });
    expect((await call('GET', '/promos/NOPE')).statusCode).toBe(404);
  });

  it('needs plans:read to read and plans:write to change; wildcards cover them', async () => {
    const reader = f.apiKey(['plans:read']);
    expect((await call('GET', '/plans', undefined, reader)).statusCode).toBe(200);
    expect((await call('POST', '/plans', { name: 'Y', days: 7 }, reader)).statusCode).toBe(403);
    const users = f.apiKey(['users:*']);
    expect((await call('GET', '/promos', undefined, users)).statusCode).toBe(403);
    const allRead = f.apiKey(['*:read']);
    expect((await call('GET', '/promos', undefined, allRead)).statusCode).toBe(200);
    expect((await call('DELETE', '/promos/SPRING', undefined, allRead)).statusCode).toBe(403);
    const scopes = (await call('GET', '/api-keys/scopes', undefined, f.apiKey(['*:*']))).json();
    expect(scopes.scopes).toEqual(expect.arrayContaining(['plans:read', 'plans:write']));
  });

  it('documents the routes in the OpenAPI document with their scopes', async () => {
    const doc = (await f.app.inject({ url: '/openapi.json' })).json();
    expect(doc.paths['/api/v1/plans'].get['x-scope']).toBe('plans:read');
    expect(doc.paths['/api/v1/plans'].post['x-scope']).toBe('plans:write');
    expect(doc.paths['/api/v1/plans/{id}'].patch['x-scope']).toBe('plans:write');
    expect(doc.paths['/api/v1/promos/{code}'].delete['x-scope']).toBe('plans:write');
    expect(doc.components.schemas).toHaveProperty('Plan');
    expect(doc.components.schemas).toHaveProperty('Promo');
  });
});
