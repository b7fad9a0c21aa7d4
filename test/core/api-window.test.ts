/**
 * Reading counters over a link with real latency (a node abroad, reached through SSH), counted
 * in round trips. HTTP/2's default 64 KiB window made a big QueryStats answer wait for a window
 * update every 64 KiB: 10,000 users' counters (1.2 MB) took ~20 round trips. And a reading
 * asked for uptime, counters and online users one after another: three round trips. The link
 * here is a loopback proxy that delays every chunk by ONE_WAY_MS in each direction.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CoreApi } from '../../src/core/api.ts';
import { type FakeXray, startFakeXray } from './fake-xray.ts';

const ONE_WAY_MS = 40;
const USERS = 10_000;

/** A TCP proxy to `port` that holds every chunk `delayMs` in each direction, in order. */
async function startSlowLink(port: number, delayMs: number) {
  const sockets = new Set<net.Socket>();
  const relay = (from: net.Socket, to: net.Socket) => {
    from.on('data', (chunk) => setTimeout(() => to.destroyed || to.write(chunk), delayMs));
    from.on('close', () => setTimeout(() => to.destroy(), delayMs));
    from.on('error', () => from.destroy());
  };
  const server = net.createServer((client) => {
    const upstream = net.connect(port, '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.setNoDelay(true);
    }
    relay(client, upstream);
    relay(upstream, client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close() {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}

describe('CoreApi over a slow link', () => {
  let fake: FakeXray;
  let link: Awaited<ReturnType<typeof startSlowLink>>;
  let api: CoreApi;

  beforeAll(async () => {
    fake = await startFakeXray();
    for (let i = 0; i < USERS; i++) {
      fake.counters.set(`user>>>user-${i}>>>traffic>>>uplink`, 1_000_000 + i);
      fake.counters.set(`user>>>user-${i}>>>traffic>>>downlink`, 9_000_000 + i);
    }
    link = await startSlowLink(fake.port, ONE_WAY_MS);
    api = new CoreApi({ flavor: 'xray', port: link.port });
  });

  afterAll(() => {
    api.close();
    link.close();
    fake.close();
  });

  it('reads 10,000 users counters in a few round trips, not one per 64 KiB', async () => {
    await api.getSysStats(); // connected, settings exchanged
    const started = performance.now();
    let counters = 0;
    let sum = 0;
    await api.forEachStat('user>>>', (_bytes, _start, _end, value) => {
      counters++;
      sum += value;
    });
    const roundTrips = (performance.now() - started) / (2 * ONE_WAY_MS);
    expect(counters).toBe(2 * USERS);
    expect(sum).toBe(USERS * 10_000_000 + USERS * (USERS - 1));
    // One round trip for the call itself; the answer (~1.2 MB) streams in one window. With
    // HTTP/2's default window it took 19+ (each 64 KiB waits for a window update).
    expect(roundTrips).toBeLessThan(6);
  }, 30_000);

  it('asks for uptime, counters and online users at once: one round trip, not three', async () => {
    const small = await startFakeXray();
    small.counters.set('user>>>ann>>>traffic>>>uplink', 5);
    const slow = await startSlowLink(small.port, ONE_WAY_MS);
    const client = new CoreApi({ flavor: 'xray', port: slow.port });
    try {
      await client.getSysStats(); // connected
      const started = performance.now();
      const names: string[] = [];
      const reading = await client.readCounters((bytes, start, end) =>
        names.push(Buffer.from(bytes.subarray(start, end)).toString()),
      );
      const roundTrips = (performance.now() - started) / (2 * ONE_WAY_MS);
      expect(names).toEqual(['user>>>ann>>>traffic>>>uplink']);
      expect(reading.sys.uptimeSeconds).toBeGreaterThanOrEqual(0);
      expect(reading.online).toEqual(['alice']); // the fake's fixed answer
      expect(roundTrips).toBeLessThan(2);
    } finally {
      client.close();
      slow.close();
      small.close();
    }
  });
});
