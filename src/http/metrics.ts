/**
 * `GET /metrics` (Prometheus): HTTP requests by route and status with a latency histogram,
 * keys by status, traffic today and this month, keys online, whether the core is up, per node
 * (label `node`) whether it is up, its users, its last collection and its traffic, plus the
 * process metrics. Domain figures are read from the services when scraped.
 */
import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, type Histogram, Registry } from 'prom-client';
import type { Services } from '../services/index.ts';
import type { Node } from '../services/nodes.service.ts';
import { publicSchema } from './openapi.ts';
import { telegramHealth, type HealthSource } from './routes/health.ts';

/** Calls `fn` at most once per `ms`: one scrape reads the stats once for several gauges. */
function cached<T>(fn: () => T, ms: number): () => T {
  let value: T;
  let at = -Infinity;
  return () => {
    if (Date.now() - at >= ms) {
      value = fn();
      at = Date.now();
    }
    return value;
  };
}

/** Upper bounds (seconds) of the request latency buckets. */
export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10];

type RequestLabels = { method: string; route: string; status: string };

/** One sample of a histogram as prom-client's registry reads it. */
interface Sample {
  labels: Record<string, string | number>;
  value: number;
  metricName: string;
  /** Buckets carry one (none: exemplars are off), as in prom-client's Histogram. */
  exemplar?: null;
}

/** The requests of one method, route pattern and status. */
interface RequestSeries {
  labels: RequestLabels;
  /** Requests per latency bucket, not cumulative; the last one is above every bound. */
  buckets: number[];
  sum: number;
  count: number;
}

/**
 * Counts and latencies of requests in plain numbers, one series per method, route and
 * status. Each response adds to its series in a few steps; prom-client's inc()/observe()
 * validate and hash the labels on every call, which cost the busiest routes several per
 * cent. The counter and the histogram are written from these at scrape time.
 */
export function createRequestSeries(bounds: readonly number[] = LATENCY_BUCKETS) {
  /** route → method → status → series */
  const byRoute = new Map<string, Map<string, Map<number, RequestSeries>>>();
  /** Every series, in the order they first occurred (prom-client's order). */
  const all: RequestSeries[] = [];

  return {
    all,
    clear(): void {
      byRoute.clear();
      all.length = 0;
    },
    record(method: string, route: string, status: number, seconds: number): void {
      let byMethod = byRoute.get(route);
      if (!byMethod) byRoute.set(route, (byMethod = new Map()));
      let byStatus = byMethod.get(method);
      if (!byStatus) byMethod.set(method, (byStatus = new Map()));
      let series = byStatus.get(status);
      if (!series) {
        const labels = { method, route, status: String(status) };
        series = { labels, buckets: new Array<number>(bounds.length + 1).fill(0), sum: 0, count: 0 };
        byStatus.set(status, series);
        all.push(series);
      }
      let i = 0;
      while (i < bounds.length && seconds > bounds[i]!) i++;
      series.buckets[i]!++;
      series.sum += seconds;
      series.count++;
    },
    /** The histogram's samples as prom-client's Histogram gives them (cumulative buckets, +Inf, sum, count). */
    samples(name: string): Sample[] {
      const out: Sample[] = [];
      for (const s of all) {
        let cumulative = 0;
        bounds.forEach((le, i) => {
          cumulative += s.buckets[i]!;
          out.push({
            labels: { le, ...s.labels },
            value: cumulative,
            metricName: `${name}_bucket`,
            exemplar: null,
          });
        });
        out.push(
          {
            labels: { le: '+Inf', ...s.labels },
            value: s.count,
            metricName: `${name}_bucket`,
            exemplar: null,
          },
          { labels: { ...s.labels }, value: s.sum, metricName: `${name}_sum` },
          { labels: { ...s.labels }, value: s.count, metricName: `${name}_count` },
        );
      }
      return out;
    },
  };
}

/**
 * `xkeeper_http_requests_total` and `xkeeper_http_request_duration_seconds` on `registry`,
 * written from the series it returns (record each response there).
 */
export function registerRequestMetrics(registry: Registry) {
  const series = createRequestSeries();
  new Counter({
    name: 'xkeeper_http_requests_total',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const s of series.all) this.inc(s.labels, s.count);
    },
  });
  // A histogram prom-client writes out like its own (type, aggregation and samples alike).
  const name = 'xkeeper_http_request_duration_seconds';
  const help = 'HTTP request latency by method, route and status';
  const latency = {
    name,
    help,
    type: 'histogram',
    aggregator: 'sum',
    get: async () => ({ name, help, type: 'histogram', aggregator: 'sum', values: series.samples(name) }),
    reset: () => series.clear(),
  };
  registry.registerMetric(latency as unknown as Histogram);
  return series;
}

/** Registers the metrics, the request hook and the `/metrics` route. */
export function installMetrics(app: FastifyInstance, services: Services, health: HealthSource): void {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const stats = cached(() => services.reports.stats(), 1000);
  const coreStatus = cached(() => health.coreStatus(), 1000);
  const { nodes } = services;

  const series = registerRequestMetrics(registry);
  new Gauge({
    name: 'xkeeper_keys',
    help: 'VPN keys by status',
    labelNames: ['status'] as const,
    registers,
    collect() {
      for (const [status, n] of Object.entries(stats().keys_by_status)) this.set({ status }, n);
    },
  });
  new Gauge({
    name: 'xkeeper_keys_online',
    help: 'Keys that moved traffic in the last minutes',
    registers,
    collect() {
      this.set(stats().online_now);
    },
  });
  new Gauge({
    name: 'xkeeper_traffic_bytes',
    help: 'Traffic of all keys (UTC) by period and direction',
    labelNames: ['period', 'direction'] as const,
    registers,
    collect() {
      const s = stats();
      for (const [period, t] of [
        ['today', s.traffic_today],
        ['month', s.traffic_month],
      ] as const) {
        this.set({ period, direction: 'upload' }, t.upload_bytes);
        this.set({ period, direction: 'download' }, t.download_bytes);
      }
    },
  });
  new Gauge({
    name: 'xkeeper_traffic_collect_duration_seconds',
    help: 'Duration of the last traffic collection cycle',
    registers,
    collect() {
      const last = services.traffic.lastCollect();
      if (last) this.set(last.durationMs / 1000);
    },
  });
  new Gauge({
    name: 'xkeeper_core_up',
    help: '1 when the VPN core runs',
    registers,
    async collect() {
      this.set((await coreStatus()).running ? 1 : 0);
    },
  });
  // Per node. The local node's state is its core's; a remote node's, its worker's last pass.
  const isLocal = (node: Node) => node.transport === 'local';
  new Gauge({
    name: 'xkeeper_node_up',
    help: '1 when the node is enabled and answers',
    labelNames: ['node'] as const,
    registers,
    async collect() {
      this.reset();
      const local = (await coreStatus()).running;
      for (const node of nodes.list()) {
        const up = node.enabled && (isLocal(node) ? local : nodes.status(node) === 'up');
        this.set({ node: node.name }, up ? 1 : 0);
      }
    },
  });
  new Gauge({
    name: 'xkeeper_node_users',
    help: 'Users in the node’s core at its last check',
    labelNames: ['node'] as const,
    registers,
    async collect() {
      this.reset();
      const local = (await coreStatus()).users_in_core ?? null;
      for (const node of nodes.list()) {
        const users = isLocal(node) ? local : node.usersInCore;
        if (users !== null) this.set({ node: node.name }, users);
      }
    },
  });
  new Gauge({
    name: 'xkeeper_node_collect_duration_seconds',
    help: 'Duration of the node’s last traffic collection (its reading and its transaction)',
    labelNames: ['node'] as const,
    registers,
    collect() {
      this.reset();
      const last = services.traffic.lastCollectByNode();
      for (const node of nodes.list()) {
        const one = last.get(node.name);
        if (one) this.set({ node: node.name }, one.durationMs / 1000);
      }
    },
  });
  new Gauge({
    name: 'xkeeper_node_traffic_bytes',
    help: 'Traffic through the node (UTC, before its multiplier) by period and direction',
    labelNames: ['node', 'period', 'direction'] as const,
    registers,
    collect() {
      this.reset();
      for (const { node, traffic_today, traffic_month } of stats().nodes) {
        for (const [period, t] of [
          ['today', traffic_today],
          ['month', traffic_month],
        ] as const) {
          this.set({ node, period, direction: 'upload' }, t.upload_bytes);
          this.set({ node, period, direction: 'download' }, t.download_bytes);
        }
      }
    },
  });
  new Gauge({
    name: 'xkeeper_telegram_up',
    help: '1 when the bot reaches the Telegram Bot API',
    registers,
    collect() {
      this.set(telegramHealth(health) === 'ok' ? 1 : 0);
    },
  });

  // Not async: a callback hook costs the request no promise.
  app.addHook('onResponse', (request, reply, done) => {
    // The route pattern, never the raw URL: tokens and usernames stay out of label values.
    series.record(
      request.method,
      request.routeOptions.url ?? 'unmatched',
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
    done();
  });

  void app.register(async (scope) => {
    scope.get(
      '/metrics',
      {
        schema: publicSchema({
          summary: 'Prometheus metrics',
          tags: ['meta'],
          produces: { 'text/plain': 'Prometheus text format' },
        }),
      },
      async (_request, reply) =>
        reply.header('content-type', registry.contentType).send(await registry.metrics()),
    );
  });
}
