/**
 * `xkeeper core install` through the real CLI against a local release server: the latest
 * redirect, the digest check, a tampered and a truncated archive, an upgrade the new core
 * refuses, and a running instance that restarts its core on the installed binary.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yazl from 'yazl';
import { startControlServer } from '../../src/control/socket.ts';
import { startCore, wireCore } from '../../src/core-wiring.ts';
import { detectFlavor } from '../../src/core/flavor.ts';
import { releaseAssetName } from '../../src/core/install.ts';
import { createServices } from '../../src/services/index.ts';
import { runCli } from '../helpers/cli.ts';
import { dataDirDb, silentLogger, tempDir, testConfig } from '../helpers/db.ts';
import { freePort } from '../helpers/ports.ts';

const ASSET = releaseAssetName();

/** A stand-in Xray: prints a version banner, and passes or fails `-test`. */
function fakeXray(version: string, test: 'pass' | 'refuse'): Buffer {
  const testAnswer =
    test === 'pass'
      ? 'echo "Configuration OK."; exit 0'
      : 'echo "Failed to start: main: failed to load config files: fake refusal"; exit 23';
  return Buffer.from(
    `#!/bin/sh\ncase "$1" in\n  -version) echo "Xray ${version} (Xray, Penetrates Everything.) 0000000 (go1.24 linux/amd64)";;\n  run) ${testAnswer};;\nesac\n`,
  );
}

function zip(files: Record<string, Buffer>): Promise<Buffer> {
  const archive = new yazl.ZipFile();
  for (const [name, data] of Object.entries(files)) archive.addBuffer(data, name, { mode: 0o100755 });
  archive.addBuffer(Buffer.from('readme'), 'README.md');
  archive.end();
  const chunks: Buffer[] = [];
  return new Promise((resolve, reject) => {
    archive.outputStream.on('data', (chunk: Buffer) => chunks.push(chunk));
    archive.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    archive.outputStream.on('error', reject);
  });
}

function release(xray: Buffer, geo = 'geo'): Promise<Buffer> {
  return zip({ xray, 'geoip.dat': Buffer.from(`${geo}ip`), 'geosite.dat': Buffer.from(`${geo}site`) });
}

function dgst(archive: Buffer): string {
  const sha256 = createHash('sha256').update(archive).digest('hex');
  const md5 = createHash('md5').update(archive).digest('hex');
  return `MD5= ${md5}\nSHA2-256= ${sha256}\n`;
}

interface Asset {
  body: Buffer;
  digest: string;
  /** Sends half the body, then breaks the connection. */
  truncate?: boolean;
}

/** A release server laid out as GitHub's: /latest redirects to /tag/<tag>. */
async function releaseServer(assets: Map<string, Asset>, latest: () => string) {
  const server: Server = createServer((req, res) => {
    const url = req.url ?? '';
    if (url === '/releases/latest') {
      res.writeHead(302, { location: `/releases/tag/${latest()}` }).end();
      return;
    }
    if (url.startsWith('/releases/tag/')) {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html>release</html>');
      return;
    }
    const match = /^\/releases\/download\/([^/]+)\/([^/]+)$/.exec(url);
    const asset = match && assets.get(match[1] ?? '');
    if (!match || !asset) {
      res.writeHead(404).end();
      return;
    }
    if (match[2] === `${ASSET}.dgst`) {
      res.writeHead(200).end(asset.digest);
    } else if (match[2] === ASSET) {
      res.writeHead(200, { 'content-length': asset.body.length });
      if (asset.truncate) {
        res.write(asset.body.subarray(0, asset.body.length >> 1));
        setTimeout(() => res.destroy(), 50);
      } else {
        res.end(asset.body);
      }
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/releases`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function bannerOf(bin: string): Promise<string> {
  const flavor = await detectFlavor(bin);
  return flavor.available ? `${flavor.name} ${flavor.version}` : flavor.reason;
}

describe('xkeeper core install', () => {
  const assets = new Map<string, Asset>();
  let latest = 'v26.7.11';
  let server: Awaited<ReturnType<typeof releaseServer>>;
  const tmp = tempDir('xk-install-');
  const env = () => ({ DATA_DIR: tmp.dir, XRAY_RELEASES_URL: server.url });
  const bin = path.join(tmp.dir, 'bin', 'xray');

  beforeAll(async () => {
    for (const [tag, version, test] of [
      ['v26.7.11', '26.7.11', 'pass'],
      ['v26.8.1', '26.8.1', 'refuse'],
      ['v26.9.0', '26.9.0', 'pass'],
    ] as const) {
      const body = await release(fakeXray(version, test));
      assets.set(tag, { body, digest: dgst(body) });
    }
    const good = assets.get('v26.9.0')!;
    const tampered = Buffer.from(good.body);
    const middle = tampered.length >> 1;
    tampered[middle] = (tampered[middle] ?? 0) ^ 0xff;
    assets.set('v27.0.0', { body: tampered, digest: good.digest });
    assets.set('v27.0.1', { ...good, truncate: true });
    server = await releaseServer(assets, () => latest);
  });
  afterAll(async () => {
    await server.close();
    tmp.cleanup();
  });

  function leftovers(): string[] {
    return readdirSync(path.dirname(bin)).filter((name) => name.startsWith('.install-'));
  }

  it('installs the latest release, verified, owner-only, and xkeeper then uses it', async () => {
    const result = await runCli(['core', 'install', '--json'], env());
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.json()).toMatchObject({
      version: 'v26.7.11',
      path: bin,
      core: { flavor: 'xray', version: '26.7.11' },
      previous_version: null,
      restarted: false,
    });
    expect(statSync(path.dirname(bin)).mode & 0o777).toBe(0o700);
    expect(statSync(bin).mode & 0o777).toBe(0o700);
    expect(statSync(path.join(tmp.dir, 'bin', 'geoip.dat')).mode & 0o777).toBe(0o600);
    expect(statSync(path.join(tmp.dir, 'bin', 'geosite.dat')).mode & 0o777).toBe(0o600);
    expect(existsSync(path.join(tmp.dir, 'bin', 'README.md'))).toBe(false);
    expect(leftovers()).toEqual([]);
    // CORE_BIN unset: the installed core is the one xkeeper runs.
    const status = await runCli(['core', 'status', '--json'], env());
    expect(status.json()).toMatchObject({ flavor: 'xray', version: '26.7.11', available: true });
  });

  it('refuses a tampered archive and a truncated download, and replaces nothing', async () => {
    for (const tag of ['v27.0.0', 'v27.0.1']) {
      const result = await runCli(['core', 'install', '--version', tag], env());
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/CORE_INSTALL_FAILED/);
      expect(await bannerOf(bin)).toBe('xray 26.7.11');
      expect(leftovers()).toEqual([]);
    }
    expect((await runCli(['core', 'install', '--version', 'v27.0.0'], env())).stderr).toMatch(
      /does not match its digest/,
    );
  });

  it('keeps the old binary when the new one refuses the current config', async () => {
    writeFileSync(path.join(tmp.dir, 'core.json'), '{}\n');
    const result = await runCli(['core', 'install', '--version', 'v26.8.1'], env());
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/refuses the current config.*fake refusal/);
    expect(await bannerOf(bin)).toBe('xray 26.7.11');
    expect(leftovers()).toEqual([]);

    latest = 'v26.9.0';
    const upgrade = await runCli(['core', 'install', '--json'], env());
    expect(upgrade.code).toBe(0);
    expect(upgrade.json()).toMatchObject({ version: 'v26.9.0', previous_version: '26.7.11' });
    expect(await bannerOf(bin)).toBe('xray 26.9.0');
  });

  it('answers a bad --version as bad usage', async () => {
    const result = await runCli(['core', 'install', '--version', '../../etc'], env());
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/release tag/);
  });
});

describe('xkeeper core install on a running instance', () => {
  const tmp = tempDir('xk-install-run-');
  afterAll(() => tmp.cleanup());

  it('restarts the core once, on the installed binary', async () => {
    // The "release" carries Debian's v2ray as its core, so a real core runs from it.
    const body = await release(readFileSync('/usr/bin/v2ray'));
    const assets = new Map<string, Asset>([
      ['v4.34.0', { body, digest: dgst(body) }],
      ['v4.34.1', { body, digest: dgst(body) }],
    ]);
    const server = await releaseServer(assets, () => 'v4.34.0');
    const dataDir = path.join(tmp.dir, 'data');
    const config = testConfig({
      DATA_DIR: dataDir,
      CORE_API_PORT: String(await freePort()),
      VLESS_PORT: String(await freePort()),
      VLESS_HOST: '127.0.0.1',
    });
    expect(config.CORE_BIN).toBe('xray');
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const db = dataDirDb(dataDir);
    const services = createServices({ db, config, logger: silentLogger });
    const core = wireCore(config, services, silentLogger);
    await startCore(core, services, silentLogger);
    const control = await startControlServer({ dataDir, services, logger: silentLogger });
    const env = { DATA_DIR: dataDir, XRAY_RELEASES_URL: server.url };
    try {
      expect(await core.status()).toMatchObject({ available: false, running: false });
      expect((await core.status()).reason).toMatch(/xkeeper core install/);

      const first = await runCli(['core', 'install', '--json'], env);
      expect(first.stderr).toBe('');
      expect(first.json()).toMatchObject({ version: 'v4.34.0', restarted: true });
      const up = await core.status();
      expect(up).toMatchObject({ available: true, running: true, flavor: 'v2fly' });

      const second = await runCli(['core', 'install', '--version', 'v4.34.1', '--json'], env);
      expect(second.json()).toMatchObject({
        version: 'v4.34.1',
        restarted: true,
        previous_version: '4.34.0',
      });
      const after = await core.status();
      expect(after).toMatchObject({ running: true, restarts: 0 });
      expect(after.pid).not.toBe(up.pid);
      expect(() => process.kill(up.pid!, 0)).toThrow();
    } finally {
      await control.close();
      await core.stop();
      db.$client.close();
      await server.close();
    }
  });
});
