import { PassThrough } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { publicSchema } from '../../src/http/openapi.ts';
import { lazyChildLogger } from '../../src/http/request-logger.ts';
import { createLogger } from '../../src/logger.ts';
import { testHttpServer } from '../helpers/http-server.ts';
import { httpFixture } from './fixture.ts';

describe('request loggers', () => {
  it('are made on their first use, bound to the request, with secrets redacted', async () => {
    const out = new PassThrough();
    const lines: Array<Record<string, unknown>> = [];
    out.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
    });
    const logger = createLogger({ level: 'info', destination: out, pretty: false });
    const f = httpFixture();
    const app = testHttpServer({ config: f.config, services: f.services, logger });
    void app.register(async (scope) => {
      scope.get(
        '/test/log',
        { schema: publicSchema({ summary: 'test', tags: ['meta'] }) },
        async (request) => {
          request.log.info({ apiKey: 'xk_secret', n: 1 }, 'hello');
          request.log.debug('not at info');
          return { ok: true };
        },
      );
    });
    expect((await app.inject({ method: 'GET', url: '/test/log' })).statusCode).toBe(200);
    await app.close();
    await new Promise((resolve) => setImmediate(resolve));
    const hello = lines.filter((l) => l.msg === 'hello');
    expect(hello).toHaveLength(1);
    expect(hello[0]).toMatchObject({
      component: 'http',
      reqId: expect.any(String),
      apiKey: '[redacted]',
      n: 1,
    });
    expect(lines.some((l) => l.msg === 'not at info')).toBe(false);
  });

  it('cost no child logger until they log', () => {
    const parent = createLogger({ level: 'warn', pretty: false, destination: new PassThrough() });
    const child = vi.spyOn(parent, 'child');
    const log = lazyChildLogger(parent, { reqId: 'req-1' }, {});
    expect(log.level).toBe('warn');
    expect(child).not.toHaveBeenCalled();
    log.warn('now');
    log.error('again');
    expect(child).toHaveBeenCalledTimes(1);
    expect(child).toHaveBeenCalledWith({ reqId: 'req-1' }, {});
  });
});
