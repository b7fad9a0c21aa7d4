/**
 * A remote host as real as this machine allows: a network namespace of its own (see netns.ts)
 * running a real OpenSSH server with a temporary host key and `authorized_keys`. Processes
 * started over SSH run inside the namespace, so a core's API on the host's 127.0.0.1 is the
 * namespace's loopback, reachable only through SSH. Needs root (tests run as root).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestHost, type TestHost, waitForPort } from './netns.ts';

export const SSHD = '/usr/sbin/sshd';

export interface SshdHostOptions {
  /** Also make a throwaway local account with this password (for the one-time-password path). */
  password?: string;
  /** PATH of the sessions (e.g. one without v2ray: a node that has no core). */
  path?: string;
}

export interface SshdHost {
  /** The namespace's address: connect to `address:22`. */
  address: string;
  port: number;
  /** The namespace (for `ip netns exec`). */
  host: TestHost;
  /** Fingerprint of the host key as OpenSSH prints it (`SHA256:…`). */
  hostKey: string;
  /** Temp dir of the server (config, keys); a good place for per-host scratch files. */
  dir: string;
  /** The throwaway account, when asked for. */
  account: { username: string; password: string; home: string } | null;
  /** Adds a public key line to root's authorized_keys (as an operator would). */
  authorize(publicLine: string): void;
  /** Root's authorized_keys as sshd reads it. */
  authorizedKeys(): string;
  /** Runs a shell command inside the namespace (as root); its stdout. */
  run(command: string): string;
  /** Stops sshd and drops its open sessions; `start()` brings it back on the same key. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Kills every process in the namespace, removes it, the account and the files. */
  close(): Promise<void>;
}

let accounts = 0;

function fingerprintOf(publicKeyFile: string): string {
  const out = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', publicKeyFile], { encoding: 'utf8' });
  const match = /SHA256:[A-Za-z0-9+/]+/.exec(out);
  if (!match) throw new Error(`ssh-keygen printed no fingerprint: ${out}`);
  return match[0];
}

function makeAccount(password: string): { username: string; password: string; home: string } {
  const username = `xkt${process.pid % 100000}n${accounts++}`;
  const home = `/home/${username}`;
  execFileSync('useradd', ['-m', '-d', home, '-s', '/bin/sh', username], { stdio: 'pipe' });
  execFileSync('chpasswd', { input: `${username}:${password}\n`, stdio: ['pipe', 'pipe', 'pipe'] });
  return { username, password, home };
}

function removeAccount(username: string): void {
  try {
    execFileSync('userdel', ['-r', '-f', username], { stdio: 'pipe' });
  } catch {
    // gone already (or its mail spool was missing: userdel still removed it)
  }
}

/** Starts an sshd in a fresh namespace and waits until port 22 answers. */
export async function startSshdHost(options: SshdHostOptions = {}): Promise<SshdHost> {
  const host = createTestHost();
  const dir = mkdtempSync(path.join(tmpdir(), 'xk-sshd-'));
  let account: SshdHost['account'] = null;
  let sshd: ChildProcess | null = null;
  let log = '';
  const keyFile = path.join(dir, 'ssh_host_ed25519_key');
  const authorizedFile = path.join(dir, 'authorized_keys');
  const configFile = path.join(dir, 'sshd_config');

  const start = async (): Promise<void> => {
    const child = spawn('ip', ['netns', 'exec', host.name, SSHD, '-D', '-e', '-f', configFile], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      log = (log + chunk.toString()).slice(-4000);
    });
    sshd = child;
    try {
      await waitForPort(host.address, 22, 10_000);
    } catch (error) {
      throw new Error(`sshd did not start: ${log}`, { cause: error });
    }
  };

  /** Kills the namespace's processes (those named `only`, else all of them). */
  const killNamespace = (only?: string): void => {
    let pids: string[] = [];
    try {
      pids = execFileSync('ip', ['netns', 'pids', host.name], { encoding: 'utf8' })
        .split('\n')
        .filter(Boolean);
    } catch {
      // no namespace
    }
    for (const pid of pids) {
      try {
        if (only && readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== only) continue;
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // gone
      }
    }
  };

  const stop = async (): Promise<void> => {
    const child = sshd;
    sshd = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    // Open sessions go too, as when the server goes down.
    killNamespace('sshd');
  };

  try {
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'test-host', '-f', keyFile]);
    writeFileSync(authorizedFile, '', { mode: 0o600 });
    // sshd's privilege separation directory (the namespace shares this machine's files).
    mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
    if (options.password !== undefined) account = makeAccount(options.password);
    writeFileSync(
      configFile,
      [
        `ListenAddress ${host.address}`,
        'Port 22',
        `HostKey ${keyFile}`,
        `PidFile ${path.join(dir, 'sshd.pid')}`,
        // Root's key in the temp dir; a user's own file for the one-time-password path.
        `AuthorizedKeysFile ${authorizedFile} .ssh/authorized_keys`,
        'PermitRootLogin prohibit-password',
        'PubkeyAuthentication yes',
        `PasswordAuthentication ${account ? 'yes' : 'no'}`,
        'KbdInteractiveAuthentication no',
        'UsePAM no',
        // The temp dir is not root-only all the way up; tests do not need that check.
        'StrictModes no',
        'Subsystem sftp internal-sftp',
        'LogLevel ERROR',
        'MaxStartups 50',
        ...(options.path ? [`SetEnv PATH=${options.path}`] : []),
        '',
      ].join('\n'),
    );
    await start();
  } catch (error) {
    await stop();
    killNamespace();
    host.close();
    if (account) removeAccount(account.username);
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }

  return {
    address: host.address,
    port: 22,
    host,
    hostKey: fingerprintOf(`${keyFile}.pub`),
    dir,
    account,
    authorize: (line) => appendFileSync(authorizedFile, `${line.trim()}\n`),
    authorizedKeys: () => readFileSync(authorizedFile, 'utf8'),
    run: (command) =>
      execFileSync('ip', ['netns', 'exec', host.name, 'sh', '-c', command], { encoding: 'utf8' }),
    stop,
    start,
    close: async () => {
      await stop();
      killNamespace();
      host.close();
      if (account) removeAccount(account.username);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
