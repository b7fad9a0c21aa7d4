/** Moved to the bot toolkit (`kit/text.ts`); kept for the buy feature until its rework lands. */
export * from '../kit/text.ts';
