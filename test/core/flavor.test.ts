import { describe, expect, it } from 'vitest';
import {
  canListUsers,
  compareVersions,
  detectFlavor,
  parseVersionOutput,
  protoName,
  runArgs,
  testArgs,
} from '../../src/core/flavor.ts';
import { V2RAY } from './fixtures.ts';

describe('flavor', () => {
  it('parses Xray and V2Ray version lines', () => {
    expect(
      parseVersionOutput('xray', 'Xray 26.3.27 (Xray, Penetrates Everything.) abc (go1.24 linux/amd64)\n'),
    ).toEqual({
      available: true,
      name: 'xray',
      version: '26.3.27',
      bin: 'xray',
    });
    expect(
      parseVersionOutput('v2ray', 'V2Ray 4.34.0 (user) 20230518 (go1.19.8 linux/amd64)\nA unified…'),
    ).toEqual({
      available: true,
      name: 'v2fly',
      version: '4.34.0',
      bin: 'v2ray',
    });
  });

  it('refuses V2Ray 5 and anything else with a reason', () => {
    const v5 = parseVersionOutput('v2ray', 'V2Ray 5.16.1 (V2Fly) custom');
    expect(v5).toMatchObject({ available: false });
    expect(v5.available === false && v5.reason).toMatch(/5\.16\.1 is not supported/);
    const other = parseVersionOutput('sing-box', 'sing-box version 1.9.0');
    expect(other.available === false && other.reason).toMatch(/not an Xray or V2Ray version/);
  });

  it('detects the installed v2ray', async () => {
    expect(await detectFlavor(V2RAY)).toEqual({
      available: true,
      name: 'v2fly',
      version: '4.34.0',
      bin: V2RAY,
    });
  });

  it('reports a missing or foreign binary without throwing', async () => {
    const missing = await detectFlavor('/nonexistent/xray');
    expect(missing).toMatchObject({ available: false, bin: '/nonexistent/xray' });
    expect(missing.available === false && missing.reason).toMatch(/not found/);
    const foreign = await detectFlavor('/bin/false');
    expect(foreign.available).toBe(false);
  });

  it('names types, commands and features per flavor', () => {
    expect(protoName('xray', 'proxy.vless.Account')).toBe('xray.proxy.vless.Account');
    expect(protoName('v2fly', 'proxy.vless.Account')).toBe('v2ray.core.proxy.vless.Account');
    expect(testArgs('xray', 'c.json')).toEqual(['run', '-test', '-c', 'c.json']);
    expect(testArgs('v2fly', 'c.json')).toEqual(['-test', '-config', 'c.json']);
    expect(runArgs('xray', 'c.json')).toEqual(['run', '-c', 'c.json']);
    expect(runArgs('v2fly', 'c.json')).toEqual(['-config', 'c.json']);
    expect(compareVersions('24.11.5', '24.11.30')).toBeLessThan(0);
    expect(compareVersions('25.1.1', '24.12.31')).toBeGreaterThan(0);
    expect(canListUsers({ available: true, name: 'xray', version: '24.11.5', bin: 'x' })).toBe(true);
    expect(canListUsers({ available: true, name: 'xray', version: '24.10.31', bin: 'x' })).toBe(false);
    expect(canListUsers({ available: true, name: 'v2fly', version: '4.34.0', bin: 'x' })).toBe(false);
  });
});
