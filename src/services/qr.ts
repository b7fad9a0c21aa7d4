/** QR codes of share links and subscription URLs. */
import type * as QrCode from 'qrcode';
import { lazyModule } from '../lazy-module.ts';

const qrcode = lazyModule<typeof QrCode>('qrcode');

/**
 * A PNG of a QR code that encodes exactly `text`. Grayscale: a quarter of the pixel data of
 * the default RGBA, so about half the time and size, and scanners read it the same.
 */
export async function qrPng(text: string, width = 512): Promise<Buffer> {
  const options = {
    type: 'png',
    errorCorrectionLevel: 'M',
    margin: 2,
    width,
    rendererOpts: { colorType: 0 },
  };
  // colorType goes through to pngjs; @types/qrcode does not list it.
  return qrcode().toBuffer(text, options as QrCode.QRCodeToBufferOptions);
}
