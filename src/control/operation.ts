/**
 * The building blocks of the CLI's operations (operations.ts and its per-area tables): argument
 * schemas that word their own errors for the operator, and results that say a repeat changed
 * nothing.
 */
import { z } from 'zod';
import type { Services } from '../services/index.ts';

/** A number argument with one message for every way it can be wrong (blank counts as wrong). */
export function number(message: string, check: (n: number) => boolean = () => true) {
  return z.preprocess(
    (v) => (typeof v === 'string' && v.trim() === '' ? Number.NaN : v),
    z.coerce.number({ error: message }).refine((n) => Number.isFinite(n) && check(n), { error: message }),
  );
}
export const whole = (min: number, max: number) => (n: number) => Number.isInteger(n) && n >= min && n <= max;
export const text = (message: string, max = 500) =>
  z.string({ error: message }).min(1, { error: message }).max(max, { error: message });

/** A result plus a line for people saying nothing had to change (a repeat). */
export interface Outcome {
  result: unknown;
  notice?: string;
}

export class Noted {
  constructor(readonly outcome: Outcome) {}
}
/** A repeat: the command succeeds, changes nothing, and says what already was. */
export const unchanged = (result: unknown, notice: string) => new Noted({ result, notice });

/** What an operation may tell the operator while it runs (lines on the CLI's stderr). */
export interface OperationContext {
  progress(line: string): void;
}

export const silentContext: OperationContext = { progress: () => undefined };

export interface Operation<S extends z.ZodType> {
  args: S;
  run(services: Services, args: z.infer<S>, actor: string, context: OperationContext): unknown;
}

export function op<S extends z.ZodType>(args: S, run: Operation<S>['run']): Operation<S> {
  return { args, run };
}
