/**
 * The product as shipped, measured from outside: `npm run build`, then `node dist/main.js`
 * (as `npm start` runs it) with a data directory on disk, the real managed core (Debian's
 * v2ray), STATS_INTERVAL_SECONDS=10 and keys created through the HTTP API, as a user does.
 *
 * Baselines in the same run: a bare loop of awaited gRPC AlterInbound calls on the same core
 * (bulk creation), and a bare Fastify route in a process of its own answering the same body
 * (reads). autocannon runs in this process.
 *
 * `npm run bench -- shipped` runs it at 10k keys; `npm run bench -- scale` at 100k (minutes).
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import autocannon from 'autocannon';
import { CoreApi } from '../src/core/api.ts';
import { productEnv, seedApiKey, startProduct } from '../test/helpers/product.ts';
import { tempDir } from '../test/helpers/db.ts';
import { formatTable, median, timeMs, type Row } from './table.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BARE = fileURLToPath(new URL('./bare-server.ts', import.meta.url));
const BATCH = 100;
const READ_SECONDS = 5;
const ROUNDS = 5;

/** Peak resident memory of a process (VmHWM), in MB. */
function peakMb(pid: number): number {
  const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) / 1024;
}

/** CPU time a process has used so far (user + system), in ms: a figure load elsewhere hardly moves. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, in 1/100 s
}

async function load(options: autocannon.Options) {
  const result = await autocannon(options);
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`${options.url}: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
  }
  return result;
}

async function startBare(body: unknown): Promise<{ url: string; stop: () => void }> {
  const file = path.join(tempDir('xk-bare-').dir, 'body.json');
  writeFileSync(file, JSON.stringify(body));
  const child = spawn(process.execPath, ['--import', 'tsx', BARE, file], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve) => {
    child.stdout.on('data', (chunk: Buffer) => {
      const match = /PORT (\d+)/.exec(chunk.toString());
      if (match) resolve(Number(match[1]));
    });
  });
  return { url: `http://127.0.0.1:${port}`, stop: () => child.kill() };
}

export async function runProductBench(keys = 10_000): Promise<Row[]> {
  execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  const tmp = tempDir('xk-product-bench-');
  const apiKey = seedApiKey(tmp.dir);
  const env = await productEnv(tmp.dir, { STATS_INTERVAL_SECONDS: '10', LOG_LEVEL: 'warn' });
  const product = await startProduct(env.vars, env.url, 'dist');
  const pid = product.child.pid!;
  const api = new CoreApi({ flavor: 'v2fly', port: Number(env.vars.CORE_API_PORT) });
  const headers = { 'x-api-key': apiKey, 'content-type': 'application/json' };
  const k = (n: number) => `${n / 1000}k`;
  try {
    // Bulk creation: batches of 100, 4 in flight, from 0 to `keys`.
    let cpuBefore = cpuMs(pid);
    let next = 0;
    const batchMs = await timeMs(() =>
      Promise.all(
        Array.from({ length: 4 }, async () => {
          while (next < keys) {
            const from = next;
            next += BATCH;
            const items = Array.from({ length: BATCH }, (_, i) => ({ username: `u${from + i}` }));
            const res = await fetch(`${env.url}/api/v1/users/batch`, {
              method: 'POST',
              headers,
              body: JSON.stringify({ items }),
            });
            const body = (await res.json()) as { succeeded: number };
            if (body.succeeded !== BATCH) throw new Error(`batch at ${from}: ${JSON.stringify(body)}`);
          }
        }),
      ),
    );
    const batchRate = (keys / batchMs) * 1000;
    const batchCpuUs = ((cpuMs(pid) - cpuBefore) * 1000) / keys;

    // Baseline of creation: an awaited loop of AlterInbound on the same core, then undone.
    const baseNames = Array.from({ length: 2_000 }, (_, i) => `grpc${i}`);
    const grpcMs = await timeMs(async () => {
      for (const name of baseNames) await api.addUser(name, randomUUID());
    });
    const grpcRate = (baseNames.length / grpcMs) * 1000;
    await api.removeUsers(baseNames);

    // Single creates, 20 in flight, on top of `keys`.
    let single = 0;
    const singles = Math.min(5_000, keys / 2);
    // Timed from the first request to the last answer: with `amount`, autocannon notices it
    // is done only at its next 1 s tick, so its own duration rounds the run up to whole seconds.
    let firstSentAt = 0;
    let lastAnsweredAt = 0;
    cpuBefore = cpuMs(pid);
    const created = await load({
      url: `${env.url}/api/v1/users`,
      method: 'POST',
      headers,
      connections: 20,
      amount: singles,
      requests: [
        {
          setupRequest: (req) => {
            firstSentAt ||= performance.now();
            return { ...req, body: JSON.stringify({ username: `s${single++}`, expire_days: 30 }) };
          },
          onResponse: () => {
            lastAnsweredAt = performance.now();
          },
        },
      ],
    });
    const createRate = (created.requests.total / (lastAnsweredAt - firstSentAt)) * 1000;
    const singleCpuUs = ((cpuMs(pid) - cpuBefore) * 1000) / singles;

    // 15 s of collection after the creation; the peak resident memory of the whole run.
    await new Promise((resolve) => setTimeout(resolve, 15_000));
    const memory = peakMb(pid);

    // Reads: the product and the bare route in alternating rounds, median of each.
    const name = `u${Math.floor(keys / 2)}`;
    const userBody: unknown = await (await fetch(`${env.url}/api/v1/users/${name}`, { headers })).json();
    const bare = await startBare(userBody);
    const reads = {
      ours: { rps: [] as number[], p99: [] as number[] },
      bare: { rps: [] as number[], p99: [] as number[] },
      oursSpread: { rps: [] as number[], p99: [] as number[] },
      bareSpread: { rps: [] as number[], p99: [] as number[] },
    };
    try {
      const ours = {
        url: `${env.url}/api/v1/users/${name}`,
        headers: { 'x-api-key': apiKey },
        connections: 50,
      };
      const base = { url: `${bare.url}/users/${name}`, connections: 50 };
      // Also each request for a user drawn from all of them: mostly answers not kept (at most
      // 1,024 are), built from the database; the bare route gets the same paths.
      const spread = (route: string): autocannon.Options['requests'] => [
        { setupRequest: (req) => ({ ...req, path: `${route}/u${Math.floor(Math.random() * keys)}` }) },
      ];
      await load({ ...ours, duration: 1 });
      await load({ ...base, duration: 1 });
      for (let round = 0; round < ROUNDS; round++) {
        for (const [which, options] of [
          ['ours', ours],
          ['bare', base],
          ['oursSpread', { ...ours, requests: spread('/api/v1/users') }],
          ['bareSpread', { ...base, requests: spread('/users') }],
        ] as const) {
          const result = await load({ ...options, duration: READ_SECONDS / ROUNDS });
          reads[which].rps.push(result.requests.total / result.duration);
          reads[which].p99.push(result.latency.p99);
        }
      }
    } finally {
      bare.stop();
    }
    const userRps = median(reads.ours.rps);
    const bareRps = median(reads.bare.rps);
    const spreadRps = median(reads.oursSpread.rps);
    const bareSpreadRps = median(reads.bareSpread.rps);

    // The list, one request at a time over random pages.
    const total = keys + singles;
    const pages = Math.ceil(total / 100);
    const list = await load({
      url: `${env.url}/api/v1/users?per_page=100`,
      headers: { 'x-api-key': apiKey },
      connections: 1,
      duration: READ_SECONDS,
      requests: [
        {
          setupRequest: (req) => ({
            ...req,
            path: `/api/v1/users?per_page=100&page=${1 + Math.floor(Math.random() * pages)}`,
          }),
        },
      ],
    });

    // One CLI call against the running instance, as an operator's script makes it.
    const cliMs = [];
    for (let i = 0; i < 5; i++) {
      cliMs.push(
        await timeMs(() =>
          execFileSync(process.execPath, [path.join(ROOT, 'bin/xkeeper.js'), 'key', 'show', name, '--json'], {
            cwd: ROOT,
            env: { ...process.env, ...env.vars },
            stdio: 'ignore',
          }),
        ),
      );
    }

    return [
      {
        name: `POST /api/v1/users/batch, ${BATCH} per request, 4 in flight, 0 → ${k(keys)} keys`,
        value: batchRate,
        unit: 'keys/s',
        baseline: grpcRate,
        ratio: batchRate / grpcRate,
        target: '≥ 5,000 keys/s',
        note: `baseline: awaited loop of gRPC AlterInbound on the same core; product CPU ${Math.round(batchCpuUs)} µs a key`,
      },
      {
        name: `POST /api/v1/users, 20 in flight, ${k(keys)} → ${k(keys + singles)} keys`,
        value: createRate,
        unit: 'keys/s',
        baseline: grpcRate,
        ratio: createRate / grpcRate,
        target: '≥ 1,000/s',
        note: `p99 ${created.latency.p99} ms; product CPU ${Math.round(singleCpuUs)} µs a key`,
      },
      {
        name: `GET /api/v1/users/{username} at ${k(total)} keys`,
        value: userRps,
        unit: 'req/s',
        baseline: bareRps,
        ratio: userRps / bareRps,
        target: '≥ 0.5×',
        note: 'one user, as a client polling it: its answer kept while unchanged; baseline: bare Fastify in its own process, same body; median of 5 alternating rounds',
      },
      {
        name: `GET /api/v1/users/{username}, each request a user of ${k(keys)} at random`,
        value: spreadRps,
        unit: 'req/s',
        baseline: bareSpreadRps,
        ratio: spreadRps / bareSpreadRps,
        note: `for reference: mostly answers not kept, read from the database; p99 ${median(reads.oursSpread.p99)} ms`,
      },
      {
        name: 'GET /api/v1/users/{username} p99 at 50 connections',
        value: median(reads.ours.p99),
        unit: 'ms',
        baseline: median(reads.bare.p99),
        ratio: median(reads.bare.p99) / Math.max(median(reads.ours.p99), 1),
        target: '≤ 20 ms',
        note: 'ratio = baseline p99 / p99',
      },
      {
        name: `GET /api/v1/users?per_page=100 p50 at ${k(total)} keys`,
        value: list.latency.p50,
        unit: 'ms',
        target: '≤ 10 ms',
        note: `random pages, 1 connection; mean ${list.latency.average} ms`,
      },
      {
        name: `GET /api/v1/users?per_page=100 max at ${k(total)} keys`,
        value: list.latency.max,
        unit: 'ms',
        target: '≤ 50 ms',
      },
      {
        name: `peak resident memory (VmHWM), creating ${k(total)} keys + 15 s of collection`,
        value: memory,
        unit: 'MB',
        target: keys >= 100_000 ? '≤ 300 MB' : '≤ 200 MB',
        note: 'the product process (node dist/main.js), not the core',
      },
      {
        name: 'one CLI call against the running instance (`key show`)',
        value: median(cliMs),
        unit: 'ms',
        target: '≤ 500 ms',
        note: 'bin/xkeeper.js running dist/; median of 5',
      },
    ];
  } finally {
    api.close();
    await product.stop();
    await env.close();
    tmp.cleanup();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const keys = Number(process.argv[2] ?? 10_000);
  process.stdout.write(`${formatTable(`Product as shipped (${keys} keys)`, await runProductBench(keys))}\n`);
}
