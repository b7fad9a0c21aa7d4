/**
 * Services wired to a real managed V2Fly core in a temp DATA_DIR, as main.ts wires them.
 * For tests that push real bytes through a real VPN client.
 */
import { wireCore, startCore } from '../../src/core-wiring.ts';
import { createManualClock } from '../../src/services/clock.ts';
import { createServices } from '../../src/services/index.ts';
import { freePort } from './ports.ts';
import { dataDirDb, silentLogger, tempDir, testConfig } from './db.ts';

export async function startRealApp(env: Record<string, string> = {}) {
  const tmp = tempDir('xk-app-');
  const config = testConfig({
    DATA_DIR: tmp.dir,
    CORE_BIN: '/usr/bin/v2ray',
    CORE_API_PORT: String(await freePort()),
    VLESS_PORT: String(await freePort()),
    VLESS_HOST: '127.0.0.1',
    ...env,
  });
  const db = dataDirDb(tmp.dir);
  const clock = createManualClock(new Date());
  const services = createServices({ db, config, logger: silentLogger, clock });
  const core = wireCore(config, services, silentLogger);
  await startCore(core, services, silentLogger);
  return {
    config,
    db,
    clock,
    services,
    core,
    dataDir: tmp.dir,
    async stop() {
      await core.stop();
      db.$client.close();
      tmp.cleanup();
    },
  };
}
