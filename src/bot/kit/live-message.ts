/**
 * One message that shows work in progress, edited as the work moves on. Telegram allows
 * about one edit a second per message: texts that come faster are coalesced (the newest
 * wins), and the caller shows the final state once {@link LiveMessage.settle} resolved, so
 * it is never lost to the throttle. A progress edit that fails is skipped ("message is not
 * modified" is no failure at all): the next one, or the final state, shows it anyway.
 */
import { GrammyError, type Api } from 'grammy';
import { ignoreNotModified } from './text.ts';

export interface LiveMessage {
  /** Shows `text` now, or once the interval since the last edit has passed. */
  update(text: string): void;
  /**
   * Stops the progress: drops a text not shown yet, waits for an edit under way and for the
   * interval after it, so the caller's final edit is both the last one and within the limit.
   */
  settle(): Promise<void>;
}

export interface LiveMessageOptions {
  /** The least time between two edits (default 1 s, Telegram's limit per message). */
  intervalMs?: number;
  /** Told about an edit that failed and was skipped. */
  onError?: (error: unknown) => void;
}

/** A live view of the bot's message `messageId` in `chatId`, just sent (so the first edit waits too). */
export function liveMessage(
  api: Api,
  target: { chatId: number; messageId: number },
  options: LiveMessageOptions = {},
): LiveMessage {
  const interval = options.intervalMs ?? 1000;
  let latest: string | undefined;
  let shown: string | undefined;
  let nextAt = Date.now() + interval;
  let settled = false;
  let pumping: Promise<void> | null = null;
  let wake = () => {};

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  async function pump(): Promise<void> {
    while (!settled && latest !== shown) {
      const wait = nextAt - Date.now();
      if (wait > 0) {
        await sleep(wait);
        continue;
      }
      const text = latest!;
      shown = text;
      let retryAfter = 0;
      try {
        await ignoreNotModified(api.editMessageText(target.chatId, target.messageId, text));
      } catch (error) {
        // Telegram asked to slow down (past the bot's own retries): the next edit waits as long.
        if (error instanceof GrammyError) retryAfter = error.parameters.retry_after ?? 0;
        options.onError?.(error);
      }
      // Counted from the answer: however slow the way there, edits arrive an interval apart.
      nextAt = Date.now() + Math.max(interval, retryAfter * 1000);
    }
    pumping = null;
  }

  return {
    update(text) {
      if (settled) return;
      latest = text;
      pumping ??= pump();
    },
    async settle() {
      settled = true;
      wake();
      await pumping;
      const wait = nextAt - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    },
  };
}
