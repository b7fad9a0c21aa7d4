/**
 * The data model's row types and value lists as the outer layers (bot, HTTP) see them:
 * they import these from services, never from db/ (a lint rule holds them to it).
 */
export {
  BROADCAST_AUDIENCES,
  KEY_STATUSES,
  PROMO_KINDS,
  RESET_STRATEGIES,
  SEVERITIES,
  type ApiKey,
  type BroadcastAudience,
  type Event,
  type Key,
  type KeyStatus,
  type PromoKind,
  type Role,
  type Severity,
  type TelegramUser,
} from '../db/schema.ts';
