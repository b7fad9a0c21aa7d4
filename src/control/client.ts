/**
 * The CLI's side of the control socket (see socket.ts for the protocol). Node built-ins only:
 * every CLI call loads this, and a command handed to a running instance needs nothing else.
 */
import { existsSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export interface ControlRequest {
  op: string;
  args: unknown;
  actor: string;
}

/** `notice`: a repeat that changed nothing says so (`API key 3 was already revoked`). */
export type ControlResponse =
  { ok: true; result: unknown; notice?: string } | { ok: false; error: { code: string; message: string } };

/** Where the control socket lives for a DATA_DIR. */
export function controlSocketPath(dataDir: string): string {
  return path.join(dataDir, 'xkeeper.sock');
}

/**
 * Sends one request to a running instance. Resolves `null` when no instance answers
 * (no socket, or a stale one), so the caller can work on the files itself.
 */
export function sendControlRequest(
  dataDir: string,
  request: ControlRequest,
  timeoutMs = 120_000,
  onProgress?: (line: string) => void,
): Promise<ControlResponse | null> {
  const socketPath = controlSocketPath(dataDir);
  if (!existsSync(socketPath)) return Promise.resolve(null);
  return new Promise((resolve, reject) => {
    const socket = net.connect(socketPath);
    let connected = false;
    let buffer = '';
    socket.setEncoding('utf8');
    socket.setTimeout(timeoutMs, () => {
      socket.destroy();
      reject(new Error(`the running xkeeper did not answer within ${timeoutMs / 1000} s`));
    });
    socket.once('connect', () => {
      connected = true;
      socket.write(`${JSON.stringify(request)}\n`);
    });
    // Progress lines come first, as they happen; the last line is the answer.
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      let end: number;
      while ((end = buffer.indexOf('\n')) !== -1 && buffer.indexOf('\n', end + 1) !== -1) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 1);
        try {
          const parsed = JSON.parse(line) as { progress?: unknown };
          if (typeof parsed.progress === 'string') onProgress?.(parsed.progress);
        } catch {
          // not a progress line: ignored
        }
      }
    });
    socket.once('end', () => {
      const lines = buffer.split('\n').filter(Boolean);
      try {
        for (const line of lines.slice(0, -1)) {
          const parsed = JSON.parse(line) as { progress?: unknown };
          if (typeof parsed.progress === 'string') onProgress?.(parsed.progress);
        }
        resolve(JSON.parse(lines.at(-1) ?? '') as ControlResponse);
      } catch {
        reject(new Error('the running xkeeper sent an unreadable answer'));
      }
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      if (!connected && (err.code === 'ECONNREFUSED' || err.code === 'ENOENT')) resolve(null);
      else reject(err);
    });
  });
}
