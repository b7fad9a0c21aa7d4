/**
 * `core check` against an Xray that lists its users (HandlerService.GetInboundUsers, Xray ≥
 * 24.11.5): a user added to the core behind xkeeper's back is seen as extra, and a sync removes
 * it. The core is external (CORE_MANAGED=false), answered by the fake Xray API.
 */
import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../src/core/index.ts';
import { startFakeXray, type FakeXray } from './fake-xray.ts';
import { coreConfig, desiredState, makeTempDir, removeDir, silent, uuid } from './fixtures.ts';

describe('core check on an Xray that lists its users', () => {
  const dir = makeTempDir();
  let fake: FakeXray;
  let core: Core;
  const alice = { name: 'alice', uuid: uuid(1) };

  beforeAll(async () => {
    fake = await startFakeXray();
    // What `xray -version` prints; the API itself is the fake's.
    const bin = path.join(dir, 'xray');
    writeFileSync(
      bin,
      '#!/bin/sh\necho "Xray 25.3.6 (Xray, Penetrates Everything.) Custom (go1.24.1 linux/amd64)"\n',
    );
    chmodSync(bin, 0o700);
    const state = desiredState([alice]);
    core = createCore({
      config: await coreConfig(dir, { CORE_BIN: bin, CORE_MANAGED: false, CORE_API_PORT: fake.port }),
      logger: silent,
      getDesiredState: () => state,
      onEvent: () => undefined,
    });
    await core.start();
  });
  afterAll(async () => {
    await core.stop();
    fake.close();
    removeDir(dir);
  });

  it('sees a user added behind its back, and a sync removes it', async () => {
    expect([...fake.users.keys()]).toEqual(['alice']);
    expect(await core.check()).toMatchObject({ in_sync: true, extra: [], missing: [] });

    fake.users.set('intruder', { email: 'intruder', id: uuid(66), flow: '' });
    expect(await core.check()).toMatchObject({ in_sync: false, extra: ['intruder'], missing: [] });

    await core.sync();
    expect([...fake.users.keys()]).toEqual(['alice']);
    expect(await core.check()).toMatchObject({ in_sync: true, extra: [] });
  });
});
