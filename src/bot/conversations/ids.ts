/** Identifiers of the admin dialogs and what the one-value dialog is asked for. */
import type { EditableSetting } from '../features/admin/settings.ts';

export const CREATE_KEY = 'admin-create-key';
export const BROADCAST = 'admin-broadcast';
export const API_KEY = 'admin-api-key';
export const INPUT = 'admin-input';
export const PLAN = 'admin-plan';
export const PROMO = 'admin-promo';

/** What the one-value dialog ({@link INPUT}) asks for. */
export type InputRequest =
  | { kind: 'extend'; name: string }
  | { kind: 'limit'; name: string }
  | { kind: 'search' }
  | { kind: 'admin-add' }
  | { kind: 'setting'; setting: EditableSetting };
