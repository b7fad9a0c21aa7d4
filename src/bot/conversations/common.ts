/** Moved to the bot toolkit (`kit/dialog.ts`); kept for the payments dialogs until their rework lands. */
export * from '../kit/dialog.ts';
