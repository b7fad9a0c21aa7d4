/**
 * A long-lived SSH link to one node: connects on first use, reconnects after a drop with
 * exponential backoff, and keeps its API forwards on stable local ports across reconnects
 * (CoreApi's gRPC channel stays pointed at the same 127.0.0.1 port and simply sees the node
 * UNAVAILABLE while the link is down). During a backoff, calls fail fast with the last error.
 */
import { RemoteError } from './errors.ts';
import { connectSsh, type Forward, forwardPort, type SshConnectOptions, type SshSession } from './ssh.ts';

export interface SshLinkOptions extends SshConnectOptions {
  /** First delay after a failed attempt (default 500 ms), doubled up to `backoffMaxMs` (30 s). */
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  /** Told of every connect and every failure (for health and alerts). */
  onState?: (state: SshLinkState) => void;
}

export interface SshLinkState {
  connected: boolean;
  /** Why the last attempt failed (a NODE_HOST_KEY_MISMATCH is the one to alert on). */
  lastError: RemoteError | null;
  /** Failed attempts since the last success. */
  failures: number;
}

export class SshLink {
  private current: SshSession | null = null;
  private connecting: Promise<SshSession> | null = null;
  private lastError: RemoteError | null = null;
  private failures = 0;
  private retryAt = 0;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly forwards = new Set<Forward>();

  constructor(private readonly options: SshLinkOptions) {}

  get state(): SshLinkState {
    return { connected: this.current !== null, lastError: this.lastError, failures: this.failures };
  }

  /** The open session, connecting when there is none; throws RemoteError while the node is out of reach. */
  session(): Promise<SshSession> {
    if (this.closed) return Promise.reject(new RemoteError('NODE_SSH_FAILED', 'the SSH link is closed'));
    if (this.current && !this.current.closed) return Promise.resolve(this.current);
    if (this.connecting) return this.connecting;
    if (this.lastError && Date.now() < this.retryAt) return Promise.reject(this.lastError);
    return this.connect();
  }

  private connect(): Promise<SshSession> {
    const attempt = connectSsh(this.options).then(
      (session) => {
        if (this.closed) {
          session.close();
          throw new RemoteError('NODE_SSH_FAILED', 'the SSH link is closed');
        }
        this.current = session;
        this.lastError = null;
        this.failures = 0;
        session.onClose(() => {
          if (this.current === session) this.current = null;
          this.emit();
          this.schedule(0);
        });
        this.emit();
        return session;
      },
      (error: unknown) => {
        const failure =
          error instanceof RemoteError ? error : new RemoteError('NODE_SSH_FAILED', String(error));
        this.lastError = failure;
        this.failures++;
        const initial = this.options.backoffInitialMs ?? 500;
        const delay = Math.min(initial * 2 ** (this.failures - 1), this.options.backoffMaxMs ?? 30_000);
        this.retryAt = Date.now() + delay;
        this.emit();
        this.schedule(delay);
        throw failure;
      },
    );
    this.connecting = attempt.finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  private emit(): void {
    this.options.onState?.(this.state);
  }

  /** Reconnects in the background after `delay` ms (once at a time). */
  private schedule(delay: number): void {
    if (this.closed || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.session().catch(() => undefined);
    }, delay);
    this.timer.unref();
  }

  /** A local socket forwarded to `port` on the node's loopback, surviving reconnects. */
  async forward(port: number): Promise<Forward> {
    const inner = await forwardPort(port, () => this.session());
    const forward: Forward = {
      path: inner.path,
      close: async () => {
        this.forwards.delete(forward);
        await inner.close();
      },
    };
    this.forwards.add(forward);
    return forward;
  }

  /** Stops reconnecting, closes the forwards and the session. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await Promise.all([...this.forwards].map((forward) => forward.close()));
    this.current?.close();
    this.current = null;
  }
}
