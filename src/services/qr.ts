/** QR codes of share links and subscription URLs. */
import QRCode from 'qrcode';

/** A PNG of a QR code that encodes exactly `text`. */
export function qrPng(text: string, width = 512): Promise<Buffer> {
  return QRCode.toBuffer(text, { type: 'png', errorCorrectionLevel: 'M', margin: 2, width });
}
