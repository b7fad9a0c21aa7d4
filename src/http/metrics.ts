/**
 * `GET /metrics` (Prometheus): HTTP requests by route and status with a latency histogram,
 * keys by status, traffic today and this month, keys online, whether the core is up, plus
 * the process metrics. Domain figures are read from the services when scraped.
 */
import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Services } from '../services/index.ts';
import { publicSchema } from './openapi.ts';
import type { HealthSource } from './routes/health.ts';

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

/** Registers the metrics, the request hook and the `/metrics` route. */
export function installMetrics(app: FastifyInstance, services: Services, health: HealthSource): void {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const stats = cached(() => services.reports.stats(), 1000);

  const requests = new Counter({
    name: 'xkeeper_http_requests_total',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers,
  });
  const latency = new Histogram({
    name: 'xkeeper_http_request_duration_seconds',
    help: 'HTTP request latency by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers,
  });
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
      this.set((await health.coreStatus()).running ? 1 : 0);
    },
  });

  app.addHook('onResponse', async (request, reply) => {
    // The route pattern, never the raw URL: tokens and usernames stay out of label values.
    const labels = {
      method: request.method,
      route: request.routeOptions.url ?? 'unmatched',
      status: String(reply.statusCode),
    };
    requests.inc(labels);
    latency.observe(labels, reply.elapsedTime / 1000);
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
