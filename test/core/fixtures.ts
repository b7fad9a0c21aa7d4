/**
 * Fixtures for tests against the real V2Fly core: temp dirs, adapter configs, a local HTTP
 * origin, a second v2ray process as VLESS client (socks inbound → vless outbound) built from a
 * share link, a tiny SOCKS5 client, and process bookkeeping so every test cleans up.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Core, CoreAdapterConfig, CoreReading, DesiredCoreState } from '../../src/core/index.ts';
import { counterName } from '../../src/core/proto/index.ts';
import { createLogger } from '../../src/logger.ts';
import { startNetnsOrigin } from '../helpers/netns.ts';
import { freePort } from '../helpers/ports.ts';

export { freePort };

export const V2RAY = '/usr/bin/v2ray';
export const MiB = 1024 * 1024;
export const silent = createLogger({ level: 'silent', pretty: false });

/** A temp directory; remove it with `rmSync(dir, { recursive: true, force: true })`. */
/** A core's counters gathered into a map (the collector itself never builds one). */
export async function counterMap(
  core: Pick<Core, 'readCounters'>,
): Promise<(CoreReading & { counters: Map<string, number> }) | null> {
  const counters = new Map<string, number>();
  const reading = await core.readCounters((bytes, start, end, value) =>
    counters.set(counterName(bytes, start, end), value),
  );
  return reading && { ...reading, counters };
}

export function makeTempDir(prefix = 'xk-core-'): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Adapter config on free ports in `dataDir`, private networks allowed (traffic tests). */
export async function coreConfig(
  dataDir: string,
  overrides: Partial<CoreAdapterConfig> = {},
): Promise<CoreAdapterConfig> {
  return {
    CORE_BIN: V2RAY,
    CORE_MANAGED: true,
    CORE_API_PORT: await freePort(),
    VLESS_PORT: await freePort(),
    vlessHost: '127.0.0.1',
    REALITY_SNI: 'www.example.com',
    realityTarget: 'www.example.com:443',
    BLOCK_PRIVATE_NETWORKS: false,
    LOG_LEVEL: 'silent',
    REALITY_MIN_CLIENT_VER: '1.0.0',
    dataDir,
    ...overrides,
  };
}

/** A mutable desired state, as the services would read it from the DB. */
export function desiredState(users: DesiredCoreState['users'] = []): DesiredCoreState {
  return {
    reality: { privateKey: 'eCmYp1UhKNPuHOvIzdh7kyRO0BzpTgi4l8Pe8B6Z1U8', shortIds: ['0123456789abcdef'] },
    users,
  };
}

export function uuid(n: number): string {
  return `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

/** Polls `probe` until it returns a truthy value or `timeoutMs` passes. */
export async function waitFor<T>(
  probe: () => Promise<T> | T,
  timeoutMs = 5_000,
  stepMs = 50,
): Promise<Exclude<T, null | undefined | false | 0 | ''>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value as Exclude<T, null | undefined | false | 0 | ''>;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`, { cause: last });
    await new Promise((resolve) => setTimeout(resolve, stepMs));
  }
}

/** Pids of processes whose command line contains `needle` (e.g. a core's config path). */
export function processesWith(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (/^\d+ \(.*\) Z/.test(stat)) continue;
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').includes(needle))
        pids.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

/** Kills every process that still runs with `needle` on its command line. */
export function killAllWith(needle: string): void {
  for (const pid of processesWith(needle)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
}

/**
 * An HTTP origin answering every request with `bytes` bytes, on a test host in a network
 * namespace: the core refuses VPN traffic to loopback.
 */
export const startOrigin = startNetnsOrigin;

/** Where a test download goes: a host address and port reached through the tunnel. */
export interface Target {
  host: string;
  port: number;
}

/** A v2ray VLESS client: socks on 127.0.0.1:socksPort, vless outbound from `link`. */
export async function startVlessClient(
  link: string,
  dir: string,
): Promise<{ socksPort: number; child: ChildProcess; stop(): Promise<void> }> {
  const url = new URL(link);
  const socksPort = await freePort();
  const config = {
    log: { loglevel: 'warning', access: 'none' },
    inbounds: [
      { listen: '127.0.0.1', port: socksPort, protocol: 'socks', settings: { auth: 'noauth', udp: false } },
    ],
    outbounds: [
      {
        protocol: 'vless',
        settings: {
          vnext: [
            {
              address: url.hostname.replace(/^\[|\]$/g, ''),
              port: Number(url.port),
              users: [{ id: decodeURIComponent(url.username), encryption: 'none', level: 0 }],
            },
          ],
        },
        streamSettings: { network: url.searchParams.get('type') ?? 'tcp', security: 'none' },
      },
    ],
  };
  const file = path.join(dir, `client-${socksPort}.json`);
  writeFileSync(file, JSON.stringify(config));
  const child = spawn(V2RAY, ['-config', file], { stdio: 'ignore' });
  await waitFor(() => canConnect(socksPort), 5_000);
  return {
    socksPort,
    child,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    },
  };
}

export function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Speaks SOCKS5 on `socket` (no auth, CONNECT to an IPv4 `target`), then hands every byte the
 * target sends to `tunnel.data`; a refused CONNECT goes to `tunnel.refused` instead.
 */
function socksTunnel(
  socket: net.Socket,
  target: Target,
  tunnel: { open(): void; refused(code: number): void; data(chunk: Buffer): void },
): void {
  let stage: 'greeting' | 'connect' | 'open' = 'greeting';
  let buffered = Buffer.alloc(0);
  socket.once('connect', () => socket.write(Buffer.from([5, 1, 0])));
  socket.on('data', (chunk: Buffer) => {
    if (stage === 'open') return tunnel.data(chunk);
    buffered = Buffer.concat([buffered, chunk]);
    if (stage === 'greeting' && buffered.length >= 2) {
      buffered = buffered.subarray(2);
      stage = 'connect';
      const octets = target.host.split('.').map(Number);
      socket.write(Buffer.from([5, 1, 0, 1, ...octets, target.port >> 8, target.port & 0xff]));
    }
    if (stage === 'connect' && buffered.length >= 10) {
      if (buffered[1] !== 0) return tunnel.refused(buffered[1]!);
      stage = 'open';
      tunnel.open();
    }
  });
}

/**
 * GET http://host:port/ through a SOCKS5 proxy; resolves with the body size (0 when the
 * tunnel closed without an HTTP answer, as when the key is refused or the target blocked).
 */
export function socksDownload(socksPort: number, target: Target, timeoutMs = 10_000): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(socksPort, '127.0.0.1');
    let head = Buffer.alloc(0);
    let received = 0;
    let headerEnd = -1;
    let expected = Infinity;
    socket.setTimeout(timeoutMs, () => {
      socket.destroy();
      reject(new Error('socks download timed out'));
    });
    socksTunnel(socket, target, {
      open: () => socket.write('GET / HTTP/1.1\r\nHost: origin\r\nConnection: close\r\n\r\n'),
      refused: (code) => {
        socket.destroy();
        reject(new Error(`socks connect refused (${code})`));
      },
      data: (chunk) => {
        received += chunk.length;
        if (headerEnd < 0) {
          head = Buffer.concat([head, chunk]);
          headerEnd = head.indexOf('\r\n\r\n');
          const length = /content-length: *(\d+)/i.exec(head.subarray(0, headerEnd).toString());
          if (length) expected = Number(length[1]);
        }
        // The proxies close the tunnel a while after the origin did: stop at Content-Length.
        if (headerEnd >= 0 && received - (headerEnd + 4) >= expected) socket.destroy();
      },
    });
    socket.once('error', () => resolve(0));
    socket.once('close', () => resolve(headerEnd < 0 ? 0 : received - (headerEnd + 4)));
  });
}

/**
 * Opens a SOCKS5 tunnel to `target`, writes `payload` and resolves with every byte the target
 * sent back before it closed or went quiet for `quietMs` (none when the core blocked it).
 */
export function socksExchange(
  socksPort: number,
  target: Target,
  payload: Buffer,
  quietMs = 1_500,
): Promise<Buffer> {
  return new Promise((resolve) => {
    const socket = net.connect(socksPort, '127.0.0.1');
    const received: Buffer[] = [];
    const done = () => {
      socket.destroy();
      resolve(Buffer.concat(received));
    };
    socket.setTimeout(quietMs, done);
    socksTunnel(socket, target, {
      open: () => socket.write(payload),
      refused: done,
      data: (chunk) => received.push(chunk),
    });
    socket.once('error', done);
    socket.once('close', done);
  });
}

/** The HTTP/2 connection preface and an empty SETTINGS frame: a gRPC server answers it. */
export const HTTP2_PREFACE = Buffer.concat([
  Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'),
  Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]),
]);
