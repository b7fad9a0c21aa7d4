import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger.ts';

function capture() {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const logger = createLogger({ level: 'info', destination: stream, pretty: false });
  return { logger, output: () => text };
}

describe('logger', () => {
  it('redacts tokens, keys and auth headers', async () => {
    const { logger, output } = capture();
    logger.info({ config: { BOT_TOKEN: '1:x', WEBHOOK_SECRET: 's3cr3t' }, apiKey: 'xk_live' }, 'cfg');
    logger.info({ req: { headers: { authorization: 'Bearer xk_abc', 'x-api-key': 'xk_def' } } }, 'req');
    await new Promise((r) => setImmediate(r));
    const text = output();
    for (const secret of ['1:x', 's3cr3t', 'xk_live', 'xk_abc', 'xk_def']) expect(text).not.toContain(secret);
    expect(text).toContain('[redacted]');
  });

  it('masks bot tokens quoted in messages and errors', async () => {
    const { logger, output } = capture();
    const token = '123456789:AAH-abcdefghijklmnopqrstuvwxyz012';
    logger.error({ err: new Error(`POST https://api.telegram.org/bot${token}/getMe failed`) }, 'x');
    logger.warn(`url was /bot${token}/sendMessage`);
    await new Promise((r) => setImmediate(r));
    expect(output()).not.toContain(token);
    expect(output()).toContain('[redacted-token]');
  });
});
