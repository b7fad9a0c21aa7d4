/**
 * The parse mode, set once for every call: an API transformer (as the parse-mode plugin of
 * grammY does) that gives texts and captions HTML parse mode and text messages no link
 * previews, unless the call says otherwise. So no feature passes `parse_mode` itself.
 */
import type { Transformer } from 'grammy';

/** Methods whose text (`text`) the bot formats. */
const TEXT_METHODS = new Set(['sendMessage', 'editMessageText']);
/** Methods whose caption the bot formats. */
const CAPTION_METHODS = new Set([
  'sendPhoto',
  'sendDocument',
  'sendVideo',
  'sendAnimation',
  'editMessageCaption',
]);

/**
 * Installs `mode` where a call sets no parse mode and passes no entities of its own (a
 * broadcast copies the admin's message with its entities, even none: that stays as it was).
 */
export function parseMode(mode: 'HTML'): Transformer {
  return (prev, method, payload, signal) => {
    const p = payload as Record<string, unknown> | undefined;
    if (p && p.parse_mode === undefined) {
      if (TEXT_METHODS.has(method) && !('entities' in p)) {
        const link_preview_options = p.link_preview_options ?? { is_disabled: true };
        payload = { ...p, parse_mode: mode, link_preview_options } as typeof payload;
      } else if (CAPTION_METHODS.has(method) && p.caption !== undefined && !('caption_entities' in p)) {
        payload = { ...p, parse_mode: mode } as typeof payload;
      } else if (method === 'editMessageMedia' && isCaptionedMedia(p.media)) {
        payload = { ...p, media: { ...p.media, parse_mode: mode } } as typeof payload;
      }
    }
    return prev(method, payload, signal);
  };
}

/** A new media (editMessageMedia) with a caption to format. */
function isCaptionedMedia(media: unknown): media is Record<string, unknown> {
  if (typeof media !== 'object' || media === null) return false;
  const m = media as Record<string, unknown>;
  return m.caption !== undefined && m.parse_mode === undefined && !('caption_entities' in m);
}
