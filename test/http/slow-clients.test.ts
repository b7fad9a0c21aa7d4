/**
 * Slow and abusive HTTP clients over real sockets: a body trickled a byte at a time, headers
 * that never end, too many connections, an oversized webhook. Each is cut off in bounded time
 * while the server keeps answering everyone else.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HTTP_LIMITS } from '../../src/http/index.ts';
import { testServices } from '../helpers/db.ts';
import { testHttpServer } from '../helpers/http-server.ts';

type App = ReturnType<typeof testHttpServer>;

async function listening(
  limits?: Parameters<typeof testHttpServer>[0]['limits'],
): Promise<{ app: App; port: number }> {
  const { config, services } = testServices();
  const app = testHttpServer({ config, services, limits });
  await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, port: (app.server.address() as net.AddressInfo).port };
}

/** Opens a socket, writes `head`, then one byte every `everyMs`; resolves when the server closes it. */
function trickle(port: number, head: string, everyMs: number): Promise<number> {
  const started = Date.now();
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(head));
    const timer = setInterval(() => socket.writable && socket.write('x'), everyMs);
    socket.on('data', () => {});
    socket.once('error', () => {});
    socket.once('close', () => {
      clearInterval(timer);
      resolve(Date.now() - started);
    });
  });
}

async function health(port: number): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}/api/v1/health`);
  return res.status;
}

describe('HTTP server against slow and abusive clients', () => {
  let app: App;
  let port: number;

  beforeAll(async () => {
    ({ app, port } = await listening());
  });
  afterAll(() => app.close());

  it(
    'cuts off 200 clients that announce a 1 MB body and send a byte every 5 s',
    { timeout: 40_000 },
    async () => {
      const head =
        'POST /api/v1/users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
        'Content-Length: 1048576\r\n\r\n{';
      const clients = Array.from({ length: 200 }, () => trickle(port, head, 5_000));
      // Meanwhile everyone else is served.
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(await health(port)).toBe(200);
      const held = await Promise.all(clients);
      const longest = Math.max(...held);
      console.log(`200 slow-body clients cut off after ${Math.min(...held)}–${longest} ms`);
      expect(longest).toBeLessThanOrEqual(HTTP_LIMITS.requestTimeoutMs + 5_000);
      expect(await health(port)).toBe(200);
    },
  );

  it('cuts off clients whose headers never end', { timeout: 40_000 }, async () => {
    const held = await Promise.all(
      Array.from({ length: 50 }, () => trickle(port, 'GET /api/v1/health HTTP/1.1\r\nHost: x\r\n', 1_000)),
    );
    expect(Math.max(...held)).toBeLessThanOrEqual(HTTP_LIMITS.requestTimeoutMs + 5_000);
  });

  it('refuses a payment webhook body over 64 KB with 413', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/webhooks/payments/generic`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ pad: 'x'.repeat(HTTP_LIMITS.webhookBodyBytes) }),
    });
    expect(res.status).toBe(413);
  });

  it('closes connections over the cap at once and keeps serving the others', async () => {
    const capped = await listening({ maxConnections: 20 });
    try {
      const sockets = await Promise.all(
        Array.from(
          { length: 20 },
          () =>
            new Promise<net.Socket>((resolve) => {
              const socket = net.connect(capped.port, '127.0.0.1', () => resolve(socket));
            }),
        ),
      );
      const extra = await trickle(capped.port, 'GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n', 10_000);
      expect(extra).toBeLessThan(1_000);
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(await health(capped.port)).toBe(200);
    } finally {
      await capped.app.close();
    }
  });
});
