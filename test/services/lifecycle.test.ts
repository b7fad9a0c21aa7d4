/** The key lifecycle against the real core with a real VPN client pushing real bytes. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MiB,
  makeTempDir,
  removeDir,
  socksDownload,
  startOrigin,
  startVlessClient,
} from '../core/fixtures.ts';
import { startRealApp } from '../helpers/real-app.ts';

describe('key lifecycle on the real core', () => {
  let app: Awaited<ReturnType<typeof startRealApp>>;
  let origin: Awaited<ReturnType<typeof startOrigin>>;
  const clientDir = makeTempDir();

  beforeAll(async () => {
    app = await startRealApp();
    origin = await startOrigin(3 * MiB);
  });
  afterAll(async () => {
    await origin.close();
    await app.stop();
    removeDir(clientDir);
  });

  it('create → traffic → quota reached → limited and out of the core → renew → connects again', async () => {
    const { services } = app;
    const key = await services.keys.create({ name: 'ann', trafficLimitBytes: 5 * MiB }, 'test');
    const link = services.view(key).links[0];
    expect(link).toMatch(/^vless:\/\//);
    const vpn = await startVlessClient(link!, clientDir);
    try {
      expect(await socksDownload(vpn.socksPort, origin)).toBeGreaterThanOrEqual(3 * MiB);
      await services.traffic.collect();
      await services.limits.enforce();
      expect(services.keys.get('ann')).toMatchObject({ status: 'active' });
      expect(services.keys.get('ann').downloadBytes).toBeGreaterThanOrEqual(3 * MiB);

      expect(await socksDownload(vpn.socksPort, origin)).toBeGreaterThanOrEqual(3 * MiB);
      await services.traffic.collect();
      await services.limits.enforce();
      expect(services.keys.get('ann').status).toBe('limited');
      expect(await socksDownload(vpn.socksPort, origin)).toBe(0); // out of the core

      const renewed = await services.keys.renew('ann', { addTrafficBytes: 20 * MiB }, 'test');
      expect(renewed.status).toBe('active');
      expect(await socksDownload(vpn.socksPort, origin)).toBeGreaterThanOrEqual(3 * MiB);
      const check = await services.system!.check();
      expect(check.in_sync).toBe(true);
    } finally {
      await vpn.stop();
    }
  });

  it('kick: the old link is dead at once, the new one works', async () => {
    const { services } = app;
    const before = await services.keys.create({ name: 'bob' }, 'test');
    const oldVpn = await startVlessClient(services.view(before).links[0]!, clientDir);
    const after = await services.keys.kick('bob', 'test');
    const newVpn = await startVlessClient(services.view(after).links[0]!, clientDir);
    try {
      expect(await socksDownload(oldVpn.socksPort, origin)).toBe(0);
      expect(await socksDownload(newVpn.socksPort, origin)).toBeGreaterThanOrEqual(3 * MiB);
    } finally {
      await oldVpn.stop();
      await newVpn.stop();
    }
  });
});
