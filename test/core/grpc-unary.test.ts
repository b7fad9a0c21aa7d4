import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { GrpcCallError, GrpcStatus, GrpcUnaryClient } from '../../src/core/grpc-unary.ts';

describe('GrpcUnaryClient', () => {
  let server: http2.Http2Server | undefined;
  let client: GrpcUnaryClient | undefined;

  afterEach(async () => {
    client?.close();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    server = undefined;
  });

  /** A server whose every call gets `answer`; returns host:port. */
  async function serve(answer: (stream: http2.ServerHttp2Stream) => void): Promise<string> {
    server = http2.createServer();
    server.on('stream', (stream) => {
      stream.on('data', () => undefined);
      stream.on('end', () => answer(stream));
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return `127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it('gives the answer of a call that ends OK', async () => {
    client = new GrpcUnaryClient(
      await serve((stream) => {
        stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
        stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
        stream.end(Buffer.from([0, 0, 0, 0, 2, 7, 9]));
      }),
      1024,
    );
    expect([...(await client.call('/s/M', Buffer.from([1]), 1_000))]).toEqual([7, 9]);
  });

  it('gives the status and the decoded message of a refusal (trailers only)', async () => {
    client = new GrpcUnaryClient(
      await serve((stream) =>
        stream.respond(
          { ':status': 200, 'grpc-status': '2', 'grpc-message': 'User%20alice%20already%20exists.' },
          { endStream: true },
        ),
      ),
      1024,
    );
    const error = await client.call('/s/M', Buffer.alloc(0), 1_000).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GrpcCallError);
    expect(error).toMatchObject({ code: GrpcStatus.UNKNOWN, message: 'User alice already exists.' });
  });

  it('ends a call past its deadline', async () => {
    client = new GrpcUnaryClient(await serve(() => undefined), 1024);
    const started = Date.now();
    const error = await client.call('/s/M', Buffer.alloc(0), 200).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: GrpcStatus.DEADLINE_EXCEEDED });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('refuses an answer over the receive limit', async () => {
    client = new GrpcUnaryClient(
      await serve((stream) => {
        stream.respond({ ':status': 200 }, { waitForTrailers: true });
        stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
        const big = Buffer.alloc(5 + 4096);
        big.writeUInt32BE(4096, 1);
        stream.end(big);
      }),
      1024,
    );
    const error = await client.call('/s/M', Buffer.alloc(0), 1_000).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: GrpcStatus.RESOURCE_EXHAUSTED });
  });

  it('says UNAVAILABLE when nothing listens', async () => {
    const address = await serve(() => undefined);
    await new Promise((resolve) => server!.close(resolve));
    server = undefined;
    client = new GrpcUnaryClient(address, 1024);
    const error = await client.call('/s/M', Buffer.alloc(0), 1_000).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: GrpcStatus.UNAVAILABLE });
  });
});
