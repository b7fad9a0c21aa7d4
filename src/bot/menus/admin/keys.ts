/** Moved to `features/admin/common.ts`; kept for the payments screens until their rework lands. */
export { personLabel } from '../../features/admin/common.ts';
