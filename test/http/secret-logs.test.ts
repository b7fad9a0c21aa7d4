/**
 * A subscription token is a key's credential: it never reaches a log line, not even when a
 * `/sub` request fails and the error handler logs what was asked.
 */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.ts';
import { testServices } from '../helpers/db.ts';
import { testHttpServer } from '../helpers/http-server.ts';

describe('secrets in the HTTP logs', () => {
  it('logs a failed /sub request without its token', async () => {
    const stream = new PassThrough();
    let logged = '';
    stream.on('data', (chunk: Buffer) => (logged += chunk.toString()));
    const logger = createLogger({ level: 'info', destination: stream, pretty: false });
    const { config, services, db } = testServices();
    const app = testHttpServer({ config, services, logger });
    const key = await services.keys.create({ name: 'alice' }, 'test');
    // The database goes away under the server: every /sub lookup fails with a 500.
    db.$client.close();
    for (const path of ['', '/clash', '/singbox', '/info']) {
      const res = await app.inject({ method: 'GET', url: `/sub/${key.subToken}${path}?flag=1` });
      expect(res.statusCode).toBe(500);
    }
    await new Promise((resolve) => setImmediate(resolve));
    expect(logged).toMatch(/request failed/);
    expect(logged).toContain('/sub/[redacted]');
    expect(logged).not.toContain(key.subToken);
    await app.close();
  });
});
