/**
 * Unary gRPC calls over one node:http2 session: all the core's API needs (a local server, no
 * TLS, no streaming, no retries). grpc-js spends ~250 µs of CPU per call in its channel,
 * interceptor and retry layers; a key change is one AlterInbound call per key, so bulk
 * creation paid more for the client than for the database and the core together. The bare
 * request with its trailers costs ~100 µs (measured: 5,000 AlterInbound calls, 32 in flight).
 */
import http2 from 'node:http2';

/** The gRPC status codes this client gives or callers test. */
export const GrpcStatus = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  DEADLINE_EXCEEDED: 4,
  RESOURCE_EXHAUSTED: 8,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
} as const;

/** A call that did not end with status OK; `code` is a gRPC status code. */
export class GrpcCallError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'GrpcCallError';
  }
}

/** The 5-byte gRPC frame header: not compressed, then the length. */
function frame(message: Buffer): Buffer {
  const out = Buffer.allocUnsafe(5 + message.length);
  out[0] = 0;
  out.writeUInt32BE(message.length, 1);
  message.copy(out, 5);
  return out;
}

/** grpc-message is percent-encoded on the wire. */
function decodeMessage(value: unknown): string {
  if (typeof value !== 'string') return '';
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

export class GrpcUnaryClient {
  private session: http2.ClientHttp2Session | undefined;

  constructor(
    /** host:port of a plaintext HTTP/2 gRPC server. */
    private readonly authority: string,
    private readonly maxReceiveBytes: number,
  ) {}

  /** The open session, or a new one (after a refusal, a GOAWAY or a restart of the server). */
  private open(): http2.ClientHttp2Session {
    const current = this.session;
    if (current && !current.closed && !current.destroyed) return current;
    const session = http2.connect(`http://${this.authority}`);
    const drop = () => {
      if (this.session === session) this.session = undefined;
    };
    // Each stream reports its own failure; the session's error only ends the session.
    session.on('error', drop);
    session.on('goaway', drop);
    session.on('close', drop);
    // Idle, it must not keep the process alive; a call in flight holds its deadline timer.
    session.unref();
    this.session = session;
    return session;
  }

  /** Drops the session: the next call connects afresh. */
  close(): void {
    this.session?.close();
    this.session = undefined;
  }

  /** One call: the serialized request in, the serialized answer out. */
  call(path: string, request: Buffer, timeoutMs: number): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      let stream: http2.ClientHttp2Stream;
      try {
        stream = this.open().request({
          ':method': 'POST',
          ':path': path,
          'content-type': 'application/grpc',
          te: 'trailers',
          'grpc-timeout': `${Math.max(1, Math.ceil(timeoutMs))}m`,
        });
      } catch (error) {
        this.session = undefined;
        reject(new GrpcCallError(GrpcStatus.UNAVAILABLE, (error as Error).message));
        return;
      }
      const chunks: Buffer[] = [];
      let received = 0;
      let status: number | undefined;
      let message = '';
      let settled = false;
      const finish = (error: GrpcCallError | null) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error) {
          if (!stream.closed) stream.close(http2.constants.NGHTTP2_CANCEL);
          reject(error);
          return;
        }
        const body = Buffer.concat(chunks, received);
        const length = body.length >= 5 ? body.readUInt32BE(1) : -1;
        if (body[0] !== 0 || body.length !== 5 + length) {
          reject(new GrpcCallError(GrpcStatus.INTERNAL, 'malformed or compressed gRPC answer'));
        } else {
          resolve(body.subarray(5));
        }
      };
      const timer = setTimeout(
        () => finish(new GrpcCallError(GrpcStatus.DEADLINE_EXCEEDED, 'Deadline exceeded')),
        timeoutMs,
      );
      const readStatus = (headers: http2.IncomingHttpHeaders) => {
        const value = headers['grpc-status'];
        if (value === undefined) return;
        status = Number(value);
        message = decodeMessage(headers['grpc-message']);
      };
      stream.on('response', (headers) => {
        const httpStatus = headers[':status'];
        if (httpStatus !== 200) {
          finish(new GrpcCallError(GrpcStatus.UNKNOWN, `HTTP status ${String(httpStatus)}`));
          return;
        }
        readStatus(headers); // a trailers-only answer
      });
      stream.on('trailers', readStatus);
      stream.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received > this.maxReceiveBytes + 5) {
          finish(new GrpcCallError(GrpcStatus.RESOURCE_EXHAUSTED, 'answer larger than the receive limit'));
          return;
        }
        chunks.push(chunk);
      });
      stream.on('error', (error) => finish(new GrpcCallError(GrpcStatus.UNAVAILABLE, error.message)));
      stream.on('close', () => {
        if (status === undefined) finish(new GrpcCallError(GrpcStatus.UNAVAILABLE, 'connection closed'));
        else if (status !== GrpcStatus.OK) finish(new GrpcCallError(status, message || `status ${status}`));
        else finish(null);
      });
      stream.end(frame(request));
    });
  }
}
