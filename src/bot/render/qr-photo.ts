/**
 * QR photos with Telegram's file ids remembered: a link's QR is drawn and uploaded once,
 * later cards send the id (no image work, no upload). Ids are per bot, so one cache per bot.
 */
import { GrammyError, InputFile } from 'grammy';
import type { Message } from 'grammy/types';
import { qrPng } from '../../services/qr.ts';

const MAX_ENTRIES = 2000;

/** A QR photo sender with its own file-id cache (one per bot). */
export function createQrPhotos() {
  const ids = new Map<string, string>();

  return {
    /**
     * Sends (or edits in) a QR photo of `text` through `send`, which receives the photo as a
     * file id or an upload. A stale file id falls back to an upload once.
     */
    async send<M extends Message | true>(
      text: string,
      send: (photo: string | InputFile) => Promise<M>,
    ): Promise<M> {
      const known = ids.get(text);
      let message: M;
      try {
        message = await send(known ?? new InputFile(await qrPng(text), 'qr.png'));
      } catch (error) {
        if (!known || !(error instanceof GrammyError) || error.error_code !== 400) throw error;
        ids.delete(text);
        message = await send(new InputFile(await qrPng(text), 'qr.png'));
      }
      const id = message === true ? undefined : message.photo?.at(-1)?.file_id;
      if (id && !known) {
        ids.set(text, id);
        if (ids.size > MAX_ENTRIES) ids.delete(ids.keys().next().value!);
      }
      return message;
    },
  };
}

/** See {@link createQrPhotos}. */
export type QrPhotos = ReturnType<typeof createQrPhotos>;
