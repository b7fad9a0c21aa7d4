/**
 * Xray versions through the CLI: `core check` shows the minClientVer the config renders, and
 * `core status` warns when the Xray in use is older than the rendered config needs.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderCoreConfig, serializeCoreConfig } from '../../src/core/config.ts';
import { runCli } from '../helpers/cli.ts';
import { tempDir } from '../helpers/db.ts';

/** A stand-in Xray of `version` that passes `-test` and cannot run. */
function fakeXray(dir: string, version: string): string {
  const bin = path.join(dir, `xray-${version}`);
  writeFileSync(
    bin,
    `#!/bin/sh\n[ "$1" = "-version" ] && echo "Xray ${version} (Xray, Penetrates Everything.)"\n[ "$2" = "-test" ] && echo "Configuration OK."\nexit 0\n`,
  );
  chmodSync(bin, 0o755);
  return bin;
}

describe('Xray versions in the CLI', () => {
  const tmp = tempDir('xk-versions-');
  afterAll(() => tmp.cleanup());
  const dataDir = path.join(tmp.dir, 'data');
  // A refused port: the REALITY target probe fails at once instead of reaching the Internet.
  const base = { DATA_DIR: dataDir, REALITY_TARGET: '127.0.0.1:1' };

  it('core check shows minClientVer: 1.0.0 by default, else REALITY_MIN_CLIENT_VER', async () => {
    const env = { ...base, CORE_BIN: fakeXray(tmp.dir, '26.7.11') };
    const check = await runCli(['core', 'check', '--json'], env);
    expect(check.stderr).toBe('');
    expect(check.json().reality).toMatchObject({ enabled: true, min_client_ver: '1.0.0' });
    const strict = await runCli(['core', 'check', '--json'], { ...env, REALITY_MIN_CLIENT_VER: '26.3.27' });
    expect(strict.json().reality).toMatchObject({ min_client_ver: '26.3.27' });
    const bad = await runCli(['core', 'check'], { ...env, REALITY_MIN_CLIENT_VER: 'new' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/REALITY_MIN_CLIENT_VER/);
  });

  it('core status warns when the Xray in use is older than the rendered config needs', async () => {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const config = renderCoreConfig({
      settings: {
        flavor: 'xray',
        apiPort: 10085,
        vlessPort: 443,
        reality: {
          privateKey: 'eCmYp1UhKNPuHOvIzdh7kyRO0BzpTgi4l8Pe8B6Z1U8',
          shortIds: [''],
          sni: 'a',
          target: 'a:443',
        },
        blockPrivateNetworks: true,
        logLevel: 'warning',
      },
      users: [],
    });
    writeFileSync(path.join(dataDir, 'core.json'), serializeCoreConfig(config));

    const old = await runCli(['core', 'status', '--json'], { ...base, CORE_BIN: fakeXray(tmp.dir, '1.8.4') });
    expect(old.json()).toMatchObject({ flavor: 'xray', version: '1.8.4' });
    expect(old.json().warnings).toEqual([
      expect.stringMatching(/Xray 1\.8\.4 is older than 24\.11\.5.*statsUserOnline.*core install/),
    ]);
    const human = await runCli(['core', 'status'], { ...base, CORE_BIN: fakeXray(tmp.dir, '1.8.4') });
    expect(human.stdout).toMatch(/warnings +.*older than 24\.11\.5/);

    const current = await runCli(['core', 'status', '--json'], {
      ...base,
      CORE_BIN: fakeXray(tmp.dir, '26.7.11'),
    });
    expect(current.json().warnings).toEqual([]);
  });
});
