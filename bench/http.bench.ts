/**
 * The HTTP API under load (autocannon, 50 connections): GET /api/v1/users/{username}
 * (API key auth + scope + rate limit + DB read + serialization from the zod schema) and
 * GET /sub/{token}, each against a bare Fastify route answering the same body from memory
 * in the same run; and POST /api/v1/users (create + core apply). The core is an in-memory
 * stand-in, so the figures are xkeeper's own cost. autocannon runs in the same process as
 * the servers.
 *
 * A route and its baseline are measured in alternating rounds (ours, bare, ours, bare…,
 * after a warm-up of each), so load from elsewhere on the machine falls on both alike
 * instead of on whichever ran during it; each figure (requests per second, p99) is the
 * median of its rounds, so a burst of load in one round does not tilt it. POST
 * /api/v1/users, without a baseline, runs once.
 *
 * Run alone: `npx tsx bench/http.bench.ts` (BENCH_HTTP_SECONDS sets each route's measured
 * time, default 5; BENCH_HTTP_ROUNDS the rounds it is split into, default 5).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import autocannon from 'autocannon';
import Fastify, { type FastifyInstance } from 'fastify';
import { loadConfig } from '../src/config.ts';
import { openDatabase } from '../src/db/client.ts';
import { runMigrations } from '../src/db/migrate.ts';
import { createServer } from '../src/http/index.ts';
import { createLogger } from '../src/logger.ts';
import type { CorePort } from '../src/services/core-port.ts';
import { createServices } from '../src/services/index.ts';
import { formatTable, median, type Row } from './table.ts';

const SECONDS = Number(process.env.BENCH_HTTP_SECONDS ?? 5);
const ROUNDS = Math.max(1, Number(process.env.BENCH_HTTP_ROUNDS ?? 5));
const CONNECTIONS = 50;

/** A core that holds users in a map: apply and share links cost what a Map costs. */
function memoryCore(): CorePort {
  const users = new Map<string, string>();
  return {
    id: 'local',
    apply: async ({ add = [], remove = [] }) => {
      for (const name of remove) users.delete(name);
      for (const u of add) users.set(u.name, u.uuid);
      return 'applied';
    },
    readCounters: async () => null,
    shareLink: (u) =>
      `vless://${u.uuid}@vpn.example.com:443?type=tcp&encryption=none&security=reality&sni=www.microsoft.com` +
      `&fp=chrome&pbk=Pk3yQ&sid=ab12&spx=%2F&flow=xtls-rprx-vision#${encodeURIComponent(u.name)}`,
  };
}

async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

interface Load {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  /** Body of each request (called per request). */
  body?: () => string;
}

interface Measured {
  rps: number;
  p99: number;
}

/** One autocannon run of `load`. */
async function run(load: Load, seconds: number) {
  const result = await autocannon({
    url: load.url,
    connections: CONNECTIONS,
    duration: seconds,
    method: load.method ?? 'GET',
    headers: load.headers,
    requests: load.body ? [{ setupRequest: (req) => ({ ...req, body: load.body!() }) }] : undefined,
  });
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`${load.url}: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
  }
  return result;
}

/**
 * Requests per second and p99 latency (ms) of each load, measured together: a one-second
 * warm-up of each, then ROUNDS rounds in which each runs in turn for SECONDS / ROUNDS;
 * each figure is the median of the rounds.
 */
async function measure<T extends Load[]>(...loads: T): Promise<{ [K in keyof T]: Measured }> {
  for (const load of loads) await run(load, 1);
  const rounds = loads.map(() => ({ rps: [] as number[], p99: [] as number[] }));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, load] of loads.entries()) {
      const result = await run(load, SECONDS / ROUNDS);
      rounds[i]!.rps.push(result.requests.total / result.duration);
      rounds[i]!.p99.push(result.latency.p99);
    }
  }
  return rounds.map((r) => ({ rps: median(r.rps), p99: median(r.p99) })) as {
    [K in keyof T]: Measured;
  };
}

/** A load without a baseline: a one-second warm-up, then one run of SECONDS. */
async function measureAlone(load: Load): Promise<Measured> {
  await run(load, 1);
  const result = await run(load, SECONDS);
  return { rps: result.requests.total / result.duration, p99: result.latency.p99 };
}

export async function runHttpBench(): Promise<Row[]> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'xk-http-bench-'));
  const logger = createLogger({ level: 'silent', pretty: false });
  const config = loadConfig(
    {
      BOT_TOKEN: '1:bench-token-bench-token-bench',
      DATA_DIR: dataDir,
      PUBLIC_URL: 'https://vpn.example.com',
    },
    { dotenv: false },
  );
  const db = openDatabase(path.join(dataDir, 'xkeeper.db'));
  runMigrations(db);
  const services = createServices({ db, config, logger, core: memoryCore() });
  const app = createServer({
    config,
    services,
    logger,
    health: { isReady: () => true, coreStatus: async () => ({ running: true }) },
  });
  const bare = Fastify();
  try {
    for (let i = 0; i < 1000; i++)
      await services.keys.create({ name: `user${i}`, trafficLimitBytes: 2 ** 30 }, 'bench');
    const key = services.keys.get('user500');
    const apiKey = services.apiKeys.create(
      {
        name: 'bench',
        scopes: ['users:*', 'api-keys:read'],
        rateLimitPerMinute: 1_000_000,
        rateLimitPerHour: 60_000_000,
      },
      'bench',
    ).key;
    const userJson = services.view(key);
    const subBody = services.subscription.render(key, 'base64').body;
    bare.get('/users/:username', async () => userJson);
    bare.get('/sub/:token', async (_request, reply) => reply.type('text/plain; charset=utf-8').send(subBody));

    const base = await listen(app);
    const bareBase = await listen(bare);
    const auth = { 'x-api-key': apiKey };

    const [user, authOnly, userBare] = await measure(
      { url: `${base}/api/v1/users/${key.name}`, headers: auth },
      { url: `${base}/api/v1/api-keys/scopes`, headers: auth },
      { url: `${bareBase}/users/${key.name}` },
    );
    const [sub, subBare] = await measure(
      {
        url: `${base}/sub/${key.subToken}`,
        headers: { 'user-agent': 'v2rayNG/1.8.5' /* base64, like the bare route */ },
      },
      { url: `${bareBase}/sub/${key.subToken}` },
    );
    let n = 0;
    const create = await measureAlone({
      url: `${base}/api/v1/users`,
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: () => JSON.stringify({ username: `new${n++}`, traffic_limit_gb: 10, expire_days: 30 }),
    });

    const pair = (name: string, ours: Measured, base: Measured) => [
      {
        name: `${name} (1,000 users)`,
        value: ours.rps,
        unit: 'req/s',
        baseline: base.rps,
        ratio: ours.rps / base.rps,
        target: '≥ 0.5×',
        note: 'baseline: bare Fastify route, same body from memory',
      },
      {
        name: `${name} p99 at ${CONNECTIONS} connections`,
        value: ours.p99,
        unit: 'ms',
        baseline: base.p99,
        ratio: base.p99 / Math.max(ours.p99, 1),
        target: '≤ 20 ms',
        note: 'ratio = baseline p99 / p99',
      },
    ];
    return [
      ...pair('GET /api/v1/users/{username}', user, userBare),
      {
        name: 'GET /api/v1/api-keys/scopes (auth + rate limit + scope, no lookup)',
        value: authOnly.rps,
        unit: 'req/s',
        baseline: userBare.rps,
        ratio: authOnly.rps / userBare.rps,
        note: 'the API layers alone, for comparison with the row above',
      },
      ...pair('GET /sub/{token}', sub, subBare),
      {
        name: 'POST /api/v1/users (create + core apply)',
        value: create.rps,
        unit: 'users/s',
        target: '≥ 1,000/s',
        note: `in-memory core; p99 ${create.p99} ms`,
      },
    ];
  } finally {
    await app.close();
    await bare.close();
    db.$client.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.stdout.write(`${formatTable('HTTP API (autocannon, 50 connections)', await runHttpBench())}\n`);
}
