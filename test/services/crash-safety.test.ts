/**
 * Crash safety of traffic accounting: a real client streams through the real core while
 * xkeeper's collector is killed with -9 at random moments, again and again. In the end
 * the bytes recorded equal the core's counters exactly: nothing lost, nothing twice.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MiB,
  makeTempDir,
  removeDir,
  socksDownload,
  startOrigin,
  startVlessClient,
  counterMap,
} from '../core/fixtures.ts';
import { startRealApp } from '../helpers/real-app.ts';
import { killCollectorRepeatedly } from './kill-collector.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const KILLS = 24;

describe('crash-safe accounting', () => {
  let app: Awaited<ReturnType<typeof startRealApp>>;
  let origin: Awaited<ReturnType<typeof startOrigin>>;
  const clientDir = makeTempDir();

  beforeAll(async () => {
    // The collector that gets killed runs from the compiled build, as users run it.
    execFileSync(process.execPath, ['bin/build.js', '--if-current'], { cwd: ROOT, stdio: 'ignore' });
    app = await startRealApp();
    origin = await startOrigin(256 * 1024);
  });
  afterAll(async () => {
    await origin.close();
    await app.stop();
    removeDir(clientDir);
  });

  it(`survives ${KILLS} kill -9 during collection with exact totals`, { timeout: 120_000 }, async () => {
    const { services, config } = app;
    const key = await services.keys.create({ name: 'streamer' }, 'test');
    const vpn = await startVlessClient(services.view(key).links[0]!, clientDir);
    let streaming = true;
    const stream = (async () => {
      while (streaming) await socksDownload(vpn.socksPort, origin);
    })();

    let kills = 0;
    try {
      kills = await killCollectorRepeatedly(config, KILLS);
    } finally {
      streaming = false;
      await stream;
      await vpn.stop();
    }
    expect(kills).toBe(KILLS);

    // One last, clean collection, then compare with what the core itself counted.
    await services.traffic.collect();
    const snapshot = await counterMap(app.core);
    const up = snapshot?.counters.get('user>>>streamer>>>traffic>>>uplink') ?? 0;
    const down = snapshot?.counters.get('user>>>streamer>>>traffic>>>downlink') ?? 0;
    const recorded = services.keys.get('streamer');
    expect(down).toBeGreaterThan(5 * MiB);
    expect(recorded.uploadBytes).toBe(up);
    expect(recorded.downloadBytes).toBe(down);
    expect(recorded.lifetimeUsedBytes).toBe(up + down);
    const rows = services.db.$client
      .prepare('SELECT sum(upload_bytes + download_bytes) AS n FROM key_usage_daily WHERE key_id = ?')
      .get(recorded.id) as { n: number };
    expect(rows.n).toBe(up + down);
  });
});
