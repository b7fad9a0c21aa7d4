/** Zod schemas shared by the API routes; they validate requests and generate the OpenAPI document. */
import { z } from 'zod';
import { KEY_STATUSES, RESET_STRATEGIES, SEVERITIES } from '../services/model.ts';

const isoDate = z.iso.datetime({ offset: true });

/** A user (VPN key) as CONTRACT.md describes it. */
export const UserSchema = z
  .object({
    username: z.string(),
    uuid: z.string(),
    status: z.enum(KEY_STATUSES),
    traffic_limit_bytes: z.number().int().nullable().describe('null = unlimited'),
    used_bytes: z.number().int().describe('upload + download of the current period'),
    upload_bytes: z.number().int(),
    download_bytes: z.number().int(),
    lifetime_used_bytes: z.number().int(),
    expire_at: isoDate.nullable(),
    on_hold_duration_seconds: z.number().int().nullable(),
    on_hold_deadline: isoDate.nullable(),
    reset_strategy: z.enum(RESET_STRATEGIES),
    last_reset_at: isoDate.nullable(),
    telegram_id: z.number().int().nullable(),
    note: z.string().nullable(),
    created_at: isoDate,
    online_at: isoDate.nullable(),
    first_connected_at: isoDate.nullable(),
    subscription_url: z.string(),
    links: z.array(z.string()),
  })
  .meta({ id: 'User' });

/** Every error: `{ error: { code, message, details? } }`. */
export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().describe('from the error registry, e.g. KEY_NOT_FOUND'),
      message: z.string(),
      details: z.unknown().optional(),
    }),
  })
  .meta({ id: 'Error' });

export const UsernameParams = z.object({ username: z.string().min(1).max(64) });
export const IdParams = z.object({ id: z.coerce.number().int().positive() });

export const PageQuery = z.object({
  page: z.coerce.number().int().min(1).max(1_000_000).default(1),
  per_page: z.coerce.number().int().min(1).max(500).default(20),
});

/** `{ items, total, page, per_page }` of `item`. */
export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({
    items: z.array(item),
    total: z.number().int(),
    page: z.number().int(),
    per_page: z.number().int(),
  });
}

export const TrafficSchema = z.object({ upload_bytes: z.number(), download_bytes: z.number() });
export const DayTrafficSchema = TrafficSchema.extend({ day: z.string() });
export const MonthTrafficSchema = TrafficSchema.extend({
  year_month: z.string(),
  days: z.array(DayTrafficSchema),
});

export const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD');
export const YearMonth = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'a month as YYYY-MM');

export const EventSchema = z.object({
  id: z.number().int(),
  at: isoDate,
  type: z.string(),
  severity: z.enum(SEVERITIES),
  actor: z.string().nullable(),
  subject: z.string().nullable(),
  data: z.record(z.string(), z.unknown()).nullable(),
});

/** One page of a list held in memory, in the `{ items, total, page, per_page }` shape. */
export function pageSlice<T>(all: T[], { page, per_page }: { page: number; per_page: number }) {
  return { items: all.slice((page - 1) * per_page, page * per_page), total: all.length, page, per_page };
}
