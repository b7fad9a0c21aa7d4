/**
 * Property tests: whatever a client sends to the write routes, the answer is never a 5xx,
 * and every error carries a code and a message.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { httpFixture, withKey } from './fixture.ts';

const f = httpFixture();
const key = f.apiKey(['*:*'], { rateLimitPerMinute: 1_000_000, rateLimitPerHour: 60_000_000 });
afterAll(() => f.app.close());

const name = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9_.@-]{1,32}$/),
  fc.string({ maxLength: 40 }),
  fc.constantFrom('alice', 'ALICE', '', 'a'.repeat(33)),
);
const number = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -1, 1e308, Number.MAX_SAFE_INTEGER, 0.5, 1_048_576, 1_048_577),
);
const anyValue = fc.oneof(
  number,
  fc.string({ maxLength: 20 }),
  fc.boolean(),
  fc.constant(null),
  fc.anything(),
);
const isoish = fc.oneof(
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  fc.constantFrom('2030-01-01T00:00:00Z', '2000-01-01T00:00:00Z', 'tomorrow', '9999-12-31T23:59:59Z'),
);

const createBody = fc.record(
  {
    username: name,
    traffic_limit_gb: fc.oneof(number, fc.constant(null), anyValue),
    expire_days: fc.oneof(number, anyValue),
    expire_at: fc.oneof(isoish, fc.constant(null), anyValue),
    reset_strategy: fc.oneof(fc.constantFrom('no_reset', 'day', 'week', 'month', 'year'), anyValue),
    note: fc.oneof(fc.string({ maxLength: 600 }), fc.constant(null), anyValue),
    telegram_id: fc.oneof(fc.integer(), fc.constant(null), anyValue),
    status: fc.oneof(fc.constantFrom('active', 'disabled', 'on_hold'), anyValue),
    on_hold_expire_days: fc.oneof(number, anyValue),
    on_hold_timeout: fc.oneof(isoish, anyValue),
  },
  { requiredKeys: [] },
);

const updateBody = fc.record(
  {
    traffic_limit_gb: fc.oneof(number, fc.constant(null), anyValue),
    expire_at: fc.oneof(isoish, fc.constant(null), anyValue),
    expire_days: fc.oneof(number, anyValue),
    reset_strategy: fc.oneof(fc.constantFrom('no_reset', 'month'), anyValue),
    note: fc.oneof(fc.string({ maxLength: 600 }), fc.constant(null)),
    telegram_id: fc.oneof(fc.integer(), fc.constant(null), anyValue),
    status: fc.oneof(fc.constantFrom('active', 'disabled'), anyValue),
  },
  { requiredKeys: [] },
);

/** Sends `body` as JSON (or raw text) and checks the answer's shape. */
async function send(method: 'POST' | 'PATCH', url: string, body: unknown): Promise<void> {
  const payload = typeof body === 'string' ? body : (JSON.stringify(body) ?? '');
  const res = await f.app.inject({
    method,
    url,
    headers: { ...withKey(key), 'content-type': 'application/json' },
    payload,
  });
  expect(
    res.statusCode,
    `${method} ${url} ${payload.slice(0, 300)} → ${res.body.slice(0, 300)}`,
  ).toBeLessThan(500);
  if (res.statusCode >= 400) {
    const { error } = res.json();
    expect(typeof error.code).toBe('string');
    expect(typeof error.message).toBe('string');
    expect(res.body).not.toMatch(/\.ts:\d+/);
  }
}

describe('fuzzing the write routes', () => {
  it('POST /users never answers 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(createBody, anyValue), (body) => send('POST', '/api/v1/users', body)),
      { numRuns: 300 },
    );
  });

  it('PATCH /users/{username} never answers 5xx', async () => {
    await f.services.keys.create({ name: 'target' }, 'test');
    await fc.assert(
      fc.asyncProperty(fc.oneof(updateBody, anyValue), (body) => send('PATCH', '/api/v1/users/target', body)),
      { numRuns: 300 },
    );
  });

  it('batch routes never answer 5xx, and every failed item carries a code', async () => {
    const items = fc.array(fc.oneof(createBody, anyValue), { maxLength: 8 });
    await fc.assert(
      fc.asyncProperty(items, async (list) => {
        await send('POST', '/api/v1/users/batch', { items: list });
        await send('PATCH', '/api/v1/users/batch', {
          items: list.map((x) => (x && typeof x === 'object' ? { username: 'target', ...x } : x)),
        });
      }),
      { numRuns: 100 },
    );
  });

  it('raw bodies that are not JSON never answer 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 200 }), (raw) => send('POST', '/api/v1/users', raw)),
      { numRuns: 200 },
    );
  });

  it('API key creation never answers 5xx', async () => {
    const body = fc.record(
      {
        name: fc.oneof(fc.string({ maxLength: 80 }), anyValue),
        scopes: fc.oneof(
          fc.array(fc.oneof(fc.constantFrom('users:*', '*:read', 'stats:read', 'x:y', '*:*'), fc.string()), {
            maxLength: 4,
          }),
          anyValue,
        ),
        rate_limit_per_minute: fc.oneof(number, anyValue),
        allowed_ips: fc.oneof(
          fc.array(fc.oneof(fc.ipV4(), fc.ipV6(), fc.string({ maxLength: 30 })), { maxLength: 3 }),
          anyValue,
        ),
        expire_days: fc.oneof(number, anyValue),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(body, (b) => send('POST', '/api/v1/api-keys', b)),
      { numRuns: 200 },
    );
  });
});
