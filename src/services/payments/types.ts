/** The nouns of payments (plans, promo codes, orders) and what their modules share. */
import type { Db } from '../../db/client.ts';
import type { orders, plans, promoCodes, promoRedemptions, Key } from '../../db/schema.ts';
import type { AdminsService } from '../admins.service.ts';
import type { Clock } from '../clock.ts';
import type { EventsService } from '../events.service.ts';
import type { KeysService } from '../keys.service.ts';
import type { OutboxService } from '../outbox.service.ts';
import type { SettingsService } from '../settings.service.ts';
import type { WebhooksService } from '../webhooks.service.ts';

export type Plan = typeof plans.$inferSelect;
export type Order = typeof orders.$inferSelect;
export type PromoCode = typeof promoCodes.$inferSelect;
export type Redemption = typeof promoRedemptions.$inferSelect;

/** Telegram Stars' currency code. */
export const STARS = 'XTR';

export const PROVIDERS = ['stars', 'cryptopay', 'yookassa', 'stripe', 'generic'] as const;
export type Provider = (typeof PROVIDERS)[number];

export interface PlanInput {
  name: string;
  days: number;
  trafficGb?: number | null;
  priceStars?: number | null;
  prices?: Record<string, number>;
  isTrial?: boolean;
  active?: boolean;
}

/** What a payment grants: days and/or traffic, onto a named key (created when absent). */
export interface Grant {
  days: number;
  trafficGb: number;
}

export interface ApplyInput {
  provider: Provider;
  /** The provider's id of the payment: the once-only key. */
  providerPaymentId: string;
  amount: number;
  currency: string;
  /** The provider's status of the payment, checked against the one meaning "paid". */
  status?: string;
  /** The payer's own order reference (generic webhook), kept with the payment. */
  externalRef?: string | null;
  /** The order this pays, when one was created first (bot purchases). */
  orderId?: number;
  /** Without an order: whose key, and what it grants. */
  telegramId?: number | null;
  keyName?: string | null;
  grant?: Grant;
  actor: string;
}

/** What an order remembers of its purchase. */
export interface OrderData {
  grant?: Grant;
  keyName?: string | null;
  promo?: string | null;
  trial?: boolean;
  created?: boolean;
}

export type ApplyResult =
  | { status: 'applied'; order: Order; key: Key }
  | { status: 'duplicate'; order: Order | undefined }
  | { status: 'refused'; order: Order; reason: string };

/** What the payments modules are built on. */
export interface PaymentsDeps {
  db: Db;
  clock: Clock;
  keys: KeysService;
  events: EventsService;
  outbox: OutboxService;
  admins: AdminsService;
  webhooks: Pick<WebhooksService, 'emit'>;
  settings: Pick<SettingsService, 'require'>;
}
