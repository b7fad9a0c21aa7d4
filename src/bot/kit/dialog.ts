/**
 * The building blocks of admin dialogs: a question with Back / Skip / Cancel buttons and
 * quick choices, and a wait that understands them. A command typed mid-dialog ends the
 * dialog and runs as usual; buttons of other screens keep working.
 */
import type { Conversation } from '@grammyjs/conversations';
import { InlineKeyboard } from 'grammy';
import type { BotContext, ConversationContext, FeatureDeps } from '../context.ts';
import { errorText } from '../render/errors.ts';
import { callbackData, oneOf, rest } from './callback-data.ts';
import { parseNumber } from './input.ts';
import type { Screen } from './screen.ts';

export type AdminConversation = Conversation<BotContext, ConversationContext>;

/** Dialog buttons: `a:cv:back`, `a:cv:v:<choice>`… (admin-guarded like all `a:`). */
const DIALOG_PREFIX = 'a:cv:';
const navButton = callbackData('a:cv', { nav: oneOf(['back', 'cancel', 'skip', 'ok']) });
const choiceButton = callbackData('a:cv:v', { value: rest });

export interface AskOptions {
  /** Offer « Back (every step but the first). */
  back?: boolean;
  /** Offer Skip (optional steps). */
  skip?: boolean;
  /** Label of an OK button (confirm steps). */
  ok?: string;
  /** Quick answers: [label, value] pairs, one row each inner array. */
  choices?: Array<Array<[label: string, value: string]>>;
}

/** What the admin did at a step. */
export type Answer =
  | { kind: 'nav'; nav: Nav }
  | { kind: 'ok'; ctx: ConversationContext }
  /** A message (its text or caption in `text`) or a quick choice (its value in `text`). */
  | { kind: 'input'; ctx: ConversationContext; text: string | undefined };

export type Nav = 'back' | 'cancel' | 'skip';

/** One row of quick answers: each value, labelled by `label` (the value itself by default). */
export function choiceRow(
  values: readonly string[],
  label = (value: string) => value,
): Array<[string, string]> {
  return values.map((value) => [label(value), value]);
}

/** A parsed answer, or the text explaining why it is not acceptable. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/** An answer a step parses: a typed text, a pressed choice, or OK. */
export type Input = Extract<Answer, { ctx: ConversationContext }>;

/** The trimmed text of a typed answer or a choice; undefined for OK. */
export function textOf(a: Input): string | undefined {
  return a.kind === 'input' ? a.text?.trim() : undefined;
}

/**
 * Parses a number in `range` (whole numbers only with `integer`); otherwise the error
 * `errorKey`, which may show the range's `min` and `max`.
 */
export function numberIn(
  ctx: ConversationContext,
  range: { min: number; max: number; integer?: boolean },
  errorKey: string,
): (a: Input) => Parsed<number> {
  return (a) => {
    const value = parseNumber(textOf(a), range);
    return value === undefined
      ? { ok: false, error: ctx.t(errorKey, { min: range.min, max: range.max }) }
      : { ok: true, value };
  };
}

/** Parses a non-empty text that passes `test`; otherwise the error `errorKey`. */
export function textWhere(
  ctx: ConversationContext,
  test: (text: string) => boolean,
  errorKey: string,
): (a: Input) => Parsed<string> {
  return (a) => {
    const text = textOf(a);
    return text && test(text) ? { ok: true, value: text } : { ok: false, error: ctx.t(errorKey) };
  };
}

/** The buttons under a question. */
export function stepKeyboard(ctx: ConversationContext, options: AskOptions): InlineKeyboard {
  const keyboard = new InlineKeyboard();
  for (const row of options.choices ?? []) {
    for (const [label, value] of row) keyboard.text(label, choiceButton.pack({ value }));
    keyboard.row();
  }
  if (options.ok) keyboard.text(options.ok, navButton.pack({ nav: 'ok' })).row();
  if (options.back) keyboard.text(ctx.t('admin-btn-back'), navButton.pack({ nav: 'back' }));
  if (options.skip) keyboard.text(ctx.t('admin-btn-skip'), navButton.pack({ nav: 'skip' }));
  keyboard.text(ctx.t('admin-btn-cancel'), navButton.pack({ nav: 'cancel' }));
  return keyboard;
}

/** `/name` or `/name@bot`, alone or with arguments; not a path such as `/usr/local/etc` (an answer). */
const COMMAND = /^\/\w+(@\w+)?(\s|$)/;

/** Whether an update answers the dialog of `userId`: their message (a payment never is) or a dialog button. */
function isAnswer(ctx: ConversationContext, userId: number | undefined): boolean {
  if (ctx.from?.id !== userId) return false;
  const data = ctx.callbackQuery?.data;
  if (data !== undefined) return data.startsWith(DIALOG_PREFIX);
  return ctx.message !== undefined && !ctx.message.successful_payment;
}

/**
 * Waits for the next answer of `userId` (the admin in the dialog); hands every other update
 * back to the bot, including other people's messages in a group and payments to apply.
 */
export async function waitAnswer(
  conversation: AdminConversation,
  userId: number | undefined,
): Promise<Answer> {
  for (;;) {
    const ctx = await conversation.waitUntil((update) => isAnswer(update, userId), { next: true });
    const data = ctx.callbackQuery?.data;
    if (data !== undefined) {
      await ctx.answerCallbackQuery();
      const choice = choiceButton.unpack(data);
      if (choice) return { kind: 'input', ctx, text: choice.value };
      const nav = navButton.unpack(data)?.nav;
      if (nav === 'ok') return { kind: 'ok', ctx };
      if (nav) return { kind: 'nav', nav };
      continue;
    }
    const message = ctx.message;
    const text = message?.text ?? message?.caption;
    // A command leaves the dialog: the admin changed their mind.
    if (message?.text && COMMAND.test(message.text)) await conversation.halt({ next: true });
    return { kind: 'input', ctx, text };
  }
}

/**
 * Asks a question and waits until the answer parses (each bad answer is told why) or the
 * admin navigates away.
 */
export async function ask<T>(
  conversation: AdminConversation,
  ctx: ConversationContext,
  question: string,
  options: AskOptions,
  parse: (answer: Extract<Answer, { ctx: ConversationContext }>) => Parsed<T> | Promise<Parsed<T>>,
): Promise<{ nav: Nav } | { value: T }> {
  await ctx.reply(question, { reply_markup: stepKeyboard(ctx, options) });
  for (;;) {
    const answer = await waitAnswer(conversation, ctx.from?.id);
    if (answer.kind === 'nav') return { nav: answer.nav };
    const parsed = await parse(answer);
    if (parsed.ok) return { value: parsed.value };
    await answer.ctx.reply(parsed.error);
  }
}

/**
 * One step of a dialog: ask, keep the value, go on (or wherever the admin navigated).
 * With `skipped`, a Skip answer keeps that value instead (for optional fields).
 */
export function field<T, S = never>(
  question: () => Promise<{ nav: Nav } | { value: T }>,
  keep: (value: T | S) => void,
  options: { skipped?: S } = {},
): () => Promise<'next' | Nav> {
  return async () => {
    const answer = await question();
    if ('nav' in answer) {
      if (answer.nav !== 'skip' || !('skipped' in options)) return answer.nav;
      keep(options.skipped as S);
      return 'next';
    }
    keep(answer.value);
    return 'next';
  };
}

/** Shows a summary with Back and a confirm button; only the button moves on. */
export function askConfirm(
  conversation: AdminConversation,
  ctx: ConversationContext,
  summary: string,
  okLabel: string,
): Promise<{ nav: Nav } | { value: true }> {
  return ask(conversation, ctx, summary, { back: true, ok: okLabel }, (a): Parsed<true> =>
    a.kind === 'ok' ? { ok: true, value: true } : { ok: false, error: ctx.t('admin-press-button') },
  );
}

/**
 * Runs steps in order; a step answers where to go: on, back, cancel or the index of a step
 * (to ask again for a value that turned out wrong). Back from the first step stays there.
 * @returns false when the admin cancelled.
 */
export async function runSteps(steps: Array<() => Promise<'next' | Nav | number>>): Promise<boolean> {
  let i = 0;
  while (i < steps.length) {
    const go = await steps[i]!();
    if (go === 'cancel') return false;
    i = typeof go === 'number' ? go : go === 'back' ? Math.max(0, i - 1) : i + 1;
  }
  return true;
}

/** A Telegram user id from a forwarded message (forward_origin user) or a typed number. */
export function telegramIdOf(ctx: ConversationContext, text: string | undefined): number | undefined {
  const origin = ctx.message?.forward_origin;
  if (origin?.type === 'user') return origin.sender_user.id;
  const typed = text?.trim();
  if (typed && /^\d{1,15}$/.test(typed) && Number(typed) > 0) return Number(typed);
  return undefined;
}

/** Ends a dialog the admin cancelled. */
export async function cancelled(ctx: ConversationContext): Promise<void> {
  await ctx.reply(ctx.t('admin-cancelled'));
}

/**
 * Makes the change a dialog collected, inside `conversation.external`, after checking the
 * role again (it may have been taken away while the dialog ran), then shows `done` and the
 * screen the change returns. A service error is told to the admin.
 */
export async function commit(
  conversation: AdminConversation,
  ctx: ConversationContext,
  deps: FeatureDeps,
  change: (outside: BotContext) => Screen | Promise<Screen>,
  options: {
    role?: 'admin' | 'owner';
    done?: string;
    /**
     * A message the dialog showed progress on: the outcome replaces it instead of new
     * messages, below what `above` returns once the change ended (e.g. the finished progress).
     */
    into?: { chatId: number; messageId: number; above?: () => string };
  } = {},
): Promise<'done' | 'refused' | 'failed'> {
  const id = ctx.from?.id ?? 0;
  const needed = options.role ?? 'admin';
  const { into } = options;
  type Outcome = ({ view: Screen } | { error: string; refused: boolean }) & { above?: string };
  // `above` is read inside `external`: a replay of the dialog gets it from the stored outcome.
  const result = await conversation.external(async (outside): Promise<Outcome> => {
    const role = deps.services.admins.roleOf(id);
    if (role === 'user' || (needed === 'owner' && role !== 'owner')) {
      return {
        error: ctx.t(needed === 'owner' ? 'admin-refused-not-owner' : 'refused-not-admin'),
        refused: true,
      };
    }
    try {
      const view = await change(outside);
      return { view, above: into?.above?.() };
    } catch (error) {
      const text = errorText(ctx, error);
      if (text === undefined) throw error;
      return { error: text, refused: false, above: into?.above?.() };
    }
  });
  const onto = (text: string) => [result.above, text].filter(Boolean).join('\n\n');
  if ('error' in result) {
    if (into) await ctx.api.editMessageText(into.chatId, into.messageId, onto(result.error));
    else await ctx.reply(result.error);
    return result.refused ? 'refused' : 'failed';
  }
  const { text, keyboard } = result.view;
  if (into) {
    const shown = onto(options.done ? `${options.done}\n\n${text}` : text);
    await ctx.api.editMessageText(into.chatId, into.messageId, shown, { reply_markup: keyboard });
    return 'done';
  }
  if (options.done) await ctx.reply(options.done);
  await ctx.reply(text, { reply_markup: keyboard });
  return 'done';
}
