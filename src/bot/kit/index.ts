/**
 * The bot's toolkit: what every feature is written with.
 *
 * How a feature is written — one folder under `features/` (admin ones under
 * `features/admin/`), e.g. `features/admin/keys/`:
 *
 * - `screens.ts`: pure functions `(ctx: Translator, data) => Screen` (HTML text + inline
 *   keyboard), and the feature's buttons, each declared once with {@link callbackData}:
 *   ```ts
 *   export const nodeButton = callbackData('a:n', { action: oneOf(['view', 'restart']), name: word() });
 *   keyboard.text(ctx.t('admin-btn-restart'), nodeButton.pack({ action: 'restart', name }));
 *   ```
 *   Texts are Fluent keys (`locales/en.ftl` and `ru.ftl`, in the feature's section); every
 *   value from people or the database goes through {@link esc}; bytes and dates through
 *   {@link formatBytes} / {@link formatDateTime} with `localeOf(ctx)`.
 * - `index.ts`: `export function xFeature(deps): Composer<BotContext>` — commands and
 *   {@link onButton} handlers that call services and {@link show} a screen (a button edits
 *   its message, a command replies). Admin buttons start with `a:` (the admin guard checks
 *   them); service errors become localized answers by themselves (`explainErrors`).
 * - `dialog.ts` when it asks several questions: a conversation built from {@link ask},
 *   {@link field}, {@link runSteps} and {@link commit} (which re-checks the role and shows
 *   the resulting screen); register it in `features/admin/index.ts` with its id.
 *
 * Work that takes a while (adding a node) shows its progress on one message with
 * {@link liveMessage} (edits throttled to Telegram's limit), and `commit({ into })` puts the
 * outcome on that same message.
 *
 * Parse mode is HTML everywhere, set once by the {@link parseMode} transformer in
 * `createBot`: never pass `parse_mode` (a broadcast passes its own entities instead).
 */
export * from './callback-data.ts';
export * from './dialog.ts';
export * from './input.ts';
export * from './live-message.ts';
export * from './parse-mode.ts';
export * from './screen.ts';
export * from './text.ts';
