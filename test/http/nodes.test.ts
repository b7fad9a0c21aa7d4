/**
 * `/api/v1/nodes` over real HTTP (issue 17): list, add, change, remove and act on nodes with
 * scopes `nodes:read` / `nodes:write`, errors in the house shape, actions through the port of
 * whoever drives the node (the local core's controls; the remote nodes' workers once attached).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/services/errors.ts';
import { remoteNodeActions } from '../../src/services/node-actions.ts';
import { httpFixture } from './fixture.ts';

describe('nodes over HTTP', () => {
  const f = httpFixture();
  const writer = f.apiKey(['nodes:read', 'nodes:write']);
  const reader = f.apiKey(['nodes:read']);
  let base = '';
  beforeAll(async () => {
    await f.services.keys.create({ name: 'alice' }, 'test');
    base = `${await f.app.listen({ host: '127.0.0.1', port: 0 })}/api/v1`;
  });
  afterAll(() => f.app.close());

  async function call(method: string, path: string, body?: unknown, key = writer) {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { 'x-api-key': key, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return { status: res.status, body: (text ? JSON.parse(text) : null) as any };
  }

  it('lists the local node first, and gets one by name', async () => {
    const list = await call('GET', '/nodes', undefined, reader);
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ total: 1, page: 1, items: [{ name: 'local', transport: 'local' }] });
    const local = await call('GET', '/nodes/LOCAL', undefined, reader);
    expect(local.body).toMatchObject({ name: 'local', enabled: true, ssh: null, direct: null });
    const missing = await call('GET', '/nodes/nope', undefined, reader);
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ error: { code: 'NOT_FOUND', message: 'no node named nope' } });
  });

  it('adds a direct node and an SSH node; every key joins them', async () => {
    const de = await call('POST', '/nodes', {
      name: 'de',
      display_name: '🇩🇪 Frankfurt',
      direct: '10.8.0.2:10085',
      address: 'de.example.com',
      sni: 'www.example.org',
    });
    expect(de.status, JSON.stringify(de.body)).toBe(201);
    expect(de.body).toMatchObject({
      name: 'de',
      display_name: '🇩🇪 Frankfurt',
      transport: 'direct',
      direct: '10.8.0.2:10085',
      address: 'de.example.com',
      port: 443,
      sni: 'www.example.org',
      target: 'www.example.org:443',
      status: 'unknown',
      enabled: true,
      public_key: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
    });
    const alice = f.services.keys.get('alice');
    expect(f.services.nodes.isMember(alice.id, f.services.nodes.get('de').id)).toBe(true);

    // An SSH node runs before its row is written: one nobody answers for is not added.
    const refused = await call('POST', '/nodes', {
      name: 'fi',
      ssh: { user: 'root', host: '127.0.0.1', port: 1 },
    });
    expect(refused.status).toBe(502);
    expect(refused.body.error).toMatchObject({
      code: 'NODE_UNREACHABLE',
      message: 'cannot reach root@127.0.0.1:1 over SSH: ECONNREFUSED',
    });
    expect(f.services.nodes.find('fi')).toBeNull();
    // The row a provisioned SSH node gets (provisioning itself: test/control/node-add-ssh.test.ts).
    const fi = {
      body: f.services.nodes.view(
        f.services.nodes.create(
          { name: 'fi', transport: 'ssh', ssh: { user: 'root', host: 'fi.example.com' } },
          'test',
        ),
      ),
    };
    // Without --address the links carry the host xkeeper reaches the node at.
    expect(fi.body).toMatchObject({
      transport: 'ssh',
      address: 'fi.example.com',
      ssh: { user: 'root', host: 'fi.example.com', port: 22, host_key: null },
      remote_dir: '/usr/local/etc/xkeeper',
      api_port: 10085,
    });
    const names = (await call('GET', '/nodes')).body.items.map((n: { name: string }) => n.name);
    expect(names).toEqual(['local', 'de', 'fi']);
  });

  it('refuses a taken name, a bad transport and a reader, in the house error shape', async () => {
    const taken = await call('POST', '/nodes', { name: 'DE', direct: '10.8.0.3:10085' });
    expect(taken.status).toBe(409);
    expect(taken.body.error.code).toBe('NODE_NAME_TAKEN');
    const both = await call('POST', '/nodes', {
      name: 'x',
      direct: '10.8.0.3:10085',
      ssh: { user: 'root', host: 'h' },
    });
    expect(both.status).toBe(400);
    expect(both.body.error.message).toMatch(/exactly one of ssh or direct/);
    const badAddress = await call('POST', '/nodes', { name: 'x', direct: 'no-port' });
    expect(badAddress.status).toBe(400);
    expect(badAddress.body.error).toMatchObject({ code: 'VALIDATION_FAILED', message: /HOST:PORT/ });
    const badName = await call('POST', '/nodes', { name: 'no spaces', direct: '10.8.0.3:10085' });
    expect(badName.status).toBe(400);
    // A REALITY server name is a host name: anything else would go into every key's links.
    for (const sni of ['not a host', 'www.example.org:443', '203.0.113.7', 'bad\uD800.example.org']) {
      const badSni = await call('POST', '/nodes', { name: 'x', direct: '10.8.0.3:10085', sni });
      expect([sni, badSni.status, badSni.body.error?.code]).toEqual([sni, 400, 'VALIDATION_FAILED']);
    }
    const badSniPatch = await call('PATCH', '/nodes/de', { sni: 'not a host' });
    expect(badSniPatch.status).toBe(400);
    expect(badSniPatch.body.error.message).toMatch(/SNI must be a host name/);
    expect(f.services.nodes.get('de').sni).toBe('www.example.org');
    const denied = await call('POST', '/nodes', { name: 'y', direct: '10.8.0.3:10085' }, reader);
    expect(denied.status).toBe(403);
    expect(f.services.nodes.find('x')).toBeNull();
    expect(f.services.nodes.find('y')).toBeNull();
  });

  it('changes only the given fields; enabled takes a node out of service and back', async () => {
    const patched = await call('PATCH', '/nodes/de', { display_name: 'Germany', port: 8443, enabled: false });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      display_name: 'Germany',
      port: 8443,
      sni: 'www.example.org',
      status: 'disabled',
      enabled: false,
    });
    expect(f.services.nodes.nodesOfKey(f.services.keys.get('alice').id).map((n) => n.name)).toEqual([
      'local',
      'fi',
    ]);
    const again = await call('PATCH', '/nodes/de', { enabled: false });
    expect(again.body).toMatchObject({ enabled: false, port: 8443 });
    expect((await call('PATCH', '/nodes/de', { enabled: true })).body.status).toBe('unknown');
    const empty = await call('PATCH', '/nodes/de', {});
    expect(empty.status).toBe(400);
    expect((await call('PATCH', '/nodes/de', { name: 'renamed' })).status).toBe(400);
    expect((await call('PATCH', '/nodes/de', { port: 70000 })).status).toBe(400);
  });

  it('runs check, sync and restart on the local node through the core controls', async () => {
    const check = await call('POST', '/nodes/local/check');
    expect(check.status).toBe(200);
    expect(check.body).toMatchObject({ name: 'local', result: { in_sync: true } });
    const sync = await call('POST', '/nodes/local/sync');
    expect(sync.body.result).toMatchObject({ status: 'applied' });
    const restart = await call('POST', '/nodes/local/restart');
    expect(restart.body).toMatchObject({ name: 'local', result: { running: true, restarts: 1 } });
    expect(f.stub.calls).toEqual(['sync', 'restart']);
    expect((await call('POST', '/nodes/local/check', undefined, reader)).status).toBe(403);
  });

  it('runs actions on a remote node through the workers, and says so when none drive it', async () => {
    const none = await call('POST', '/nodes/fi/sync');
    expect(none.status).toBe(503);
    expect(none.body.error).toEqual({
      code: 'CORE_UNAVAILABLE',
      message: 'no worker drives node fi here: sync needs a running xkeeper',
    });

    // The workers' passes, as src/services/node-workers.ts answers them.
    const passes: string[] = [];
    let outcome: { ok: boolean; error: string | null } = { ok: true, error: null };
    f.services.nodes.attachActions(
      'remote',
      remoteNodeActions({
        syncNow: async (name) => {
          passes.push(name);
          return { node: name, added: 1, removed: 0, full: false, failed: [], ...outcome };
        },
        restart: () => Promise.reject(new AppError('CORE_UNAVAILABLE', 'no SSH in this test')),
        remove: async (name, actor) => {
          f.services.nodes.remove(name, actor);
          return { drained: true };
        },
      }),
    );
    try {
      const check = await call('POST', '/nodes/FI/check');
      expect(check.status).toBe(200);
      expect(check.body).toMatchObject({ name: 'fi', result: { ok: true, added: 1, removed: 0 } });
      expect((await call('POST', '/nodes/fi/sync')).body.result).toMatchObject({ ok: true, added: 1 });

      outcome = { ok: false, error: 'connect ECONNREFUSED 10.8.0.9:22' };
      // A check reports a node that does not answer; a sync that could not reach it failed.
      const down = await call('POST', '/nodes/fi/check');
      expect(down.status).toBe(200);
      expect(down.body.result).toMatchObject({ ok: false, error: 'connect ECONNREFUSED 10.8.0.9:22' });
      const failed = await call('POST', '/nodes/fi/sync');
      expect(failed.status).toBe(503);
      expect(failed.body.error).toEqual({
        code: 'CORE_UNAVAILABLE',
        message: 'node fi: connect ECONNREFUSED 10.8.0.9:22',
      });
      expect(passes).toEqual(['fi', 'fi', 'fi', 'fi']);

      // A node added while workers run gets its first pass before the answer.
      const added = await call('POST', '/nodes', { name: 'nl', direct: '10.8.0.4:10085' });
      expect(added.status).toBe(201);
      expect(passes).toEqual(['fi', 'fi', 'fi', 'fi', 'nl']);
      expect((await call('DELETE', '/nodes/nl')).status).toBe(204);

      const direct = await call('POST', '/nodes/de/restart');
      expect(direct.status).toBe(400);
      expect(direct.body.error.message).toMatch(/direct node de: restart its core on the node/);
      expect((await call('POST', '/nodes/fi/restart')).status).toBe(503);
      expect(passes).toHaveLength(5);
      expect(f.stub.calls).toEqual(['sync', 'restart']);
    } finally {
      f.services.nodes.attachActions('remote', null);
    }
  });

  it('removes a node but refuses to remove the local one', async () => {
    const local = await call('DELETE', '/nodes/local');
    expect(local.status).toBe(400);
    expect(local.body.error).toMatchObject({
      code: 'VALIDATION_FAILED',
      message: 'the local node cannot be removed; disable it instead',
    });
    const removed = await call('DELETE', '/nodes/de');
    expect(removed.status).toBe(204);
    expect(removed.body).toBeNull();
    expect((await call('GET', '/nodes/de')).status).toBe(404);
    expect((await call('DELETE', '/nodes/de')).status).toBe(404);
    expect(f.services.keys.get('alice')).toBeTruthy();
  });

  it('lists the node scopes and documents every node route', async () => {
    const scopes = await call('GET', '/api-keys/scopes', undefined, f.apiKey(['api-keys:read']));
    expect(scopes.body.scopes).toEqual(expect.arrayContaining(['nodes:read', 'nodes:write']));
    const doc = (await f.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(doc.paths['/api/v1/nodes'].get['x-scope']).toBe('nodes:read');
    expect(doc.paths['/api/v1/nodes'].post['x-scope']).toBe('nodes:write');
    expect(doc.paths['/api/v1/nodes/{name}'].delete['x-scope']).toBe('nodes:write');
    expect(doc.paths['/api/v1/nodes/{name}/restart'].post['x-scope']).toBe('nodes:write');
    expect(doc.components.schemas.Node).toBeDefined();
  });
});
