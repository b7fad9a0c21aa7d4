import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { LATENCY_BUCKETS, registerRequestMetrics } from '../../src/http/metrics.ts';

describe('request metrics', () => {
  it('are written out exactly as prom-client’s own counter and histogram write them', async () => {
    const labelNames = ['method', 'route', 'status'] as const;
    const reference = new Registry();
    const counter = new Counter({
      name: 'xkeeper_http_requests_total',
      help: 'HTTP requests by method, route and status',
      labelNames,
      registers: [reference],
    });
    const histogram = new Histogram({
      name: 'xkeeper_http_request_duration_seconds',
      help: 'HTTP request latency by method, route and status',
      labelNames,
      buckets: LATENCY_BUCKETS,
      registers: [reference],
    });
    const ours = new Registry();
    const series = registerRequestMetrics(ours);
    expect(await ours.metrics()).toBe(await reference.metrics());

    const requests: Array<[string, string, number, number]> = [
      ['GET', '/api/v1/users/:username', 200, 0.0004],
      ['GET', '/api/v1/users/:username', 200, 0.001],
      ['GET', '/api/v1/users/:username', 404, 0.0031],
      ['POST', '/api/v1/users', 201, 0.02],
      ['GET', 'unmatched', 404, 12],
      ['GET', '/sub/:token', 200, 0.25],
      ['GET', '/api/v1/users/:username', 200, 0.0099],
      ['GET', '/sub/:token', 200, 10],
      ['GET', '/sub/:token', 200, 0.1 + 0.2],
    ];
    for (const [method, route, status, seconds] of requests) {
      const labels = { method, route, status: String(status) };
      counter.inc(labels);
      histogram.observe(labels, seconds);
      series.record(method, route, status, seconds);
    }
    expect(await ours.metrics()).toBe(await reference.metrics());
    expect(await ours.getMetricsAsJSON()).toEqual(await reference.getMetricsAsJSON());

    ours.resetMetrics();
    reference.resetMetrics();
    expect(await ours.metrics()).toBe(await reference.metrics());
  });
});
