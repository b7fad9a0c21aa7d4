import { readFileSync, statSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  coreConfigPieces,
  type CoreSettings,
  LOOPBACK_CIDRS,
  PRIVATE_CIDRS,
  renderCoreConfig,
  requiredXrayVersion,
  serializeCoreConfig,
  settingsHash,
  usersOfConfig,
} from '../../src/core/config.ts';
import {
  coreErrorMessage,
  installConfig,
  readInstalledConfig,
  testConfigFile,
} from '../../src/core/config-file.ts';
import type { Flavor, FlavorName } from '../../src/core/flavor.ts';
import { makeTempDir, removeDir, uuid, V2RAY } from './fixtures.ts';

const v2fly: Flavor = { available: true, name: 'v2fly', version: '4.34.0', bin: V2RAY };

function settings(flavor: FlavorName, overrides: Partial<CoreSettings> = {}): CoreSettings {
  return {
    flavor,
    apiPort: 10085,
    vlessPort: 443,
    reality: {
      privateKey: 'eCmYp1UhKNPuHOvIzdh7kyRO0BzpTgi4l8Pe8B6Z1U8',
      shortIds: ['0123456789abcdef', ''],
      sni: 'www.microsoft.com',
      target: 'www.microsoft.com:443',
    },
    blockPrivateNetworks: true,
    logLevel: 'warning',
    ...overrides,
  };
}

const users = [
  { name: 'alice', uuid: uuid(1) },
  { name: 'Bob Smith', uuid: uuid(2) },
];

describe('renderCoreConfig', () => {
  it('renders Xray with REALITY, vision flow and online stats', () => {
    const config = renderCoreConfig({ settings: settings('xray'), users });
    expect(config).toMatchSnapshot();
    const text = JSON.stringify(config);
    expect(text).toContain('"minClientVer":"1.0.0"');
    expect(text).toContain('"flow":"xtls-rprx-vision"');
    expect(text).toContain('"statsUserOnline":true');
  });

  it('renders minClientVer from the setting, 1.0.0 (every REALITY client) by default', () => {
    const base = settings('xray');
    const strict = renderCoreConfig({
      settings: { ...base, reality: { ...base.reality, minClientVer: '26.3.27' } },
      users,
    });
    const inbound = (strict.inbounds as { streamSettings?: { realitySettings?: unknown } }[])[1];
    expect(inbound?.streamSettings?.realitySettings).toMatchObject({ minClientVer: '26.3.27' });
    expect(JSON.stringify(renderCoreConfig({ settings: base, users }))).toContain('"minClientVer":"1.0.0"');
  });

  it('says which Xray version a rendered config needs, and why', () => {
    expect(requiredXrayVersion(renderCoreConfig({ settings: settings('xray'), users }))).toEqual({
      version: '24.11.5',
      feature: 'online users (statsUserOnline)',
    });
    const realityOnly = renderCoreConfig({ settings: settings('xray'), users });
    delete (realityOnly.policy as { levels: Record<string, Record<string, unknown>> }).levels['0']
      ?.statsUserOnline;
    expect(requiredXrayVersion(realityOnly)).toEqual({ version: '1.8.0', feature: 'REALITY' });
    expect(requiredXrayVersion(renderCoreConfig({ settings: settings('v2fly'), users }))).toBeNull();
  });

  it('renders V2Fly as plain VLESS without flow, REALITY or online stats', () => {
    const config = renderCoreConfig({ settings: settings('v2fly'), users });
    expect(config).toMatchSnapshot();
    const text = JSON.stringify(config);
    expect(text).not.toMatch(/reality|flow|statsUserOnline|geoip/);
  });

  it('blocks private networks with explicit CIDRs only when asked, loopback always', () => {
    const blocked = renderCoreConfig({ settings: settings('v2fly'), users: [] });
    expect((blocked.routing as { rules: unknown[] }).rules).toContainEqual({
      type: 'field',
      ip: PRIVATE_CIDRS,
      outboundTag: 'block',
    });
    const open = renderCoreConfig({
      settings: settings('v2fly', { blockPrivateNetworks: false }),
      users: [],
    });
    expect((open.routing as { rules: unknown[] }).rules).toEqual([
      { type: 'field', inboundTag: ['api'], outboundTag: 'api' },
      { type: 'field', ip: LOOPBACK_CIDRS, outboundTag: 'block' },
    ]);
    expect(LOOPBACK_CIDRS).toEqual(expect.arrayContaining(['127.0.0.0/8', '::1/128', '0.0.0.0/8']));
    expect(open.routing).toMatchObject({ domainStrategy: 'IPIfNonMatch' });
  });

  it('reads users back and hashes settings without users', () => {
    const config = renderCoreConfig({ settings: settings('xray'), users });
    expect(usersOfConfig(config)).toEqual(users);
    const empty = renderCoreConfig({ settings: settings('xray'), users: [] });
    expect(settingsHash(config)).toBe(settingsHash(empty));
    const otherPort = renderCoreConfig({ settings: settings('xray', { vlessPort: 8443 }), users });
    expect(settingsHash(otherPort)).not.toBe(settingsHash(config));
    expect(usersOfConfig({})).toEqual([]);
  });
});

describe('installConfig (real v2ray -test)', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = makeTempDir();
    file = path.join(dir, 'core.json');
  });
  afterEach(() => removeDir(dir));

  it('validates rendered V2Fly configs, blocking on or off', async () => {
    for (const blockPrivateNetworks of [true, false]) {
      const config = renderCoreConfig({ settings: settings('v2fly', { blockPrivateNetworks }), users });
      writeFileSync(file, JSON.stringify(config));
      expect(await testConfigFile(v2fly, file)).toBeNull();
    }
  });

  it('installs atomically, owner-only, keeping the previous file', async () => {
    const first = renderCoreConfig({ settings: settings('v2fly'), users: [] });
    expect(await installConfig(v2fly, file, first)).toEqual({ ok: true, changed: true });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(await installConfig(v2fly, file, first)).toEqual({ ok: true, changed: false });
    const second = renderCoreConfig({ settings: settings('v2fly'), users });
    expect(await installConfig(v2fly, file, second)).toEqual({ ok: true, changed: true });
    expect(await readInstalledConfig(file)).toEqual(second);
    expect(JSON.parse(readFileSync(`${file}.prev`, 'utf8'))).toEqual(first);
    expect(readdirSync(dir).sort()).toEqual(['core.json', 'core.json.prev']);
  });

  it('writes a config of many users in pieces of a bounded number of users', async () => {
    const many = Array.from({ length: 2_500 }, (_, i) => ({ name: `user${i}`, uuid: uuid(i + 1) }));
    const config = renderCoreConfig({ settings: settings('v2fly'), users: many });
    const pieces = [...coreConfigPieces(config, 1_000)];
    // The settings before the users, three pieces of at most 1,000 users, the settings after.
    expect(pieces).toHaveLength(5);
    expect(pieces.slice(1, 4).map((piece) => piece.split('\n').length - 1)).toEqual([1_000, 1_000, 500]);
    expect(JSON.parse(pieces.join(''))).toEqual(config);
    expect(await installConfig(v2fly, file, config)).toEqual({ ok: true, changed: true });
    expect(readFileSync(file, 'utf8')).toBe(serializeCoreConfig(config));
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('installs a config that differs from the installed one at the same size', async () => {
    const first = renderCoreConfig({
      settings: settings('v2fly'),
      users: [{ name: 'alice', uuid: uuid(1) }],
    });
    const second = renderCoreConfig({
      settings: settings('v2fly'),
      users: [{ name: 'alice', uuid: uuid(3) }],
    });
    expect(serializeCoreConfig(second).length).toBe(serializeCoreConfig(first).length);
    await installConfig(v2fly, file, first);
    expect(await installConfig(v2fly, file, second, { validate: false })).toEqual({
      ok: true,
      changed: true,
    });
    expect(await readInstalledConfig(file)).toEqual(second);
    expect(await installConfig(v2fly, file, second)).toEqual({ ok: true, changed: false });
    expect(readdirSync(dir).sort()).toEqual(['core.json', 'core.json.prev']);
  });

  it('compares a config of several MB with the installed one to its last byte', async () => {
    const many = Array.from({ length: 30_000 }, (_, i) => ({ name: `user${i}`, uuid: uuid(i + 1) }));
    const first = renderCoreConfig({ settings: settings('v2fly'), users: many });
    expect(await installConfig(v2fly, file, first, { validate: false })).toEqual({ ok: true, changed: true });
    expect(statSync(file).size).toBeGreaterThan(2 * 1024 * 1024);
    expect(await installConfig(v2fly, file, first, { validate: false })).toEqual({
      ok: true,
      changed: false,
    });
    // The last user's UUID changes, the size does not.
    const last = { ...many.at(-1)!, uuid: uuid(99_999) };
    const second = renderCoreConfig({ settings: settings('v2fly'), users: [...many.slice(0, -1), last] });
    expect(await installConfig(v2fly, file, second, { validate: false })).toEqual({
      ok: true,
      changed: true,
    });
    expect(readFileSync(file, 'utf8')).toBe(serializeCoreConfig(second));
    expect(() => [...coreConfigPieces(second, 0)]).toThrow(RangeError);
  });

  it('refuses a config the core rejects, leaving the installed one alone', async () => {
    const good = renderCoreConfig({ settings: settings('v2fly'), users });
    await installConfig(v2fly, file, good);
    const bad = { ...good, outbounds: [{ protocol: 'no-such-protocol' }] };
    const result = await installConfig(v2fly, file, bad);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.message).toMatch(/unknown config id: no-such-protocol/);
    expect(await readInstalledConfig(file)).toEqual(good);
    expect(readdirSync(dir).sort()).toEqual(['core.json']);
  });

  it('keeps only the lines that explain a refusal', () => {
    const output = [
      'V2Ray 4.34.0 (user) 20230518-074445 (go1.19.8 linux/amd64)',
      'A unified platform for anti-censorship.',
      '2026/11/27 15:31:03 [Info] v2ray.com/core/main/jsonem: Reading config: bad.json',
      'panic: open /x.json: no such file or directory',
      '',
      'goroutine 1 [running]:',
      'v2ray.com/core/common.Must(...)',
      '\tv2ray.com/core/common/common.go:26',
    ].join('\n');
    expect(coreErrorMessage(output)).toBe('panic: open /x.json: no such file or directory');
  });
});
