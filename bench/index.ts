/** `npm run bench`: runs every benchmark and prints its table. */
import os from 'node:os';
import { runCoreBench } from './core.bench.ts';
import { runCollectBench } from './collect.bench.ts';
import { runBotBench } from './bot.bench.ts';
import { runDbBench } from './db.bench.ts';
import { runHttpBench } from './http.bench.ts';
import { runNodesBenchAsShipped } from './nodes.bench.ts';
import { runProductBench } from './product.bench.ts';
import { formatTable, type Row } from './table.ts';

/** `explicit`: runs only when its title is asked for (it takes minutes). */
const suites: Array<{ title: string; run: () => Promise<Row[]>; explicit?: boolean }> = [
  { title: 'Database layer (drizzle vs raw better-sqlite3)', run: runDbBench },
  { title: 'Core adapter (real V2Fly 4.34)', run: runCoreBench },
  { title: 'Traffic collection (synthetic StatsService)', run: runCollectBench },
  {
    title: 'Several nodes (ssh nodes through real sshd, direct nodes, data on disk)',
    run: runNodesBenchAsShipped,
  },
  { title: 'HTTP API (autocannon, 50 connections, in-memory core)', run: runHttpBench },
  { title: 'User bot (whole stack vs bare grammY, fake Bot API)', run: runBotBench },
  {
    title: 'Product as shipped (compiled, real V2Fly, data on disk, 10k keys)',
    run: () => runProductBench(10_000),
  },
  {
    title: 'Product at scale (compiled, real V2Fly, data on disk, 100k keys)',
    run: () => runProductBench(100_000),
    explicit: true,
  },
];

const only = process.argv[2];
process.stdout.write(
  `Machine: ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}\n\n`,
);
/** Other work on the machine moves every absolute figure: say how busy it was. */
const load = () =>
  os
    .loadavg()
    .map((value) => value.toFixed(1))
    .join(' ');
process.stdout.write(`Load average at start: ${load()}\n\n`);
for (const suite of suites) {
  const asked = only !== undefined && suite.title.toLowerCase().includes(only.toLowerCase());
  if (only ? !asked : suite.explicit) continue;
  process.stdout.write(`${formatTable(suite.title, await suite.run())}\n`);
  process.stdout.write(`Load average after it: ${load()}\n\n`);
}
