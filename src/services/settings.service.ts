/**
 * Settings kept in the DB (so backups carry them), each with a default taken from the
 * environment or the house rules. Values are JSON.
 */
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Config } from '../config.ts';
import type { Db } from '../db/client.ts';
import { settings } from '../db/schema.ts';
import type { Clock } from './clock.ts';
import { AppError } from './errors.ts';

/** Every setting with its schema. */
export const SETTING_SCHEMAS = {
  keyRequestPolicy: z.enum(['open', 'approval', 'closed']),
  maxKeysPerUser: z.number().int().min(0).max(1000),
  /**
   * Days in which a person gets at most `maxKeysPerUser` self-service keys, deleted ones
   * counted, so deleting a key and asking again does not bring a fresh quota and expiry.
   */
  selfServiceWindowDays: z.number().int().min(1).max(3650),
  defaultKeyDays: z.number().min(0).max(36500),
  defaultKeyTrafficGb: z.number().min(0),
  /** Percent of quota at which the owner hears (each once per period). */
  quotaNoticePercents: z.array(z.number().int().min(1).max(100)).max(5),
  /** Days before expiry at which the owner hears (each once per expiry). */
  expiryNoticeDays: z.array(z.number().int().min(1).max(60)).max(5),
  /** Hours after creation before a never-connected key gets a reminder (0 = never). */
  neverConnectedHours: z
    .number()
    .int()
    .min(0)
    .max(24 * 30),
  supportContact: z.string().max(200),
  /** Shown by VPN apps from the subscription's `announce` header (≤ 200 characters; empty = none). */
  subscriptionAnnounce: z.string().max(200),
  /** Minutes a node may be down before subscriptions stop listing it (0 = as soon as it is down). */
  hideDownNodeMinutes: z
    .number()
    .int()
    .min(0)
    .max(7 * 24 * 60),
  /** Minutes an unpaid order (and the promo code use it holds) lives before it expires. */
  orderLifetimeMinutes: z
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 60),
  /** Days of per-day usage rows kept. */
  usageRetentionDays: z.number().int().min(30).max(3650),
  /** Archives kept by the scheduled backup. */
  backupsKept: z.number().int().min(1).max(365),
  /**
   * Whether admins who are not owners may take `/backup`: an archive holds the REALITY
   * private key, every subscription token and the webhook secrets. Only owners change it.
   */
  backupsForAdmins: z.boolean(),
  /** Outgoing webhooks: where events go, and the secret that signs them. */
  webhookUrls: z.array(z.url({ protocol: /^https?$/ })).max(10),
  webhookSecret: z.string().min(16).max(200),
  /** Keys first connected up to this instant (ms) have had their `user.first_connected` event. */
  firstConnectedWatermark: z.number().min(0),
} as const;

export type SettingName = keyof typeof SETTING_SCHEMAS;
export type SettingValue<K extends SettingName> = z.infer<(typeof SETTING_SCHEMAS)[K]>;

export function createSettingsService(deps: { db: Db; clock: Clock; config: Readonly<Config> }) {
  const { db, clock, config } = deps;
  const defaults: Partial<{ [K in SettingName]: SettingValue<K> }> = {
    keyRequestPolicy: config.KEY_REQUEST_POLICY,
    maxKeysPerUser: config.MAX_KEYS_PER_USER,
    selfServiceWindowDays: 30,
    defaultKeyDays: config.DEFAULT_KEY_DAYS,
    defaultKeyTrafficGb: config.DEFAULT_KEY_TRAFFIC_GB,
    quotaNoticePercents: [80, 100],
    expiryNoticeDays: [3, 1],
    neverConnectedHours: 24,
    supportContact: '',
    subscriptionAnnounce: '',
    hideDownNodeMinutes: 10,
    orderLifetimeMinutes: 60,
    usageRetentionDays: 400,
    backupsKept: 7,
    backupsForAdmins: false,
    webhookUrls: [],
    firstConnectedWatermark: 0,
  };

  // Read on every subscription poll: kept in memory, refreshed on set (and after a restore).
  const cache = new Map<SettingName, unknown>();

  function read<K extends SettingName>(name: K): SettingValue<K> | undefined {
    if (cache.has(name)) return cache.get(name) as SettingValue<K> | undefined;
    const value = load(name);
    cache.set(name, value);
    return value;
  }

  function load<K extends SettingName>(name: K): SettingValue<K> | undefined {
    const row = db.select().from(settings).where(eq(settings.key, name)).get();
    if (!row) return defaults[name] as SettingValue<K> | undefined;
    const parsed = SETTING_SCHEMAS[name].safeParse(row.value);
    return parsed.success
      ? (parsed.data as SettingValue<K>)
      : (defaults[name] as SettingValue<K> | undefined);
  }

  return {
    /** The stored value, else the default; undefined for settings without one. */
    get: read,

    /** Like get, but the setting must have a value. */
    require<K extends SettingName>(name: K): SettingValue<K> {
      const value = read(name);
      if (value === undefined) throw new AppError('INTERNAL', `setting ${name} has no value`);
      return value;
    },

    /** Validates and stores a value. */
    set<K extends SettingName>(name: K, value: SettingValue<K>): void {
      const parsed = SETTING_SCHEMAS[name].safeParse(value);
      if (!parsed.success) {
        throw new AppError(
          'VALIDATION_FAILED',
          `${name}: ${parsed.error.issues.map((i) => i.message).join('; ')}`,
        );
      }
      db.insert(settings)
        .values({ key: name, value: parsed.data, updatedAt: clock.now() })
        .onConflictDoUpdate({ target: settings.key, set: { value: parsed.data, updatedAt: clock.now() } })
        .run();
      cache.set(name, parsed.data);
    },

    /** Drops the cache (after a restore replaced the table). */
    forget() {
      cache.clear();
    },
  };
}

export type SettingsService = ReturnType<typeof createSettingsService>;
