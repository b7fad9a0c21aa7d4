/**
 * Sees the outcome of each getUpdates the runner sends, so the bot can tell when it loses
 * Telegram after it connected and when Telegram answers again. An API transformer: createBot
 * keeps auto-retry off getUpdates (the runner retries it), so every real attempt passes here.
 */
import type { Api } from 'grammy';

/** What one getUpdates attempt came to. */
export type PollOutcome = { ok: true } | { ok: false; error: unknown; timedOut: boolean };

/**
 * A long poll that gets no answer this long after its own timeout is a failed attempt: the
 * client's default (500 s) would keep a filtered connection "fine" for minutes.
 */
export const POLL_GRACE_SECONDS = 15;

/**
 * Reports each getUpdates attempt of `api` to `onOutcome`; ones the runner cancels are not.
 * While `lost()` says Telegram is lost, getUpdates asks without a long poll, so the attempt
 * that finds Telegram back answers at once rather than after up to 30 s of waiting for updates.
 */
export function watchPolling(api: Api, onOutcome: (outcome: PollOutcome) => void, lost: () => boolean): void {
  api.config.use(async (prev, method, payload, signal) => {
    if (method !== 'getUpdates') return prev(method, payload, signal);
    if (lost()) payload = { ...payload, timeout: 0 };
    const pollSeconds = (payload as { timeout?: number } | undefined)?.timeout ?? 0;
    // One signal for both: the runner stopping, or the answer overdue.
    const controller = new AbortController();
    const cancel = () => controller.abort();
    signal?.addEventListener('abort', cancel, { once: true });
    const timer = setTimeout(cancel, (pollSeconds + POLL_GRACE_SECONDS) * 1000);
    let result;
    try {
      result = await prev(method, payload, controller.signal as typeof signal);
    } catch (error) {
      if (!signal?.aborted) onOutcome({ ok: false, error, timedOut: controller.signal.aborted });
      throw error;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', cancel);
    }
    // Updates, or Telegram asking to slow down; any other refusal (409 another poller, 401
    // token revoked, a 5xx from a proxy or Telegram down) means the bot gets no updates.
    if (result.ok || result.error_code === 429) onOutcome({ ok: true });
    else {
      const error = new Error(`${result.error_code} ${result.description}`);
      onOutcome({ ok: false, error, timedOut: false });
    }
    return result;
  });
}
