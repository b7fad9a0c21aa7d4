/**
 * SSH sessions to nodes (ssh2, pure JS): login by xkeeper's key (or a one-time password), the
 * node's host key checked against a pinned fingerprint, commands with deadlines, atomic
 * uploads over SFTP, and a forward of the node's loopback Xray API to a local Unix socket.
 *
 * The forward is a `net.Server` on an owner-only Unix socket whose every connection becomes one
 * SSH `direct-tcpip` channel to the node's 127.0.0.1:PORT. gRPC (CoreApi) then talks to
 * `unix:<socket>` as it does to the local core, with its own reconnects (see forwardPort).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type * as Ssh2 from 'ssh2';
import { lazyModule } from '../../lazy-module.ts';
import { RemoteError, shellQuote } from './errors.ts';

const ssh2 = lazyModule<typeof Ssh2>('ssh2');

export { RemoteError, shellQuote };

/** Where to log in: `USER@HOST[:PORT]`. */
export interface SshTarget {
  username: string;
  host: string;
  port: number;
}

/** Parses `USER@HOST[:PORT]` (an IPv6 host in brackets); throws on anything else. */
export function parseSshTarget(text: string): SshTarget {
  const match =
    /^([A-Za-z0-9._][A-Za-z0-9._-]{0,31})@(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?$/.exec(
      text.trim(),
    );
  const port = match?.[3] === undefined ? 22 : Number(match[3]);
  if (!match?.[1] || !match[2] || port < 1 || port > 65535) {
    throw new RemoteError('NODE_UNREACHABLE', `"${text}" is not USER@HOST[:PORT]`);
  }
  return { username: match[1], host: match[2].replace(/^\[|\]$/g, ''), port };
}

/** `USER@HOST:PORT` for messages. */
export function formatSshTarget(target: SshTarget): string {
  const host = target.host.includes(':') ? `[${target.host}]` : target.host;
  return `${target.username}@${host}:${target.port}`;
}

/** A host key's fingerprint as OpenSSH prints it: `SHA256:` + unpadded base64 of its SHA-256. */
export function hostKeyFingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** True for a string shaped like an OpenSSH SHA-256 fingerprint. */
export function isHostKeyFingerprint(value: string): boolean {
  return /^SHA256:[A-Za-z0-9+/]{43}$/.test(value);
}

export interface SshConnectOptions {
  target: SshTarget;
  /** xkeeper's private key (OpenSSH format), or a one-time password. */
  auth: { privateKey: string } | { password: string };
  /** The pinned host key fingerprint; null on first use (the session reports what it saw). */
  hostKey: string | null;
  /** Deadline for TCP connect + handshake + login (default 10 s). */
  readyTimeoutMs?: number;
  /** SSH keep-alive: interval (default 10 s) and unanswered probes before the link counts as dead (3). */
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
}

/** What a command on the node gave back. */
export interface ExecResult {
  /** Exit code; null when the command was killed by a signal. */
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  /** Deadline (default 30 s): the channel is closed and NODE_TIMEOUT thrown. */
  timeoutMs?: number;
  /** Written to the command's stdin. */
  stdin?: string | Buffer;
}

/** A local Unix socket forwarded to a port on the node's loopback. */
export interface Forward {
  /** The Unix socket on this machine that reaches the node's port. */
  path: string;
  close(): Promise<void>;
}

const DEFAULT_READY_TIMEOUT_MS = 10_000;
const DEFAULT_EXEC_TIMEOUT_MS = 30_000;
const DEFAULT_TRANSFER_TIMEOUT_MS = 5 * 60_000;
/** Output kept per stream of a command: enough for any answer we parse, bounded whatever the node sends. */
const MAX_OUTPUT_BYTES = 1024 * 1024;

function connectError(
  options: SshConnectOptions,
  error: Error & { level?: string; code?: string },
  seenHostKey: string | null,
): RemoteError {
  const where = formatSshTarget(options.target);
  if (seenHostKey !== null && options.hostKey !== null && seenHostKey !== options.hostKey) {
    return new RemoteError(
      'NODE_HOST_KEY_MISMATCH',
      `the host key of ${where} changed: pinned ${options.hostKey}, the server shows ${seenHostKey}; ` +
        'refused (if the server was reinstalled, pin the new key deliberately)',
      { pinned: options.hostKey, seen: seenHostKey },
    );
  }
  if (error.level === 'client-authentication') {
    const message =
      'password' in options.auth
        ? `${where} refused the password (wrong password, or password login disabled)`
        : `${where} refused xkeeper's key: add the line of "xkeeper node key" to ${options.target.username}'s authorized_keys`;
    return new RemoteError('NODE_AUTH_FAILED', message);
  }
  if (error.level === 'client-timeout') {
    return new RemoteError('NODE_UNREACHABLE', `${where} did not complete the SSH login in time`);
  }
  const detail = error.code ? `${error.code}` : error.message;
  return new RemoteError('NODE_UNREACHABLE', `cannot reach ${where} over SSH: ${detail}`, {
    cause: error.code ?? error.level ?? null,
  });
}

/** How long the command that turns Nagle off on the node's side may take (see connectSsh). */
const NODELAY_COMMAND_TIMEOUT_MS = 5_000;

/**
 * Connects and logs in. Resolves with the session; rejects with RemoteError:
 * NODE_UNREACHABLE, NODE_AUTH_FAILED or NODE_HOST_KEY_MISMATCH (checked before any credential
 * is sent, so a password never reaches an impostor).
 */
export function connectSsh(options: SshConnectOptions): Promise<SshSession> {
  return new Promise((resolve, reject) => {
    const client = new (ssh2().Client)();
    let seenHostKey: string | null = null;
    let settled = false;
    client.once('ready', () => {
      settled = true;
      // Small gRPC messages go out at once, not after Nagle's delay.
      client.setNoDelay(true);
      const session = new SshSession(client, options.target, seenHostKey ?? '');
      // And the node's side: OpenSSH's sshd turns Nagle off on its socket only once a session
      // runs a command. Until then the small tail of each API answer (gRPC's trailers) waits
      // behind the unacknowledged bulk for this side's delayed ACK, 40 ms added to about every
      // other reading. Best effort: an account that may not run commands still forwards.
      void session
        .exec('true', { timeoutMs: NODELAY_COMMAND_TIMEOUT_MS })
        .catch(() => undefined)
        .then(() => resolve(session));
    });
    client.on('error', (error: Error & { level?: string; code?: string }) => {
      if (settled) return;
      settled = true;
      client.end();
      reject(connectError(options, error, seenHostKey));
    });
    client.once('close', () => {
      if (settled) return;
      settled = true;
      reject(new RemoteError('NODE_UNREACHABLE', `${formatSshTarget(options.target)} closed the connection`));
    });
    client.connect({
      host: options.target.host,
      port: options.target.port,
      username: options.target.username,
      ...('password' in options.auth
        ? { password: options.auth.password, tryKeyboard: false }
        : { privateKey: options.auth.privateKey }),
      readyTimeout: options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS,
      keepaliveInterval: options.keepaliveIntervalMs ?? 10_000,
      keepaliveCountMax: options.keepaliveCountMax ?? 3,
      hostVerifier: (key: Buffer) => {
        seenHostKey = hostKeyFingerprint(key);
        return options.hostKey === null || seenHostKey === options.hostKey;
      },
    });
  });
}

/**
 * The host key fingerprint of `target` without logging in (to show it before pinning): the
 * handshake is stopped at the host key, no credential is sent.
 */
export function scanHostKey(target: SshTarget, timeoutMs = DEFAULT_READY_TIMEOUT_MS): Promise<string> {
  return new Promise((resolve, reject) => {
    const client = new (ssh2().Client)();
    let seen: string | null = null;
    const finish = (error: Error & { level?: string; code?: string }) => {
      client.end();
      if (seen) resolve(seen);
      else reject(connectError({ target, auth: { password: '' }, hostKey: null }, error, null));
    };
    client.once('error', finish);
    client.once('ready', () => finish(new Error('logged in without credentials')));
    client.connect({
      host: target.host,
      port: target.port,
      username: target.username,
      readyTimeout: timeoutMs,
      hostVerifier: (key: Buffer) => {
        seen = hostKeyFingerprint(key);
        return false;
      },
    });
  });
}

/** Collects at most MAX_OUTPUT_BYTES of a stream. */
function collector(): { push(chunk: Buffer): void; text(): string } {
  const chunks: Buffer[] = [];
  let size = 0;
  return {
    push(chunk) {
      if (size >= MAX_OUTPUT_BYTES) return;
      chunks.push(chunk.subarray(0, MAX_OUTPUT_BYTES - size));
      size += chunk.length;
    },
    text: () => Buffer.concat(chunks).toString('utf8'),
  };
}

/** One logged-in SSH connection to a node. */
export class SshSession {
  private sftpChannel: Promise<Ssh2.SFTPWrapper> | null = null;
  private closedFlag = false;
  private readonly closeListeners = new Set<(error?: Error) => void>();

  constructor(
    readonly client: Ssh2.Client,
    readonly target: SshTarget,
    /** The fingerprint the server showed (to pin on first use). */
    readonly hostKey: string,
  ) {
    let lastError: Error | undefined;
    client.on('error', (error) => {
      lastError = error;
    });
    client.once('close', () => {
      this.closedFlag = true;
      for (const listener of this.closeListeners) listener(lastError);
    });
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  /** Called once when the connection drops or is closed. */
  onClose(listener: (error?: Error) => void): void {
    this.closeListeners.add(listener);
  }

  private failed(what: string, error: unknown): RemoteError {
    if (error instanceof RemoteError) return error;
    const message = error instanceof Error ? error.message : String(error);
    return new RemoteError(
      'NODE_SSH_FAILED',
      `${what} on ${formatSshTarget(this.target)} failed: ${message}`,
    );
  }

  /** Runs `command` with the login shell of the node; never throws for a non-zero exit. */
  exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS;
    return new Promise((resolve, reject) => {
      if (this.closedFlag) {
        reject(this.failed('a command', new Error('the connection is closed')));
        return;
      }
      this.client.exec(command, (error, channel) => {
        if (error) {
          reject(this.failed('a command', error));
          return;
        }
        const stdout = collector();
        const stderr = collector();
        const timer = setTimeout(() => {
          channel.close();
          reject(
            new RemoteError(
              'NODE_TIMEOUT',
              `a command on ${formatSshTarget(this.target)} took longer than ${timeoutMs} ms`,
            ),
          );
        }, timeoutMs);
        channel.on('data', (chunk: Buffer) => stdout.push(chunk));
        channel.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
        channel.once('close', (code: number | null, signal?: string) => {
          clearTimeout(timer);
          resolve({
            code: typeof code === 'number' ? code : null,
            signal: signal ?? null,
            stdout: stdout.text(),
            stderr: stderr.text(),
          });
        });
        channel.end(options.stdin);
      });
    });
  }

  private sftp(): Promise<Ssh2.SFTPWrapper> {
    this.sftpChannel ??= new Promise<Ssh2.SFTPWrapper>((resolve, reject) => {
      this.client.sftp((error, sftp) => {
        if (error) {
          this.sftpChannel = null;
          reject(this.failed('SFTP', error));
        } else {
          sftp.once('close', () => {
            this.sftpChannel = null;
          });
          resolve(sftp);
        }
      });
    });
    return this.sftpChannel;
  }

  /** One SFTP operation with a deadline. */
  private async sftpCall(
    what: string,
    timeoutMs: number,
    run: (sftp: Ssh2.SFTPWrapper, done: (error?: Error | null) => void) => void,
  ): Promise<void> {
    const sftp = await this.sftp();
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new RemoteError('NODE_TIMEOUT', `${what} on ${formatSshTarget(this.target)} timed out`)),
        timeoutMs,
      );
      run(sftp, (error) => {
        clearTimeout(timer);
        if (error) reject(this.failed(what, error));
        else resolve();
      });
    });
  }

  /** Renames `from` to `to` on the node, replacing `to` atomically (OpenSSH's posix-rename). */
  rename(from: string, to: string): Promise<void> {
    return this.sftpCall(`renaming ${from}`, DEFAULT_EXEC_TIMEOUT_MS, (sftp, done) =>
      sftp.ext_openssh_rename(from, to, done),
    );
  }

  /**
   * Writes `source` (bytes, or a local file) to `remotePath` atomically: into a temp file
   * beside it with `mode`, then renamed over it, so a reader never sees half a file.
   */
  async upload(
    remotePath: string,
    source: { data: string | Buffer } | { file: string },
    { mode = 0o600, timeoutMs = DEFAULT_TRANSFER_TIMEOUT_MS }: { mode?: number; timeoutMs?: number } = {},
  ): Promise<void> {
    const temp = path.posix.join(
      path.posix.dirname(remotePath),
      `.${path.posix.basename(remotePath)}.${randomBytes(6).toString('hex')}.tmp`,
    );
    try {
      await this.sftpCall(`uploading ${remotePath}`, timeoutMs, (sftp, done) => {
        if ('file' in source) sftp.fastPut(source.file, temp, { mode }, done);
        else sftp.writeFile(temp, source.data, { mode }, done);
      });
      await this.sftpCall(`chmod ${remotePath}`, DEFAULT_EXEC_TIMEOUT_MS, (sftp, done) =>
        sftp.chmod(temp, mode, done),
      );
      await this.rename(temp, remotePath);
    } catch (error) {
      await this.exec(`rm -f ${shellQuote(temp)}`).catch(() => undefined);
      throw error;
    }
  }

  /** Opens one channel to `host:port` as seen from the node. */
  openChannel(port: number, host = '127.0.0.1'): Promise<Ssh2.ClientChannel> {
    return new Promise((resolve, reject) => {
      this.client.forwardOut('127.0.0.1', 0, host, port, (error, channel) => {
        if (error) reject(this.failed(`opening a channel to ${host}:${port}`, error));
        else resolve(channel);
      });
    });
  }

  /** Forwards a local socket to `port` on the node's loopback for the life of this session. */
  forward(port: number): Promise<Forward> {
    return forwardPort(port, () => this);
  }

  /** Closes the connection (and every channel and forward connection on it). */
  close(): void {
    this.client.end();
  }
}

/**
 * A `net.Server` on a Unix socket piping each connection into a channel of whatever session
 * `current()` gives; with none, the connection is dropped (gRPC sees UNAVAILABLE and retries).
 * The socket lies in a directory of its own that only this user may enter: a TCP port on
 * 127.0.0.1 would hand the node's unauthenticated API to every local user of this machine.
 * (It is also cheaper than TCP on loopback for a 1 MB counter reading.)
 */
export async function forwardPort(
  port: number,
  current: () => SshSession | null | Promise<SshSession | null>,
): Promise<Forward> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.setNoDelay(true);
    socket.pause();
    void (async () => {
      const session = await Promise.resolve(current()).catch(() => null);
      if (!session || session.closed || socket.destroyed) return socket.destroy();
      const channel = await session.openChannel(port).catch(() => null);
      if (!channel) return socket.destroy();
      if (socket.destroyed) return channel.close();
      channel.on('error', () => socket.destroy());
      channel.once('close', () => socket.destroy());
      socket.once('close', () => channel.close());
      socket.pipe(channel).pipe(socket);
      socket.resume();
    })();
  });
  // mkdtemp makes the directory 0700; the socket's path stays short (108 bytes at most).
  const dir = mkdtempSync(path.join(tmpdir(), 'xk-fwd-'));
  const socketPath = path.join(dir, 'api.sock');
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socketPath, () => resolve());
    });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    path: socketPath,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => {
          try {
            rmSync(dir, { recursive: true, force: true });
          } catch {
            // Left in the temp directory: an empty folder is no reason to fail a close.
          }
          resolve();
        });
      }),
  };
}

/** Outcome of {@link installPublicKey}. */
export interface InstallKeyResult {
  /** The host key seen (and checked against the pin, when one was given). */
  hostKey: string;
  /** False when the line was there already. */
  added: boolean;
}

/**
 * `--password-once`: logs in once with `password`, appends `publicLine` to the account's
 * `~/.ssh/authorized_keys` unless present (directory 0700, file 0600, owned by the account),
 * then proves the key logs in. The password is used for this one login only: never logged,
 * never stored. Pin `hostKey` when known: the password goes only to the pinned server.
 */
export async function installPublicKey(options: {
  target: SshTarget;
  password: string;
  hostKey: string | null;
  publicLine: string;
  privateKey: string;
  readyTimeoutMs?: number;
}): Promise<InstallKeyResult> {
  const line = options.publicLine.trim();
  if (!/^ssh-ed25519 [A-Za-z0-9+/=]+( [\w.@-]+)?$/.test(line)) {
    throw new RemoteError('NODE_AUTH_FAILED', 'not an ssh-ed25519 public key line');
  }
  const session = await connectSsh({
    target: options.target,
    auth: { password: options.password },
    hostKey: options.hostKey,
    readyTimeoutMs: options.readyTimeoutMs,
  });
  let added: boolean;
  try {
    const file = '"$HOME/.ssh/authorized_keys"';
    const quoted = shellQuote(line);
    // A file without a final newline gets one first, so the key starts a line of its own.
    const script = [
      'umask 077',
      'mkdir -p "$HOME/.ssh"',
      'chmod 700 "$HOME/.ssh"',
      `touch ${file}`,
      `chmod 600 ${file}`,
      `if grep -qxF ${quoted} ${file}; then echo present; exit 0; fi`,
      `if [ -s ${file} ] && [ -n "$(tail -c 1 ${file})" ]; then echo >> ${file}; fi`,
      `printf '%s\\n' ${quoted} >> ${file}`,
      'echo added',
    ].join(' && ');
    const result = await session.exec(`sh -c ${shellQuote(script)}`);
    if (result.code !== 0) {
      throw new RemoteError(
        'NODE_SSH_FAILED',
        `installing the key on ${formatSshTarget(options.target)} failed: ${result.stderr.trim() || `exit ${result.code}`}`,
      );
    }
    added = result.stdout.trim() === 'added';
  } finally {
    session.close();
  }
  const check = await connectSsh({
    target: options.target,
    auth: { privateKey: options.privateKey },
    hostKey: session.hostKey,
    readyTimeoutMs: options.readyTimeoutMs,
  });
  check.close();
  return { hostKey: session.hostKey, added };
}
