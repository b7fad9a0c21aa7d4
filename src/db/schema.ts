/**
 * The data model. One file, column helpers at the top; drizzle-kit generates the
 * migrations in `drizzle/` from it (`npm run db:generate`), never edited by hand.
 */
import { sql } from 'drizzle-orm';
import {
  blob,
  index,
  integer,
  primaryKey,
  real,
  sqliteTable,
  text,
  uniqueIndex,
} from 'drizzle-orm/sqlite-core';

/** Milliseconds since the epoch, read as a Date. */
const timestamp = (name: string) => integer(name, { mode: 'timestamp_ms' });
const createdAt = () =>
  timestamp('created_at')
    .notNull()
    .default(sql`(unixepoch('subsec') * 1000)`);
const updatedAt = () =>
  timestamp('updated_at')
    .notNull()
    .default(sql`(unixepoch('subsec') * 1000)`);
const flag = (name: string) => integer(name, { mode: 'boolean' });
const bytes = (name: string) => integer(name).notNull().default(0);
const json = <T>(name: string) => text(name, { mode: 'json' }).$type<T>();

export const ROLES = ['owner', 'admin', 'user'] as const;
export type Role = (typeof ROLES)[number];

export const KEY_STATUSES = ['active', 'disabled', 'limited', 'expired', 'on_hold'] as const;
export type KeyStatus = (typeof KEY_STATUSES)[number];

export const RESET_STRATEGIES = ['no_reset', 'day', 'week', 'month', 'year', 'calendar_month'] as const;
export type ResetStrategy = (typeof RESET_STRATEGIES)[number];

export const SEVERITIES = ['debug', 'info', 'warning', 'error', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const ORDER_STATES = ['created', 'paid', 'applied', 'failed', 'refunded', 'expired'] as const;
export type OrderState = (typeof ORDER_STATES)[number];

/** People who talked to the bot (or were named as a key's owner). */
export const telegramUsers = sqliteTable('telegram_users', {
  id: integer('id').primaryKey(), // Telegram user id
  username: text('username'),
  firstName: text('first_name'),
  lastName: text('last_name'),
  /** Language Telegram reports; `language` is what the user picked with /lang. */
  languageCode: text('language_code'),
  language: text('language'),
  role: text('role', { enum: ROLES }).notNull().default('user'),
  banned: flag('banned').notNull().default(false),
  /** False once Telegram answered 403 (the user blocked the bot). */
  reachable: flag('reachable').notNull().default(true),
  /** When the user took the trial plan (once per person). */
  trialUsedAt: timestamp('trial_used_at'),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

/** VPN accounts. `name` is the core's email and unique case-insensitively. */
export const keys = sqliteTable(
  'keys',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    name: text('name').notNull(),
    uuid: text('uuid').notNull(),
    status: text('status', { enum: KEY_STATUSES }).notNull().default('active'),
    /** null = unlimited. */
    trafficLimitBytes: integer('traffic_limit_bytes'),
    /** Usage of the current period (since the last reset). */
    uploadBytes: bytes('upload_bytes'),
    downloadBytes: bytes('download_bytes'),
    lifetimeUsedBytes: bytes('lifetime_used_bytes'),
    expireAt: timestamp('expire_at'),
    /** on_hold: the key's duration, counted from activation. */
    onHoldDurationSeconds: integer('on_hold_duration_seconds'),
    /** on_hold: the key activates at this instant even without traffic. */
    onHoldDeadline: timestamp('on_hold_deadline'),
    resetStrategy: text('reset_strategy', { enum: RESET_STRATEGIES }).notNull().default('no_reset'),
    lastResetAt: timestamp('last_reset_at'),
    ownerTelegramId: integer('owner_telegram_id'),
    note: text('note'),
    subToken: text('sub_token').notNull(),
    createdBy: text('created_by'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    onlineAt: timestamp('online_at'),
    firstConnectedAt: timestamp('first_connected_at'),
  },
  (t) => [
    uniqueIndex('keys_name_nocase').on(sql`lower(${t.name})`),
    uniqueIndex('keys_uuid').on(t.uuid),
    uniqueIndex('keys_sub_token').on(t.subToken),
    index('keys_owner').on(t.ownerTelegramId),
    index('keys_status').on(t.status),
    index('keys_first_connected').on(t.firstConnectedAt),
    // Just the ids, newest first: a list page skips its OFFSET rows in this narrow index, not
    // in the table (at 100k keys ~30 MB of rows, which also pushed everything else out of
    // SQLite's page cache).
    index('keys_by_id').on(t.id),
  ],
);

/** Traffic of one key on one UTC day. */
export const keyUsageDaily = sqliteTable(
  'key_usage_daily',
  {
    keyId: integer('key_id')
      .notNull()
      .references(() => keys.id, { onDelete: 'cascade' }),
    day: text('day').notNull(), // YYYY-MM-DD (UTC)
    uploadBytes: bytes('upload_bytes'),
    downloadBytes: bytes('download_bytes'),
  },
  (t) => [primaryKey({ columns: [t.keyId, t.day] }), index('key_usage_daily_day').on(t.day)],
);

/**
 * The last value read of each core counter, so collection reads without reset and
 * stays crash-safe. Keyed by core id (the local core is `local`) and counter name.
 * Superseded by `core_counter_sets`: read once for a core that has no set yet, then emptied.
 */
export const coreCounters = sqliteTable(
  'core_counters',
  {
    coreId: text('core_id').notNull(),
    name: text('name').notNull(),
    value: integer('value').notNull().default(0),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.coreId, t.name] })],
);

/**
 * Every counter baseline of one core in ONE row, rewritten whole by each collection in the
 * transaction of its deltas: a blob per cycle instead of an upsert per counter (two per key).
 * `users`: the core's user names in slot order (JSON array, rewritten only when it grows);
 * `counters`: float64 little-endian, two per user (downlink, uplink), NaN while none was read.
 */
export const coreCounterSets = sqliteTable('core_counter_sets', {
  coreId: text('core_id').primaryKey(),
  users: text('users').notNull(),
  counters: blob('counters', { mode: 'buffer' }).notNull(),
  /** The core's uptime at the last collection, and when it was read (real time, ms). */
  uptimeSeconds: real('uptime_seconds'),
  uptimeReadAt: integer('uptime_read_at'),
  updatedAt: updatedAt(),
});

export const NODE_TRANSPORTS = ['local', 'ssh', 'direct'] as const;
export type NodeTransport = (typeof NODE_TRANSPORTS)[number];

export const NODE_HEALTH = ['unknown', 'up', 'down'] as const;
export type NodeHealth = (typeof NODE_HEALTH)[number];

/**
 * VPN servers (nodes). The local core is the row named `local`, made by the `nodes` migration
 * from the REALITY settings of earlier versions. Null address/port/SNI/target on `local` mean
 * "from the environment" (VLESS_HOST, VLESS_PORT, REALITY_SNI, REALITY_TARGET) as before.
 * Names are immutable: they key the counter baselines (`core_counters.core_id`).
 */
export const nodes = sqliteTable(
  'nodes',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    name: text('name').notNull(),
    /** Shown to users (e.g. "🇩🇪 Frankfurt"); null: the name. */
    displayName: text('display_name'),
    /** Public address and VLESS port written into links. */
    address: text('address'),
    port: integer('port'),
    sni: text('sni'),
    /** REALITY target "host:port". */
    target: text('target'),
    /** The node's own REALITY key pair (X25519, unpadded base64url); null until generated. */
    realityPrivateKey: text('reality_private_key'),
    realityShortIds: json<string[]>('reality_short_ids').notNull().default([]),
    transport: text('transport', { enum: NODE_TRANSPORTS }).notNull(),
    /** ssh: how xkeeper logs in, and the host key pinned at `node add` (`SHA256:…`). */
    sshUser: text('ssh_user'),
    sshHost: text('ssh_host'),
    sshPort: integer('ssh_port'),
    sshHostKey: text('ssh_host_key'),
    /** ssh: the node's directory (config, pid file) and its core binary. */
    remoteDir: text('remote_dir'),
    coreBin: text('core_bin'),
    /** ssh: the core's API port on the node's loopback. */
    apiPort: integer('api_port'),
    /** ssh: the node's core as provisioning found it (`coreBin` is its binary, `coreVersion` its version). */
    coreFlavor: text('core_flavor', { enum: ['xray', 'v2fly'] }),
    /** ssh: how the core runs on the node: a systemd unit, or a detached process xkeeper watches. */
    coreMode: text('core_mode', { enum: ['systemd', 'detached'] }),
    /** direct: "HOST:PORT" of a core API reachable without SSH. */
    directAddress: text('direct_address'),
    enabled: flag('enabled').notNull().default(true),
    /** Traffic on this node counts this many times against a key's quota. */
    trafficMultiplier: real('traffic_multiplier').notNull().default(1),
    /** Order in lists and subscriptions (local first: 0). */
    position: integer('position').notNull().default(0),
    // Health, written by the node's worker.
    health: text('health', { enum: NODE_HEALTH }).notNull().default('unknown'),
    healthSince: timestamp('health_since'),
    /** Failed cycles in a row. */
    failures: integer('failures').notNull().default(0),
    lastError: text('last_error'),
    lastSeenAt: timestamp('last_seen_at'),
    rttMs: integer('rtt_ms'),
    coreVersion: text('core_version'),
    uptimeSeconds: integer('uptime_seconds'),
    usersInCore: integer('users_in_core'),
    memoryBytes: integer('memory_bytes'),
    /** CPU use of the node in percent, when its transport can tell (ssh). */
    cpuPercent: real('cpu_percent'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('nodes_name_nocase').on(sql`lower(${t.name})`)],
);

/**
 * Which node serves which key. Every key is on every node today (the keys service adds a new
 * key to every node, the nodes service every key to a new node); `enabled` says whether a node
 * serves now.
 * `upload/download_bytes`: what the key was charged on this node, lifetime, up to migration 0012;
 * since then its charges add up in `node_key_charges` (the reader sums both).
 */
export const keyNodes = sqliteTable(
  'key_nodes',
  {
    keyId: integer('key_id')
      .notNull()
      .references(() => keys.id, { onDelete: 'cascade' }),
    nodeId: integer('node_id')
      .notNull()
      .references(() => nodes.id, { onDelete: 'cascade' }),
    uploadBytes: bytes('upload_bytes'),
    downloadBytes: bytes('download_bytes'),
  },
  (t) => [primaryKey({ columns: [t.keyId, t.nodeId] }), index('key_nodes_node').on(t.nodeId)],
);

/**
 * What every key was charged on one node (lifetime, the node's multiplier applied) since
 * migration 0012, in ONE row per node rewritten by each collection in the transaction of its
 * deltas: an UPDATE of a `key_nodes` row per key per node per cycle cost more than the rest
 * of a node's charge. `charged`: float64 little-endian triples (key id, upload, download).
 */
export const nodeKeyCharges = sqliteTable('node_key_charges', {
  nodeId: integer('node_id')
    .primaryKey()
    .references(() => nodes.id, { onDelete: 'cascade' }),
  charged: blob('charged', { mode: 'buffer' }).notNull(),
  updatedAt: updatedAt(),
});

/**
 * What each node holds as far as xkeeper applied it: user name (the core's email) and UUID.
 * Written in the same step as the change reaches the node; a worker sends desired − applied.
 * Not tied to `keys`: a deleted key stays here until the node has dropped it.
 */
export const nodeUsers = sqliteTable(
  'node_users',
  {
    nodeId: integer('node_id')
      .notNull()
      .references(() => nodes.id, { onDelete: 'cascade' }),
    /** Lower-cased: the core matches emails case-insensitively. */
    nameKey: text('name_key').notNull(),
    name: text('name').notNull(),
    uuid: text('uuid').notNull(),
  },
  (t) => [primaryKey({ columns: [t.nodeId, t.nameKey] })],
);

/** Traffic through one node on one UTC day (raw bytes, before the multiplier). */
export const nodeUsageDaily = sqliteTable(
  'node_usage_daily',
  {
    nodeId: integer('node_id')
      .notNull()
      .references(() => nodes.id, { onDelete: 'cascade' }),
    day: text('day').notNull(),
    uploadBytes: bytes('upload_bytes'),
    downloadBytes: bytes('download_bytes'),
  },
  (t) => [primaryKey({ columns: [t.nodeId, t.day] })],
);

/** Key/value settings (policies, thresholds), values as JSON. REALITY lives in each node's row. */
export const settings = sqliteTable('settings', {
  key: text('key').primaryKey(),
  value: json<unknown>('value').notNull(),
  updatedAt: updatedAt(),
});

/** Keys of the HTTP API. Only the SHA-256 of a key is stored. */
export const apiKeys = sqliteTable(
  'api_keys',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    name: text('name').notNull(),
    keyHash: text('key_hash').notNull(),
    prefix: text('prefix').notNull(),
    scopes: json<string[]>('scopes').notNull(),
    rateLimitPerMinute: integer('rate_limit_per_minute').notNull().default(120),
    rateLimitPerHour: integer('rate_limit_per_hour').notNull().default(3600),
    allowedIps: json<string[]>('allowed_ips').notNull().default([]),
    active: flag('active').notNull().default(true),
    revokedAt: timestamp('revoked_at'),
    expireAt: timestamp('expire_at'),
    lastUsedAt: timestamp('last_used_at'),
    totalRequests: integer('total_requests').notNull().default(0),
    createdBy: text('created_by'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('api_keys_hash').on(t.keyHash)],
);

/** What happened: key changes, core incidents, refusals. */
export const events = sqliteTable(
  'events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    at: createdAt(),
    type: text('type').notNull(),
    severity: text('severity', { enum: SEVERITIES }).notNull().default('info'),
    actor: text('actor'),
    subject: text('subject'),
    data: json<Record<string, unknown>>('data'),
  },
  (t) => [index('events_at').on(t.at), index('events_type').on(t.type, t.at)],
);

/** Side effects written with the change that causes them; a worker delivers them. */
export const outbox = sqliteTable(
  'outbox',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    kind: text('kind').notNull(),
    payload: json<Record<string, unknown>>('payload').notNull(),
    /** Optional: a second row with the same key is not queued while one is pending. */
    dedupeKey: text('dedupe_key'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at')
      .notNull()
      .default(sql`(unixepoch('subsec') * 1000)`),
    deliveredAt: timestamp('delivered_at'),
    failedAt: timestamp('failed_at'),
    lastError: text('last_error'),
    createdAt: createdAt(),
  },
  (t) => [
    index('outbox_due').on(t.deliveredAt, t.failedAt, t.nextAttemptAt),
    // The worker reads each kind's due rows on its own (see outbox.service.ts).
    index('outbox_kind_due').on(t.kind, t.deliveredAt, t.failedAt, t.nextAttemptAt),
    uniqueIndex('outbox_dedupe').on(t.dedupeKey),
  ],
);

/** What can be bought. */
export const plans = sqliteTable('plans', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  name: text('name').notNull(),
  days: integer('days').notNull(),
  trafficGb: integer('traffic_gb'),
  priceStars: integer('price_stars'),
  /** Price per provider currency, e.g. {"RUB": 19900, "USD": 299} in minor units. */
  prices: json<Record<string, number>>('prices').notNull().default({}),
  isTrial: flag('is_trial').notNull().default(false),
  active: flag('active').notNull().default(true),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

/** Orders and the payments that settle them; a provider payment is applied once. */
export const orders = sqliteTable(
  'orders',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    telegramId: integer('telegram_id'),
    keyId: integer('key_id').references(() => keys.id, { onDelete: 'set null' }),
    planId: integer('plan_id').references(() => plans.id, { onDelete: 'set null' }),
    provider: text('provider').notNull(),
    providerPaymentId: text('provider_payment_id'),
    /** The payer's own order reference (the generic webhook's string `order_id`), when given. */
    externalRef: text('external_ref'),
    amount: integer('amount').notNull(),
    currency: text('currency').notNull(),
    state: text('state', { enum: ORDER_STATES }).notNull().default('created'),
    data: json<Record<string, unknown>>('data'),
    createdAt: createdAt(),
    /** An unpaid order past this instant is expired (null: made already paid, by a webhook). */
    expiresAt: timestamp('expires_at'),
    paidAt: timestamp('paid_at'),
    appliedAt: timestamp('applied_at'),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('orders_provider_payment').on(t.provider, t.providerPaymentId),
    index('orders_state_expires').on(t.state, t.expiresAt),
  ],
);

export const PROMO_KINDS = ['percent', 'fixed', 'days'] as const;
export type PromoKind = (typeof PROMO_KINDS)[number];

/** Promo codes: a percent or fixed discount, or extra days; limited uses and expiry. */
export const promoCodes = sqliteTable(
  'promo_codes',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    code: text('code').notNull(),
    kind: text('kind', { enum: PROMO_KINDS }).notNull(),
    /** Percent (1–100), an amount in minor units / Stars, or days. */
    value: integer('value').notNull(),
    maxUses: integer('max_uses'),
    uses: integer('uses').notNull().default(0),
    expireAt: timestamp('expire_at'),
    active: flag('active').notNull().default(true),
    createdBy: text('created_by'),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('promo_codes_code_nocase').on(sql`lower(${t.code})`)],
);

export const REDEMPTION_STATES = ['reserved', 'used'] as const;

/**
 * A person's use of a promo code: reserved by an open order (counted against max_uses),
 * used once that order is paid; a reservation goes when its order expires or fails. One per
 * person and code.
 */
export const promoRedemptions = sqliteTable(
  'promo_redemptions',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    promoId: integer('promo_id')
      .notNull()
      .references(() => promoCodes.id, { onDelete: 'cascade' }),
    telegramId: integer('telegram_id').notNull(),
    orderId: integer('order_id')
      .notNull()
      .references(() => orders.id, { onDelete: 'cascade' }),
    state: text('state', { enum: REDEMPTION_STATES }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('promo_redemptions_person').on(t.promoId, t.telegramId),
    uniqueIndex('promo_redemptions_order').on(t.orderId),
  ],
);

export const REQUEST_STATES = ['pending', 'approved', 'rejected', 'cancelled'] as const;
export type RequestState = (typeof REQUEST_STATES)[number];

/** Self-service key requests waiting for (or decided by) an admin. */
export const keyRequests = sqliteTable(
  'key_requests',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    telegramId: integer('telegram_id').notNull(),
    state: text('state', { enum: REQUEST_STATES }).notNull().default('pending'),
    keyId: integer('key_id').references(() => keys.id, { onDelete: 'set null' }),
    decidedBy: integer('decided_by'),
    decidedAt: timestamp('decided_at'),
    createdAt: createdAt(),
  },
  (t) => [index('key_requests_state').on(t.state, t.telegramId)],
);

/** Invite codes admins hand out as deep links (`/start CODE`): a key without approval. */
export const invites = sqliteTable(
  'invites',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    code: text('code').notNull(),
    /** null = unlimited uses. */
    maxUses: integer('max_uses'),
    uses: integer('uses').notNull().default(0),
    trafficGb: real('traffic_gb'),
    days: real('days'),
    expireAt: timestamp('expire_at'),
    active: flag('active').notNull().default(true),
    createdBy: integer('created_by'),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('invites_code').on(t.code)],
);

export const BROADCAST_AUDIENCES = ['all', 'active', 'expired'] as const;
export type BroadcastAudience = (typeof BROADCAST_AUDIENCES)[number];

/** Broadcasts and their progress, so a restart can tell what was sent. */
export const broadcasts = sqliteTable('broadcasts', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  audience: text('audience', { enum: BROADCAST_AUDIENCES }).notNull(),
  text: text('text'),
  /** Telegram message entities of the text (bold, links…), as the admin sent them. */
  entities: text('entities', { mode: 'json' }).$type<unknown[]>(),
  photoFileId: text('photo_file_id'),
  /** The admin's progress message, edited as it goes (and again after a restart). */
  progressChatId: integer('progress_chat_id'),
  progressMessageId: integer('progress_message_id'),
  /** The last recipient counted, in id order: a restart goes on after them. */
  lastRecipientId: integer('last_recipient_id'),
  state: text('state', { enum: ['running', 'done', 'cancelled'] })
    .notNull()
    .default('running'),
  total: integer('total').notNull().default(0),
  sent: integer('sent').notNull().default(0),
  blocked: integer('blocked').notNull().default(0),
  failed: integer('failed').notNull().default(0),
  createdBy: integer('created_by'),
  createdAt: createdAt(),
  finishedAt: timestamp('finished_at'),
});

/** grammY session and conversation storage. */
export const botSessions = sqliteTable('bot_sessions', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
  updatedAt: updatedAt(),
});

export type TelegramUser = typeof telegramUsers.$inferSelect;
export type Key = typeof keys.$inferSelect;
export type NewKey = typeof keys.$inferInsert;
export type ApiKey = typeof apiKeys.$inferSelect;
export type Event = typeof events.$inferSelect;
export type OutboxRow = typeof outbox.$inferSelect;
export type Node = typeof nodes.$inferSelect;
export type NewNode = typeof nodes.$inferInsert;
