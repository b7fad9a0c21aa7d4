/**
 * The core adapter on the real core (Debian's v2ray, V2Fly 4.34): adding then removing
 * 10,000 keys through `core.apply` vs a bare loop of unary AlterInbound calls in the same run,
 * and one QueryStats over every user counter at 10,000 users. Counters exist only once a user
 * has connected, so each user first makes one VLESS connection (a raw handshake from Node).
 *
 * Run alone: `npx tsx bench/core.bench.ts` (CORE_BIN overrides /usr/bin/v2ray).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { CoreApi, mapLimit } from '../src/core/api.ts';
import { VLESS_TAG } from '../src/core/config.ts';
import {
  type CoreAdapterConfig,
  createCore,
  type CoreUser,
  type DesiredCoreState,
} from '../src/core/index.ts';
import { methodDescriptor, typedMessage } from '../src/core/proto/index.ts';
import { createLogger } from '../src/logger.ts';
import { coreConfig } from '../test/core/fixtures.ts';
import { formatTable, median, timeMs, type Row } from './table.ts';

const N = 10_000;
const BIN = process.env.CORE_BIN ?? '/usr/bin/v2ray';

function users(prefix: string): CoreUser[] {
  return Array.from({ length: N }, (_, i) => ({
    name: `${prefix}-${i}`,
    uuid: `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`,
  }));
}

/** The baseline: one awaited unary AlterInbound call after another, no adapter around it. */
async function bareLoop(port: number, list: CoreUser[], op: 'add' | 'remove'): Promise<number> {
  const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const { path: rpc, serialize, deserialize } = methodDescriptor('v2fly', 'HandlerService', 'AlterInbound');
  const call = (operation: { type: string; value: Buffer }) =>
    new Promise<void>((resolve, reject) =>
      client.makeUnaryRequest(rpc, serialize, deserialize, { tag: VLESS_TAG, operation }, (error) =>
        error ? reject(error) : resolve(),
      ),
    );
  const ms = await timeMs(async () => {
    for (const user of list) {
      const account = typedMessage('v2fly', 'VlessAccount', { id: user.uuid });
      await call(
        op === 'add'
          ? typedMessage('v2fly', 'AddUserOperation', { user: { level: 0, email: user.name, account } })
          : typedMessage('v2fly', 'RemoveUserOperation', { email: user.name }),
      );
    }
  });
  client.close();
  return ms;
}

/** One VLESS request (v0, no addons, TCP to 127.0.0.1:port) so the core creates the user's counters. */
function vlessHello(vlessPort: number, user: CoreUser, targetPort: number): Promise<void> {
  const header = Buffer.concat([
    Buffer.from([0]),
    Buffer.from(user.uuid.replace(/-/g, ''), 'hex'),
    Buffer.from([0, 1, targetPort >> 8, targetPort & 0xff, 1, 127, 0, 0, 1]),
    Buffer.from('GET / HTTP/1.0\r\n\r\n'),
  ]);
  return new Promise((resolve) => {
    const socket = net.connect(vlessPort, '127.0.0.1', () => socket.write(header));
    socket.setTimeout(5_000, () => socket.destroy());
    // An answer means the core dispatched the request; its tunnel closes only seconds later.
    socket.once('data', () => socket.destroy());
    socket.once('close', () => resolve());
    socket.once('error', () => resolve());
  });
}

const perSecond = (count: number, ms: number) => (count / ms) * 1000;

/** Runs the benchmark on a fresh core in a temp DATA_DIR; returns its rows. */
export async function runCoreBench(): Promise<Row[]> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'xk-core-bench-'));
  const origin = http.createServer((_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
  const originPort = (origin.address() as net.AddressInfo).port;
  const config: CoreAdapterConfig = await coreConfig(dataDir, { CORE_BIN: BIN, LOG_LEVEL: 'error' });
  const state: DesiredCoreState = { reality: { privateKey: '', shortIds: [] }, users: [] };
  const core = createCore({
    config,
    logger: createLogger({ level: 'silent', pretty: false }),
    getDesiredState: () => state,
  });
  const api = new CoreApi({ flavor: 'v2fly', port: config.CORE_API_PORT, timeoutMs: 30_000 });
  try {
    await core.start();
    const status = await core.status();
    if (!status.running) throw new Error(`core not running: ${status.reason ?? status.last_error}`);

    // The adapter: one apply each way; it also re-renders and validates the 10k-user config.
    const facadeUsers = users('facade');
    state.users = facadeUsers;
    const facadeAddMs = await timeMs(() => core.apply({ add: facadeUsers }));
    state.users = [];
    const facadeRemoveMs = await timeMs(() => core.apply({ remove: facadeUsers.map((u) => u.name) }));

    const bareUsers = users('bare');
    const bareAddMs = await bareLoop(config.CORE_API_PORT, bareUsers, 'add');
    const bareRemoveMs = await bareLoop(config.CORE_API_PORT, bareUsers, 'remove');

    // 10k users, each connected once so that its two counters exist.
    const statUsers = users('stats');
    state.users = statUsers;
    await core.apply({ add: statUsers });
    const helloMs = await timeMs(() =>
      mapLimit(statUsers, 64, (user) => vlessHello(config.VLESS_PORT, user, originPort)),
    );
    const counters = await api.queryStats('user>>>stats-');
    const queryRuns: number[] = [];
    for (let i = 0; i < 5; i++) queryRuns.push(await timeMs(() => api.queryStats('user>>>')));
    const queryMs = median(queryRuns);
    const readRuns: number[] = [];
    for (let i = 0; i < 5; i++) readRuns.push(await timeMs(() => core.readCounters(() => {})));

    // The everyday case at this size: one new key, so one more 10k-user config to validate.
    const singleRuns: number[] = [];
    for (let i = 0; i < 5; i++) {
      const one = {
        name: `single-${i}`,
        uuid: `00000000-0000-4000-9000-${i.toString(16).padStart(12, '0')}`,
      };
      state.users = [...statUsers, one];
      singleRuns.push(await timeMs(() => core.apply({ add: [one] })));
    }

    return [
      {
        name: `add ${N.toLocaleString('en-US')} keys via core.apply`,
        value: perSecond(N, facadeAddMs),
        unit: 'keys/s',
        baseline: perSecond(N, bareAddMs),
        ratio: bareAddMs / facadeAddMs,
        note: 'baseline: awaited unary AlterInbound loop; apply also rewrites + validates the config',
      },
      {
        name: `remove ${N.toLocaleString('en-US')} keys via core.apply`,
        value: perSecond(N, facadeRemoveMs),
        unit: 'keys/s',
        baseline: perSecond(N, bareRemoveMs),
        ratio: bareRemoveMs / facadeRemoveMs,
      },
      {
        name: `QueryStats over all user counters (${N.toLocaleString('en-US')} users)`,
        value: queryMs,
        unit: 'ms',
        note: `${counters.length.toLocaleString('en-US')} counters, median of 5; counters exist only after a user's first connection`,
      },
      {
        name: 'core.readCounters at 10,000 users',
        value: median(readRuns),
        unit: 'ms',
        note: 'SysStats + QueryStats + online probe, median of 5',
      },
      {
        name: 'core.apply of one key at 10,000 users',
        value: median(singleRuns),
        unit: 'ms',
        note: 'AlterInbound + render, `v2ray -test` and install of the 10k-user config; median of 5',
      },
      {
        name: `first connection of ${N.toLocaleString('en-US')} users`,
        value: perSecond(N, helloMs),
        unit: 'conn/s',
        note: 'raw VLESS handshakes, 64 in flight (setup of the row above)',
      },
    ];
  } finally {
    api.close();
    await core.stop();
    await new Promise((resolve) => origin.close(resolve));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.stdout.write(`${formatTable('Core adapter (V2Fly 4.34, real process)', await runCoreBench())}\n`);
}
