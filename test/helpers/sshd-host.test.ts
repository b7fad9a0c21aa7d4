import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'ssh2';
import { afterAll, describe, expect, it } from 'vitest';
import { startSshdHost, type SshdHost } from './sshd-host.ts';

const keys = mkdtempSync(path.join(tmpdir(), 'xk-sshd-test-'));
const keyFile = path.join(keys, 'id');
execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', keyFile]);

/** Runs `command` over OpenSSH's own client with the test key; its stdout. */
function sshRun(host: SshdHost, command: string): string {
  return execFileSync(
    'ssh',
    [
      '-i',
      keyFile,
      '-o',
      'BatchMode=yes',
      '-o',
      'StrictHostKeyChecking=no',
      '-o',
      'UserKnownHostsFile=/dev/null',
      '-o',
      'LogLevel=ERROR',
      `root@${host.address}`,
      command,
    ],
    { encoding: 'utf8', timeout: 15_000 },
  );
}

function passwordLogin(host: SshdHost, username: string, password: string): Promise<'ok' | string> {
  return new Promise((resolve) => {
    const client = new Client();
    client.once('ready', () => {
      client.end();
      resolve('ok');
    });
    client.once('error', (error: Error & { level?: string }) => resolve(error.level ?? error.message));
    client.connect({ host: host.address, port: 22, username, password, readyTimeout: 10_000 });
  });
}

afterAll(() => rmSync(keys, { recursive: true, force: true }));

describe('sshd test host', () => {
  it('serves key logins inside its own namespace and cleans up after itself', async () => {
    const host = await startSshdHost();
    try {
      expect(host.hostKey).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
      expect(() => sshRun(host, 'true')).toThrow();
      host.authorize(execFileSync('cat', [`${keyFile}.pub`], { encoding: 'utf8' }));
      // The session runs in the namespace: its only addresses are loopback and the veth.
      const addresses = sshRun(host, "ip -o -4 addr show | awk '{print $4}'");
      expect(addresses.split('\n').filter(Boolean).sort()).toEqual(
        ['127.0.0.1/8', `${host.address}/30`].sort(),
      );
      const seen = execFileSync('ssh-keyscan', ['-t', 'ed25519', host.address], { encoding: 'utf8' });
      const scanned = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', '-'], {
        input: seen,
        encoding: 'utf8',
      });
      expect(scanned).toContain(host.hostKey);
    } finally {
      await host.close();
    }
    expect(existsSync(host.dir)).toBe(false);
    const namespaces = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
    expect(namespaces.split('\n').map((line) => line.split(' ')[0])).not.toContain(host.host.name);
  });

  it('makes a throwaway account with a password, removed at close', async () => {
    const host = await startSshdHost({ password: 'correct horse' });
    const account = host.account!;
    try {
      expect(await passwordLogin(host, account.username, 'correct horse')).toBe('ok');
      expect(await passwordLogin(host, account.username, 'wrong')).toBe('client-authentication');
      // Root logs in by key only.
      expect(await passwordLogin(host, 'root', 'correct horse')).toBe('client-authentication');
    } finally {
      await host.close();
    }
    expect(() => execFileSync('id', [account.username], { stdio: 'pipe' })).toThrow();
    expect(existsSync(account.home)).toBe(false);
  });
});
