/**
 * Test hosts in network namespaces of the test's own. VPN traffic to loopback is refused by
 * design (the core blocks it whatever BLOCK_PRIVATE_NETWORKS says), so a server that a test
 * reaches through the VPN lives here: `ip netns add`, a veth pair, a private /30 (10.x),
 * removed again by `close()`.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import net from 'node:net';

export interface TestHost {
  /** The namespace's name (for `ip netns exec`). */
  name: string;
  /** The namespace's address, reachable from this machine. */
  address: string;
  /** This machine's end of the veth pair. */
  gateway: string;
  /** Runs a command inside the namespace. */
  spawn(command: string, args: string[]): ChildProcess;
  /** Removes the namespace (and with it the veth pair). */
  close(): void;
}

/** /30 slots in 10.200.0.0 – 10.249.255.255. */
const SLOTS = 50 * 256 * 64;
/** Where this process starts looking: spread out, so parallel test files rarely meet. */
let next = Math.floor(Math.random() * SLOTS);

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Slot n's /30: 10.<200 + n/16384>.<(n/64) % 256>.<(n % 64) * 4>. */
function subnet(n: number): { gateway: string; address: string } {
  const second = 200 + Math.floor(n / (256 * 64));
  const third = Math.floor(n / 64) % 256;
  const base = (n % 64) * 4;
  return { gateway: `10.${second}.${third}.${base + 1}`, address: `10.${second}.${third}.${base + 2}` };
}

/**
 * Makes a namespace with a veth pair and a /30. The namespace is named after its slot, and
 * `ip netns add` refuses a name that exists: that claims the slot atomically, so two test
 * files running at once never put the same address on two links.
 */
export function createTestHost(): TestHost {
  for (let attempt = 0; ; attempt++) {
    const n = next++ % SLOTS;
    const name = `xk${n}`;
    const outside = `xkh${n}`;
    const inside = `xkn${n}`;
    const { gateway, address } = subnet(n);
    try {
      ip('netns', 'add', name);
    } catch (error) {
      if (attempt < 5) continue;
      throw error;
    }
    try {
      ip('link', 'add', outside, 'type', 'veth', 'peer', 'name', inside);
      ip('link', 'set', inside, 'netns', name);
      ip('addr', 'add', `${gateway}/30`, 'dev', outside);
      ip('link', 'set', outside, 'up');
      ip('-n', name, 'addr', 'add', `${address}/30`, 'dev', inside);
      ip('-n', name, 'link', 'set', inside, 'up');
      ip('-n', name, 'link', 'set', 'lo', 'up');
    } catch (error) {
      try {
        ip('netns', 'del', name);
        ip('link', 'del', outside);
      } catch {
        // partly made
      }
      if (attempt < 5) continue;
      throw error;
    }
    return {
      name,
      address,
      gateway,
      spawn: (command, args) => spawn('ip', ['netns', 'exec', name, command, ...args], { stdio: 'ignore' }),
      close: () => {
        try {
          ip('netns', 'del', name);
        } catch {
          // already gone
        }
        try {
          ip('link', 'del', outside);
        } catch {
          // went with the namespace
        }
      },
    };
  }
}

/** Resolves once `host:port` accepts a TCP connection, or rejects after `timeoutMs`. */
export async function waitForPort(host: string, port: number, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, host);
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`${host}:${port} did not open within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const ORIGIN_SCRIPT = `
const http = require('node:http');
const [bytes, port, host, seconds] = process.argv.slice(1).map((v, i) => (i === 2 ? v : Number(v)));
const body = Buffer.alloc(bytes, 0x61);
http.createServer((_req, res) => {
  res.writeHead(200, { 'content-length': body.length, connection: 'close' });
  if (!seconds) return res.end(body);
  // Slowly, in tenths of a second: a long-lived stream.
  const step = Math.ceil(bytes / (seconds * 10));
  let sent = 0;
  const timer = setInterval(() => {
    res.write(body.subarray(sent, sent + step));
    sent += step;
    if (sent >= bytes) {
      clearInterval(timer);
      res.end();
    }
  }, 100);
  res.on('close', () => clearInterval(timer));
}).listen(port, host);
`;

/**
 * An HTTP origin answering every request with `bytes` bytes, on a test host of its own; with
 * `seconds`, it sends them evenly over that time (a long-lived VPN stream).
 */
export async function startNetnsOrigin(
  bytes: number,
  options: { seconds?: number } = {},
): Promise<{ host: string; port: number; close(): Promise<void> }> {
  const testHost = createTestHost();
  const port = 8000;
  const child = testHost.spawn(process.execPath, [
    '-e',
    ORIGIN_SCRIPT,
    String(bytes),
    String(port),
    testHost.address,
    String(options.seconds ?? 0),
  ]);
  try {
    await waitForPort(testHost.address, port);
  } catch (error) {
    child.kill('SIGKILL');
    testHost.close();
    throw error;
  }
  return {
    host: testHost.address,
    port,
    close: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        await exited;
      }
      testHost.close();
    },
  };
}
