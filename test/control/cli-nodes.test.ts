/**
 * `xkeeper node …` (issue 17) as an operator runs it: the real CLI as a child process, on the
 * files and against a running instance. Results are the node JSON of the HTTP API; exit 2 for
 * a bad value, 1 for a failure; a repeat that changes nothing succeeds and says so.
 */
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startControlServer } from '../../src/control/socket.ts';
import { openDatabase } from '../../src/db/client.ts';
import { remoteNodeActions } from '../../src/services/node-actions.ts';
import { runCli } from '../helpers/cli.ts';
import { silentLogger, tempDir, testServices } from '../helpers/db.ts';
import { createMemoryCore } from '../helpers/memory-core.ts';
import { stubSystem } from '../http/fixture.ts';

const HOST_KEY = `SHA256:${'A'.repeat(43)}`;

// Each CLI call is a child process: a test of several takes a while on a busy machine.
describe('xkeeper node, on the files (nothing running)', { timeout: 300_000 }, () => {
  const tmp = tempDir();
  const cli = (...args: string[]) => runCli(args, { DATA_DIR: tmp.dir });
  afterAll(() => tmp.cleanup());
  const nodeRows = () => {
    const db = openDatabase(path.join(tmp.dir, 'xkeeper.db'));
    try {
      return db.$client.prepare('SELECT name, enabled, port FROM nodes ORDER BY position, id').all();
    } finally {
      db.$client.close();
    }
  };

  it('adds a direct and an SSH node, lists them local first, shows one', async () => {
    const direct = await cli(
      'node',
      'add',
      'de',
      '--direct',
      '10.8.0.2:10085',
      '--address',
      'de.example.com',
      '--display-name',
      'Frankfurt',
      '--json',
    );
    expect(direct.code, direct.stderr).toBe(0);
    expect(direct.json()).toMatchObject({
      name: 'de',
      display_name: 'Frankfurt',
      transport: 'direct',
      direct: '10.8.0.2:10085',
      address: 'de.example.com',
      port: 443,
      status: 'unknown',
    });
    expect(direct.stderr).toContain(
      'note: de is reached directly; xkeeper manages its users and traffic only (its core, config and restarts stay yours)',
    );

    // An SSH node runs before its row is written: one nobody answers for is not added.
    const ssh = await cli('node', 'add', 'fi', '--ssh', 'root@127.0.0.1:1', '--host-key', HOST_KEY, '--json');
    expect(ssh.code).toBe(1);
    expect(ssh.stdout).toBe('');
    expect(ssh.stderr).toMatch(/✓ host-key: root@127\.0\.0\.1:1 SHA256:A+ \(pinned as given\)/);
    expect(ssh.stderr).toMatch(
      /cannot reach root@127\.0\.0\.1:1 over SSH: ECONNREFUSED \(NODE_UNREACHABLE\)/,
    );
    const fi = await cli('node', 'add', 'fi', '--direct', 'fi.example.com:10085', '--json');
    expect(fi.code, fi.stderr).toBe(0);

    const list = await cli('node', 'list', '--json');
    expect(list.json().map((n: { name: string }) => n.name)).toEqual(['local', 'de', 'fi']);
    const table = await cli('node', 'list');
    expect(table.stdout).toMatch(/^NAME\s+STATUS\s+ADDRESS/);
    expect(table.stdout).toMatch(/de\s+unknown\s+de\.example\.com:443\s+direct 10\.8\.0\.2:10085/);
    const show = await cli('node', 'show', 'DE');
    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(/shown as\s+Frankfurt/);
    // Xray's API has no version call: a direct node's version is never known, and said so.
    expect(show.stdout).toMatch(/^\s+core\s+unknown$/m);
  });

  it('words bad values and exits 2; a taken name or a missing node exits 1; nothing changes', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['node', 'add', 'x'], /give one of --ssh USER@HOST\[:PORT\] or --direct HOST:PORT/],
      [['node', 'add', 'x', '--ssh', 'fi.example.com'], /--ssh must be USER@HOST\[:PORT\]/],
      [['node', 'add', 'x', '--direct', 'nohost'], /--direct must be HOST:PORT/],
      [['node', 'add', 'x', '--ssh', 'root@h', '--host-key', 'md5:ab'], /SHA-256 fingerprint/],
      [['node', 'add', 'x', '--ssh', 'root@h', '--direct', '10.0.0.1:1'], /give one of --ssh/],
      [['node', 'add', 'x y', '--direct', '10.0.0.1:1'], /node name/],
      [['node', 'set', 'de'], /say what to change/],
      [['node', 'set', 'de', '--port', '0'], /--port must be a port \(1-65535\)/],
      [['node', 'remove', 'local'], /the local node cannot be removed; disable it instead/],
    ];
    for (const [args, message] of cases) {
      const res = await cli(...args, '--json');
      expect(res.code, args.join(' ')).toBe(2);
      expect(res.stdout).toBe('');
      expect(res.stderr).toMatch(message);
    }
    const taken = await cli('node', 'add', 'DE', '--direct', '10.8.0.9:10085');
    expect(taken.code).toBe(1);
    expect(taken.stderr).toMatch(/NODE_NAME_TAKEN/);
    const missing = await cli('node', 'show', 'nope');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no node named nope/);
    expect(nodeRows()).toHaveLength(3);
  });

  it('sets, disables and enables a node; a repeat succeeds and says so', async () => {
    const set = await cli('node', 'set', 'de', '--port', '8443', '--multiplier', '2', '--json');
    expect(set.code, set.stderr).toBe(0);
    expect(set.json()).toMatchObject({ port: 8443, traffic_multiplier: 2 });
    const again = await cli('node', 'set', 'de', '--port', '8443', '--multiplier', '2');
    expect(again.code).toBe(0);
    expect(again.stdout.trim()).toBe('node de already had these values');

    expect((await cli('node', 'disable', 'de', '--json')).json()).toMatchObject({ status: 'disabled' });
    const repeat = await cli('node', 'disable', 'de');
    expect(repeat.code).toBe(0);
    expect(repeat.stdout.trim()).toBe('node de was already disabled');
    expect((await cli('node', 'enable', 'de', '--json')).json()).toMatchObject({ enabled: true });
  });

  it('refuses remote actions without a running xkeeper, and removes a node', async () => {
    const sync = await cli('node', 'sync', 'fi');
    expect(sync.code).toBe(1);
    expect(sync.stderr).toMatch(
      /no worker drives node fi here: sync needs a running xkeeper \(CORE_UNAVAILABLE\)/,
    );

    const removed = await cli('node', 'remove', 'fi', '--json');
    expect(removed.code).toBe(0);
    expect(removed.json()).toMatchObject({ name: 'fi', removed: true });
    expect(nodeRows()).toEqual([
      { name: 'local', enabled: 1, port: null },
      { name: 'de', enabled: 1, port: 8443 },
    ]);
  });
});

describe('xkeeper node, against a running instance', { timeout: 300_000 }, () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());

  it('runs node commands in the instance: local actions on its core, remote ones on the workers', async () => {
    const { services } = testServices();
    const stub = stubSystem();
    services.attachCore(createMemoryCore().core, stub.system);
    const passes: string[] = [];
    services.nodes.attachActions(
      'remote',
      remoteNodeActions({
        syncNow: async (name) => {
          passes.push(name);
          return { ok: true, error: null, added: 1, removed: 0 };
        },
        restart: () => Promise.reject(new Error('not in this test')),
        remove: () => Promise.reject(new Error('not in this test')),
      }),
    );
    const control = await startControlServer({ dataDir: tmp.dir, services, logger: silentLogger });
    const cli = (...args: string[]) => runCli(args, { DATA_DIR: tmp.dir });
    try {
      const added = await cli('node', 'add', 'nl', '--direct', '[fd00::2]:10085', '--json');
      expect(added.code, added.stderr).toBe(0);
      expect(added.json()).toMatchObject({ name: 'nl', address: 'fd00::2', direct: '[fd00::2]:10085' });
      expect(services.nodes.find('nl')).not.toBeNull();

      const restart = await cli('node', 'restart', 'local', '--json');
      expect(restart.code, restart.stderr).toBe(0);
      expect(restart.json()).toMatchObject({ name: 'local', result: { running: true, restarts: 1 } });
      expect(stub.calls).toEqual(['restart']);

      const sync = await cli('node', 'sync', 'nl');
      expect(sync.code, sync.stderr).toBe(0);
      expect(sync.stdout).toMatch(/^nl {2}unknown\n/);
      expect(sync.stdout).toMatch(/result\s+\{"ok":true,"error":null,"added":1,"removed":0\}/);
      // The first pass ran when the node was added, the second is the sync.
      expect(passes).toEqual(['nl', 'nl']);
    } finally {
      await control.close();
    }
  });
});
