/**
 * The control socket: a Unix socket in DATA_DIR, owner-only, through which the CLI hands
 * a command to the running instance so changes reach the live core and DB at once.
 * Protocol: one JSON line in ({op, args, actor}); out, any number of progress lines
 * ({progress: "text"}) while the operation runs, then one JSON line ({ok, result | error}).
 * The client side is client.ts.
 */
import { chmodSync, existsSync, unlinkSync } from 'node:fs';
import net from 'node:net';
import { ZodError } from 'zod';
import type { Logger } from '../logger.ts';
import { AppError, fromRemoteError, isAppError } from '../services/errors.ts';
import type { Services } from '../services/index.ts';
import { controlSocketPath, type ControlRequest, type ControlResponse } from './client.ts';
import { isOperationName, runOperation } from './operations.ts';

export { controlSocketPath };

/** Turns any failure into the wire error shape. */
export function toErrorBody(raw: unknown): { code: string; message: string } {
  const error = fromRemoteError(raw);
  if (isAppError(error)) return { code: error.code, message: error.message };
  if (error instanceof ZodError) {
    // The operations word their own messages for the operator (operations.ts).
    const message = [...new Set(error.issues.map((i) => i.message))].join('; ');
    return { code: 'VALIDATION_FAILED', message };
  }
  return { code: 'INTERNAL', message: error instanceof Error ? error.message : String(error) };
}

/** Starts the control server. Resolves once it listens; `close()` removes the socket. */
export async function startControlServer(deps: {
  dataDir: string;
  services: Services;
  logger: Logger;
}): Promise<{ close(): Promise<void> }> {
  const socketPath = controlSocketPath(deps.dataDir);
  // A socket file left by a crashed instance: nobody answers on it, so it can go.
  if (existsSync(socketPath)) {
    if (await isAnswering(socketPath)) {
      throw new Error(`another xkeeper is running on ${deps.dataDir} (${socketPath} answers)`);
    }
    unlinkSync(socketPath);
  }
  const server = net.createServer((socket) => {
    let buffer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      const end = buffer.indexOf('\n');
      if (end === -1) return;
      const line = buffer.slice(0, end);
      const progress = (text: string) => {
        if (!socket.destroyed) socket.write(`${JSON.stringify({ progress: text })}\n`);
      };
      void handle(line, progress).then((response) => socket.end(`${JSON.stringify(response)}\n`));
    });
    socket.on('error', (err) => deps.logger.debug({ err }, 'control socket client error'));
  });

  async function handle(line: string, progress: (text: string) => void): Promise<ControlResponse> {
    try {
      const request = JSON.parse(line) as ControlRequest;
      if (!isOperationName(request.op)) {
        throw new AppError('VALIDATION_FAILED', `unknown operation ${request.op}`);
      }
      deps.logger.info({ op: request.op, actor: request.actor }, 'control command');
      return {
        ok: true,
        ...(await runOperation(deps.services, request.op, request.args, request.actor, { progress })),
      };
    } catch (error) {
      if (!isAppError(error) && !(error instanceof ZodError)) {
        deps.logger.error({ err: error }, 'control command failed');
      }
      return { ok: false, error: toErrorBody(error) };
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // Owner-only from the first instant: the umask covers the window before chmod.
    const previous = process.umask(0o177);
    server.listen(socketPath, () => {
      process.umask(previous);
      server.off('error', reject);
      resolve();
    });
  });
  chmodSync(socketPath, 0o600);

  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        if (existsSync(socketPath)) unlinkSync(socketPath);
      }),
  };
}

function isAnswering(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(socketPath);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
