/**
 * A getUpdates that a filtered network leaves unanswered fails after its long poll plus
 * POLL_GRACE_SECONDS, not after the client's 500 s, and is reported as timed out.
 */
import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Api } from 'grammy';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { POLL_GRACE_SECONDS, watchPolling, type PollOutcome } from '../../src/bot/poll-watch.ts';
import { TEST_TOKEN } from '../helpers/db.ts';

// Accepts connections and never answers, as a black-holed Bot API does once connected.
const sockets: Socket[] = [];
const silent = createServer((socket) => sockets.push(socket));
let apiRoot: string;

beforeAll(async () => {
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  apiRoot = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => silent.close(resolve));
});

/** A client of the silent server, watched; `lost` as the bot would say. */
function watched(lost: boolean) {
  const api = new Api(TEST_TOKEN, { apiRoot });
  const outcomes: PollOutcome[] = [];
  watchPolling(
    api,
    (outcome) => outcomes.push(outcome),
    () => lost,
  );
  return { api, outcomes };
}

it('gives up on an unanswered getUpdates after the grace and reports it timed out', async () => {
  // Lost: the poll goes out without a long poll, so the grace alone bounds it.
  const { api, outcomes } = watched(true);
  const started = Date.now();
  await expect(api.getUpdates({ timeout: 30 })).rejects.toThrow(/getUpdates/);
  const seconds = (Date.now() - started) / 1000;
  expect(seconds).toBeGreaterThanOrEqual(POLL_GRACE_SECONDS - 0.5);
  expect(seconds).toBeLessThan(POLL_GRACE_SECONDS + 5);
  expect(outcomes).toEqual([{ ok: false, error: expect.anything(), timedOut: true }]);
}, 30_000);

it('does not report a poll the runner cancels', async () => {
  const { api, outcomes } = watched(false);
  const cancel = new AbortController();
  const poll = api.getUpdates({ timeout: 30 }, cancel.signal as Parameters<Api['getUpdates']>[1]);
  setTimeout(() => cancel.abort(), 200);
  await expect(poll).rejects.toThrow();
  expect(outcomes).toEqual([]);
});
