/** What people type: command arguments and numbers. */
import type { BotContext } from '../context.ts';

/** The text after a command, split on whitespace. */
export function commandArgs(ctx: BotContext): string[] {
  return typeof ctx.match === 'string' ? ctx.match.split(/\s+/).filter(Boolean) : [];
}

/**
 * A number typed by an admin (`30`, `0.5`, `1,5`) within [min, max]; undefined when it is
 * not one.
 */
export function parseNumber(
  text: string | undefined,
  range: { min: number; max: number; integer?: boolean },
): number | undefined {
  const value = Number(text?.trim().replace(',', '.'));
  if (!text?.trim() || !Number.isFinite(value)) return undefined;
  if (value < range.min || value > range.max) return undefined;
  if (range.integer && !Number.isInteger(value)) return undefined;
  return value;
}
