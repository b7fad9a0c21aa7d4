/** Identifiers of the admin dialogs (each dialog lives in its feature's folder). */

export const CREATE_KEY = 'admin-create-key';
export const BROADCAST = 'admin-broadcast';
export const API_KEY = 'admin-api-key';
export const INPUT = 'admin-input';
export const PLAN = 'admin-plan';
export const PROMO = 'admin-promo';
export const ADD_NODE = 'admin-add-node';
