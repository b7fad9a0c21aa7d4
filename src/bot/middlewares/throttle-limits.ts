/**
 * How fast one person may use the bot. The general limit covers every update (admins are
 * exempt); the others cover the actions that cost CPU, the core or a payment provider, and
 * apply on top of it. Change the figures here (or pass `throttleLimits` to createBot).
 */

/** At most `max` in a window of `windowMs`, which starts at the first one counted. */
export interface Limit {
  max: number;
  windowMs: number;
}

export interface ThrottleLimits {
  /** Every update a person sends (admins exempt). */
  updates: Limit;
  /** Traffic charts drawn (`/traffic`, its buttons). */
  chart: Limit;
  /** Key cards and QR codes sent from a key's buttons, and new links. */
  qr: Limit;
  /** Orders with an invoice or a provider's payment link (admins too). */
  invoice: Limit;
  /** Self-service key requests (`/new`). */
  newKey: Limit;
}

/** What a throttled action is called. */
export type ThrottledAction = Exclude<keyof ThrottleLimits, 'updates'>;

const SECOND = 1000;
const MINUTE = 60 * SECOND;

export const DEFAULT_THROTTLE_LIMITS: Readonly<ThrottleLimits> = Object.freeze({
  updates: { max: 20, windowMs: 10 * SECOND },
  chart: { max: 10, windowMs: MINUTE },
  qr: { max: 10, windowMs: MINUTE },
  invoice: { max: 5, windowMs: MINUTE },
  newKey: { max: 3, windowMs: MINUTE },
});
