import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RemoteError } from '../../../src/core/remote/errors.ts';
import { SshLink } from '../../../src/core/remote/ssh-link.ts';
import { loadOrCreateSshKey, type SshKey, sshKeyPath } from '../../../src/core/remote/ssh-key.ts';
import {
  connectSsh,
  installPublicKey,
  parseSshTarget,
  scanHostKey,
  type SshTarget,
} from '../../../src/core/remote/ssh.ts';
import { startSshdHost, type SshdHost } from '../../helpers/sshd-host.ts';
import { makeTempDir, removeDir, waitFor } from '../fixtures.ts';

let dataDir: string;
let key: SshKey;
let node: SshdHost;
let target: SshTarget;

/** Echo server on the node's loopback (not reachable from here but through SSH). */
const ECHO = `require('node:net').createServer((s) => s.pipe(s)).listen(7000, '127.0.0.1')`;

function rejection(promise: Promise<unknown>): Promise<RemoteError> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => {
      expect(error).toBeInstanceOf(RemoteError);
      return error as RemoteError;
    },
  );
}

function echoThrough(socketPath: string, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(socketPath);
    let got = '';
    socket.on('data', (chunk) => {
      got += chunk.toString();
      if (got.length >= text.length) {
        socket.end();
        resolve(got);
      }
    });
    // A connection the forward drops (no SSH session) reads as nothing.
    socket.on('error', (error: NodeJS.ErrnoException) =>
      error.code === 'EPIPE' || error.code === 'ECONNRESET' ? resolve(got) : reject(error),
    );
    socket.on('close', () => resolve(got));
    socket.write(text);
  });
}

beforeAll(async () => {
  dataDir = makeTempDir('xk-ssh-');
  key = await loadOrCreateSshKey(dataDir);
  node = await startSshdHost();
  target = { username: 'root', host: node.address, port: 22 };
});

afterAll(async () => {
  await node?.close();
  removeDir(dataDir);
});

describe("xkeeper's SSH key", () => {
  it('is made once, owner-only, and read back as the same OpenSSH line', async () => {
    const dir = makeTempDir('xk-sshkey-');
    try {
      const made = await Promise.all([loadOrCreateSshKey(dir), loadOrCreateSshKey(dir)]);
      expect(made[0]!.publicLine()).toBe(made[1]!.publicLine());
      expect(made[0]!.publicLine()).toMatch(/^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5[A-Za-z0-9+/=]+ xkeeper$/);
      expect(statSync(sshKeyPath(dir)).mode & 0o777).toBe(0o600);
      expect((await loadOrCreateSshKey(dir)).publicLine()).toBe(made[0]!.publicLine());
      // OpenSSH itself agrees on the public half.
      const derived = execFileSync('ssh-keygen', ['-y', '-f', sshKeyPath(dir)], { encoding: 'utf8' });
      expect(made[0]!.publicLine().split(' ').slice(0, 2)).toEqual(derived.trim().split(' ').slice(0, 2));
    } finally {
      removeDir(dir);
    }
  });
});

describe('SSH sessions', () => {
  it('parses USER@HOST[:PORT]', () => {
    expect(parseSshTarget('root@10.0.0.1')).toEqual({ username: 'root', host: '10.0.0.1', port: 22 });
    expect(parseSshTarget('ops@[2001:db8::1]:2222')).toEqual({
      username: 'ops',
      host: '2001:db8::1',
      port: 2222,
    });
    expect(() => parseSshTarget('root@host:99999')).toThrow(RemoteError);
    expect(() => parseSshTarget('host')).toThrow(RemoteError);
  });

  it('scans the host key without logging in, as OpenSSH prints it', async () => {
    expect(await scanHostKey(target)).toBe(node.hostKey);
  });

  it('refuses a key that is not installed, then logs in once it is', async () => {
    const refused = await rejection(
      connectSsh({ target, auth: { privateKey: key.privateKey }, hostKey: null }),
    );
    expect(refused.code).toBe('NODE_AUTH_FAILED');
    expect(refused.message).toContain('xkeeper node key');
    node.authorize(key.publicLine());
    const session = await connectSsh({ target, auth: { privateKey: key.privateKey }, hostKey: null });
    try {
      expect(session.hostKey).toBe(node.hostKey);
      const result = await session.exec('echo out; echo err >&2; exit 3');
      expect(result).toEqual({ code: 3, signal: null, stdout: 'out\n', stderr: 'err\n' });
      expect((await session.exec('cat', { stdin: 'piped' })).stdout).toBe('piped');
      const slow = await rejection(session.exec('sleep 5', { timeoutMs: 300 }));
      expect(slow.code).toBe('NODE_TIMEOUT');
    } finally {
      session.close();
    }
  });

  it('refuses a changed host key with a typed error, before logging in', async () => {
    const pinned = 'SHA256:' + 'A'.repeat(43);
    const error = await rejection(
      connectSsh({ target, auth: { privateKey: key.privateKey }, hostKey: pinned }),
    );
    expect(error.code).toBe('NODE_HOST_KEY_MISMATCH');
    expect(error.details).toEqual({ pinned, seen: node.hostKey });
    expect(error.message).toContain('changed');
  });

  it('says a node without sshd is unreachable', async () => {
    const error = await rejection(
      connectSsh({ target: { ...target, port: 2 }, auth: { privateKey: key.privateKey }, hostKey: null }),
    );
    expect(error.code).toBe('NODE_UNREACHABLE');
    expect(error.message).toContain('ECONNREFUSED');
  });

  it('uploads atomically with the mode asked for, replacing the old file', async () => {
    const session = await connectSsh({ target, auth: { privateKey: key.privateKey }, hostKey: node.hostKey });
    try {
      const file = path.join(node.dir, 'uploaded.json');
      writeFileSync(file, 'old');
      await session.upload(file, { data: '{"new":true}' }, { mode: 0o600 });
      expect(readFileSync(file, 'utf8')).toBe('{"new":true}');
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const local = path.join(dataDir, 'blob');
      writeFileSync(local, Buffer.alloc(3 * 1024 * 1024, 7));
      const bin = path.join(node.dir, 'bin-copy');
      await session.upload(bin, { file: local }, { mode: 0o755 });
      expect(readFileSync(bin).equals(readFileSync(local))).toBe(true);
      expect(statSync(bin).mode & 0o777).toBe(0o755);
      // No temp file left beside them.
      expect((await session.exec(`ls -A ${node.dir}`)).stdout).not.toContain('.tmp');
    } finally {
      session.close();
    }
  });

  it("forwards an owner-only local socket to the node's loopback", async () => {
    const echo = node.host.spawn(process.execPath, ['-e', ECHO]);
    const session = await connectSsh({ target, auth: { privateKey: key.privateKey }, hostKey: node.hostKey });
    try {
      const forward = await session.forward(7000);
      await waitFor(async () => (await echoThrough(forward.path, 'ping')) === 'ping', 5_000);
      const answers = await Promise.all([1, 2, 3].map((n) => echoThrough(forward.path, `hello ${n}`)));
      expect(answers).toEqual(['hello 1', 'hello 2', 'hello 3']);
      // The node's API is unauthenticated: no other local user may reach the socket.
      expect(statSync(path.dirname(forward.path)).mode & 0o777).toBe(0o700);
      await forward.close();
      expect(existsSync(path.dirname(forward.path))).toBe(false);
    } finally {
      session.close();
      echo.kill('SIGKILL');
    }
  });

  it('a long-lived link reconnects after sshd comes back, on the same local socket', async () => {
    const echo = node.host.spawn(process.execPath, ['-e', ECHO]);
    const link = new SshLink({
      target,
      auth: { privateKey: key.privateKey },
      hostKey: node.hostKey,
      backoffInitialMs: 100,
      backoffMaxMs: 400,
      keepaliveIntervalMs: 200,
      keepaliveCountMax: 2,
    });
    try {
      const forward = await link.forward(7000);
      await waitFor(async () => (await echoThrough(forward.path, 'a')) === 'a', 5_000);
      await node.stop();
      await waitFor(() => !link.state.connected, 5_000);
      expect(await echoThrough(forward.path, 'b')).toBe('');
      expect(link.state.lastError?.code).toBe('NODE_UNREACHABLE');
      await node.start();
      await waitFor(async () => (await echoThrough(forward.path, 'c')) === 'c', 10_000);
      expect(link.state).toMatchObject({ connected: true, lastError: null, failures: 0 });
    } finally {
      await link.close();
      echo.kill('SIGKILL');
    }
  });
});

/**
 * On the node's loopback: answers each byte it reads with a large write and, a moment later, a
 * small one, the shape of a gRPC answer (DATA, then the trailers).
 */
const ANSWERS = `require('node:net').createServer((s) => s.on('data', () => {
  s.write(Buffer.alloc(200000, 1));
  setTimeout(() => s.write(Buffer.alloc(50, 2)), 1);
})).listen(7001, '127.0.0.1')`;

/** Asks once through the forward; resolves with how long the whole answer took (ms). */
function askOnce(socket: net.Socket): Promise<number> {
  return new Promise((resolve) => {
    const started = performance.now();
    let got = 0;
    const onData = (chunk: Buffer) => {
      got += chunk.length;
      if (got < 200_050) return;
      socket.off('data', onData);
      resolve(performance.now() - started);
    };
    socket.on('data', onData);
    socket.write('?');
  });
}

describe('SSH link latency', () => {
  // sshd turns Nagle's algorithm off on its socket only once a session runs a command. Before
  // that, the small tail of an answer (gRPC's trailers) waits behind the unacknowledged bulk
  // until this side's delayed ACK fires: 40 ms added to about one reading in four.
  it("an answer's small tail is not held back by Nagle on a link that only forwards", async () => {
    if (!node.authorizedKeys().includes(key.publicLine())) node.authorize(key.publicLine());
    const server = node.host.spawn(process.execPath, ['-e', ANSWERS]);
    const link = new SshLink({ target, auth: { privateKey: key.privateKey }, hostKey: node.hostKey });
    try {
      const forward = await link.forward(7001);
      // Until the server listens, the forward drops the connection: try again.
      const socket = await waitFor(async () => {
        const socket = net.connect(forward.path);
        socket.on('error', () => undefined);
        const answered = await Promise.race([
          askOnce(socket).then(() => true),
          new Promise<false>((resolve) => socket.once('close', () => resolve(false))),
        ]);
        return answered && socket;
      }, 5_000);
      // A new connection's first answers may wait on its congestion window (and the same
      // delayed ACK) while the window grows: the steady state is what every cycle sees. On a
      // machine busy with the whole suite that took more than 10 answers (8 held, then none).
      for (let i = 0; i < 25; i++) await askOnce(socket);
      const times: number[] = [];
      for (let i = 0; i < 40; i++) times.push(await askOnce(socket));
      socket.destroy();
      // A held tail costs the delayed ACK's 40 ms; anything near that is the stall (24 of 40 on
      // the old code; a few may be a busy machine's).
      const held = times.filter((ms) => ms >= 35 && ms < 60);
      expect(
        held.length,
        `answer times (ms): ${times.map((ms) => ms.toFixed(1)).join(' ')}`,
      ).toBeLessThanOrEqual(5);
    } finally {
      await link.close();
      server.kill('SIGKILL');
    }
  });
});

describe('--password-once', () => {
  it('installs the key for the account once, with owner-only perms; a wrong password is refused', async () => {
    const host = await startSshdHost({ password: 'once-only-pw' });
    const account = host.account!;
    const accountTarget = { username: account.username, host: host.address, port: 22 };
    try {
      const wrong = await rejection(
        installPublicKey({
          target: accountTarget,
          password: 'not-it',
          hostKey: host.hostKey,
          publicLine: key.publicLine(),
          privateKey: key.privateKey,
        }),
      );
      expect(wrong.code).toBe('NODE_AUTH_FAILED');
      expect(wrong.message).toContain('password');
      expect(wrong.message).not.toContain('not-it');
      // A file without a final newline: the key still lands on a line of its own.
      execFileSync('sh', [
        '-c',
        `mkdir -p ${account.home}/.ssh && printf 'ssh-ed25519 AAAAold other' > ${account.home}/.ssh/authorized_keys && chown -R ${account.username}: ${account.home}/.ssh`,
      ]);
      const first = await installPublicKey({
        target: accountTarget,
        password: 'once-only-pw',
        hostKey: host.hostKey,
        publicLine: key.publicLine(),
        privateKey: key.privateKey,
      });
      expect(first).toEqual({ hostKey: host.hostKey, added: true });
      const again = await installPublicKey({
        target: accountTarget,
        password: 'once-only-pw',
        hostKey: null,
        publicLine: key.publicLine(),
        privateKey: key.privateKey,
      });
      expect(again.added).toBe(false);
      const file = `${account.home}/.ssh/authorized_keys`;
      expect(readFileSync(file, 'utf8')).toBe(`ssh-ed25519 AAAAold other\n${key.publicLine()}\n`);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(statSync(`${account.home}/.ssh`).mode & 0o777).toBe(0o700);
      const uid = Number(execFileSync('id', ['-u', account.username], { encoding: 'utf8' }));
      expect(statSync(file).uid).toBe(uid);
      // The key now logs in on its own.
      const session = await connectSsh({
        target: accountTarget,
        auth: { privateKey: key.privateKey },
        hostKey: host.hostKey,
      });
      expect((await session.exec('id -un')).stdout.trim()).toBe(account.username);
      session.close();
    } finally {
      await host.close();
    }
  });

  it('never sends the password to a server whose host key is not the pinned one', async () => {
    const host = await startSshdHost({ password: 'once-only-pw' });
    try {
      const error = await rejection(
        installPublicKey({
          target: { username: host.account!.username, host: host.address, port: 22 },
          password: 'once-only-pw',
          hostKey: node.hostKey,
          publicLine: key.publicLine(),
          privateKey: key.privateKey,
        }),
      );
      expect(error.code).toBe('NODE_HOST_KEY_MISMATCH');
      expect(() => readFileSync(`${host.account!.home}/.ssh/authorized_keys`)).toThrow();
    } finally {
      await host.close();
    }
  });
});
