/** Usage and statistics: per user, per day and month, the server at a glance, the event log. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { KEY_STATUSES, SEVERITIES } from '../../services/model.ts';
import type { Services } from '../../services/index.ts';
import { utcDay } from '../../services/traffic.service.ts';
import { apiSchema } from '../openapi.ts';
import {
  Day,
  DayTrafficSchema,
  EventSchema,
  MonthTrafficSchema,
  PageQuery,
  pageOf,
  TrafficSchema,
  UsernameParams,
  YearMonth,
} from '../schemas.ts';

const UserTraffic = z.object({
  username: z.string(),
  upload_bytes: z.number(),
  download_bytes: z.number(),
  used_bytes: z.number(),
  lifetime_used_bytes: z.number(),
  traffic_limit_bytes: z.number().nullable(),
  today: TrafficSchema,
  month: TrafficSchema,
  nodes: z
    .array(TrafficSchema.extend({ node: z.string() }))
    .describe('lifetime bytes charged on each node the key is on (its traffic multiplier applied)'),
});

const Stats = z.object({
  keys_by_status: z.record(z.enum(KEY_STATUSES), z.number()),
  total_keys: z.number(),
  online_now: z.number(),
  traffic_today: TrafficSchema,
  traffic_month: TrafficSchema,
  top_keys: z.array(TrafficSchema.extend({ username: z.string() })),
  nodes: z
    .array(z.object({ node: z.string(), traffic_today: TrafficSchema, traffic_month: TrafficSchema }))
    .describe('bytes through each node today and this month (UTC), before its traffic multiplier'),
});

const MonthQuery = z.object({ year_month: YearMonth.optional().describe('default: this month (UTC)') });

export function statsRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { keys, reports } = services;
  const today = () => utcDay(services.clock.now());

  r.get(
    '/users/:username/traffic',
    {
      schema: apiSchema('stats:read', {
        summary: 'Traffic of a user: this period, today, this month, lifetime, per node',
        tags: ['traffic'],
        params: UsernameParams,
        response: { 200: UserTraffic },
      }),
    },
    async (request) => {
      const key = keys.get(request.params.username);
      const usage = reports.keyUsage(key.id);
      return {
        username: key.name,
        upload_bytes: key.uploadBytes,
        download_bytes: key.downloadBytes,
        used_bytes: key.uploadBytes + key.downloadBytes,
        lifetime_used_bytes: key.lifetimeUsedBytes,
        traffic_limit_bytes: key.trafficLimitBytes,
        today: usage.today,
        month: usage.month,
        nodes: services.nodes
          .trafficOfKey(key.id)
          .map((t) => ({ node: t.node, upload_bytes: t.upload, download_bytes: t.download })),
      };
    },
  );

  r.get(
    '/users/:username/traffic/daily',
    {
      schema: apiSchema('stats:read', {
        summary: 'Traffic of a user per day (UTC), at most 366 days',
        tags: ['traffic'],
        params: UsernameParams,
        querystring: z.object({
          from: Day.optional().describe('default: 29 days before `to`'),
          to: Day.optional().describe('default: today'),
        }),
        response: {
          200: z.object({
            username: z.string(),
            from: z.string(),
            to: z.string(),
            days: z.array(DayTrafficSchema),
          }),
        },
      }),
    },
    async (request) => {
      const key = keys.get(request.params.username);
      const to = request.query.to ?? today();
      const from = request.query.from ?? utcDay(new Date(Date.parse(`${to}T00:00:00Z`) - 29 * 86_400_000));
      return { username: key.name, from, to, days: reports.keyDaily(key.id, from, to) };
    },
  );

  r.get(
    '/users/:username/traffic/monthly',
    {
      schema: apiSchema('stats:read', {
        summary: 'Traffic of a user in one month, by day',
        tags: ['traffic'],
        params: UsernameParams,
        querystring: MonthQuery,
        response: { 200: MonthTrafficSchema.extend({ username: z.string() }) },
      }),
    },
    async (request) => {
      const key = keys.get(request.params.username);
      const month = request.query.year_month ?? today().slice(0, 7);
      return { username: key.name, ...reports.keyMonth(key.id, month) };
    },
  );

  r.get(
    '/stats',
    {
      schema: apiSchema('stats:read', {
        summary: 'The server at a glance',
        tags: ['traffic'],
        response: { 200: Stats },
      }),
    },
    async () => reports.stats(),
  );

  r.get(
    '/traffic/daily/:date',
    {
      schema: apiSchema('stats:read', {
        summary: 'Traffic of the server on one day (UTC), with each user’s share',
        tags: ['traffic'],
        params: z.object({ date: Day }),
        response: {
          200: DayTrafficSchema.extend({ keys: z.array(TrafficSchema.extend({ username: z.string() })) }),
        },
      }),
    },
    async (request) => reports.serverDaily(request.params.date),
  );

  r.get(
    '/traffic/monthly',
    {
      schema: apiSchema('stats:read', {
        summary: 'Traffic of the server in one month, by day',
        tags: ['traffic'],
        querystring: MonthQuery,
        response: { 200: MonthTrafficSchema },
      }),
    },
    async (request) => reports.serverMonth(request.query.year_month ?? today().slice(0, 7)),
  );

  r.get(
    '/events',
    {
      schema: apiSchema('stats:read', {
        summary: 'The event log, newest first',
        tags: ['traffic'],
        querystring: PageQuery.extend({
          type: z.string().max(100).optional().describe('e.g. key.created'),
          severity: z.enum(SEVERITIES).optional(),
        }),
        response: { 200: pageOf(EventSchema) },
      }),
    },
    async (request) => {
      const q = request.query;
      const page = services.events.list({
        type: q.type,
        severity: q.severity,
        page: q.page,
        perPage: q.per_page,
      });
      return {
        items: page.items.map((e) => ({ ...e, at: e.at.toISOString() })),
        total: page.total,
        page: page.page,
        per_page: page.perPage,
      };
    },
  );
}
