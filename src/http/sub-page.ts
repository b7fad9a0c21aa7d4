/**
 * The subscription web page a browser gets at `/sub/{token}`: usage, expiry, a QR code of
 * the subscription URL, a copy button and per-platform app guides. Every value is
 * escaped by the `html` template; only the QR SVG (made by `qrcode`) goes in raw.
 */
import { parseVlessLink } from '../services/links/vless.ts';
import type { SubscriptionInfo } from '../services/subscription.service.ts';
import { PAGE_TEXT, type PageLanguage, type PageText } from './sub-page-text.ts';
import type * as QrCode from 'qrcode';
import { lazyModule } from '../lazy-module.ts';

const qrcode = lazyModule<typeof QrCode>('qrcode');

class Raw {
  constructor(readonly html: string) {}
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

function render(value: unknown): string {
  if (value instanceof Raw) return value.html;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(String(value));
}

/** Template tag: interpolations are escaped unless they are already `html` fragments. */
function html(strings: TemplateStringsArray, ...values: unknown[]): Raw {
  return new Raw(strings.reduce((out, s, i) => out + s + (i < values.length ? render(values[i]) : ''), ''));
}

interface App {
  name: string;
  download: string;
  /** Deep link that imports the subscription, when the app has one. */
  importUrl?: (url: string, name: string) => string;
}

const hiddify = (url: string, name: string) => `hiddify://import/${url}#${encodeURIComponent(name)}`;
const streisand = (url: string, name: string) => `streisand://import/${url}#${encodeURIComponent(name)}`;
const HIDDIFY_RELEASES = 'https://github.com/hiddify/hiddify-app/releases/latest';
const FOXRAY = 'https://apps.apple.com/app/foxray/id6448898396';
const STREISAND = 'https://apps.apple.com/app/streisand/id6450534064';

export const PLATFORMS: Array<{ id: string; name: string; apps: App[] }> = [
  {
    id: 'android',
    name: 'Android',
    apps: [
      {
        name: 'v2rayNG',
        download: 'https://play.google.com/store/apps/details?id=com.v2ray.ang',
        importUrl: (url, name) =>
          `v2rayng://install-config?url=${encodeURIComponent(url)}#${encodeURIComponent(name)}`,
      },
      {
        name: 'Hiddify',
        download: 'https://play.google.com/store/apps/details?id=app.hiddify.com',
        importUrl: hiddify,
      },
    ],
  },
  {
    id: 'ios',
    name: 'iOS',
    apps: [
      { name: 'Streisand', download: STREISAND, importUrl: streisand },
      { name: 'FoXray', download: FOXRAY },
      {
        name: 'Shadowrocket',
        download: 'https://apps.apple.com/app/shadowrocket/id932747118',
        importUrl: (url) => `sub://${Buffer.from(url).toString('base64')}`,
      },
    ],
  },
  {
    id: 'windows',
    name: 'Windows',
    apps: [
      { name: 'v2rayN', download: 'https://github.com/2dust/v2rayN/releases/latest' },
      { name: 'Hiddify', download: HIDDIFY_RELEASES, importUrl: hiddify },
    ],
  },
  {
    id: 'macos',
    name: 'macOS',
    apps: [
      { name: 'Hiddify', download: HIDDIFY_RELEASES, importUrl: hiddify },
      { name: 'FoXray', download: FOXRAY },
      { name: 'Streisand', download: STREISAND, importUrl: streisand },
    ],
  },
];

/** The visitor's platform from the User-Agent, to open its guide first. */
export function platformOf(userAgent: string | undefined): string {
  const ua = userAgent ?? '';
  if (/android/i.test(ua)) return 'android';
  if (/iphone|ipad|ipod/i.test(ua)) return 'ios';
  if (/mac os x|macintosh/i.test(ua)) return 'macos';
  return 'windows';
}

/** Bytes in binary units (GB = 2^30), localised. */
export function formatBytes(bytes: number, t: PageText, lang: PageLanguage): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < t.units.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = unit === 0 ? 0 : value < 10 ? 2 : 1;
  return `${value.toLocaleString(lang, { maximumFractionDigits: digits })} ${t.units[unit]}`;
}

export interface PageInput {
  info: SubscriptionInfo;
  lang: PageLanguage;
  now: Date;
  userAgent: string | undefined;
  /** CSP nonce of the inline style and script. */
  nonce: string;
}

const STYLE = `
:root { color-scheme: light dark; --accent: #2563eb; --muted: #6b7280; --card: rgba(127,127,127,.08); }
* { box-sizing: border-box; }
body { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; padding: 16px; }
main { max-width: 640px; margin: 0 auto; }
h1 { font-size: 1.4rem; margin: .2rem 0; }
h2 { font-size: 1.1rem; margin: 1.5rem 0 .5rem; }
.card { background: var(--card); border-radius: 12px; padding: 16px; margin: 12px 0; }
.badge { display: inline-block; padding: 2px 10px; border-radius: 999px; font-size: .85rem; background: #16a34a; color: #fff; }
.badge.limited, .badge.expired, .badge.disabled { background: #dc2626; }
.badge.on_hold { background: #d97706; }
.muted { color: var(--muted); }
progress { width: 100%; height: 12px; }
.qr { text-align: center; }
.qr svg { width: 260px; height: 260px; background: #fff; }
.row { display: flex; gap: 8px; }
.row input { flex: 1; min-width: 0; font: inherit; padding: 8px; border-radius: 8px; border: 1px solid var(--muted); }
button, .button { font: inherit; padding: 8px 14px; border-radius: 8px; border: 0; background: var(--accent); color: #fff; cursor: pointer; text-decoration: none; display: inline-block; }
.button.secondary { background: transparent; color: var(--accent); border: 1px solid var(--accent); }
details { margin: 8px 0; }
summary { cursor: pointer; font-weight: 600; padding: 6px 0; }
.app { display: flex; flex-wrap: wrap; align-items: center; gap: 8px; margin: 8px 0; }
.app strong { min-width: 110px; }
code { word-break: break-all; font-size: .8rem; }
`;

const SCRIPT = `
const button = document.getElementById('copy');
const input = document.getElementById('sub-url');
button.addEventListener('click', async () => {
  try { await navigator.clipboard.writeText(input.value); }
  catch { input.select(); document.execCommand('copy'); }
  button.textContent = button.dataset.done;
  setTimeout(() => { button.textContent = button.dataset.label; }, 2000);
});
`;

/** Renders the page. */
export async function renderSubscriptionPage(input: PageInput): Promise<string> {
  const { info, lang, now, nonce } = input;
  const t = PAGE_TEXT[lang];
  const url = info.subscription_url;
  const qr = await qrcode().toString(url, { type: 'svg', margin: 2, errorCorrectionLevel: 'M' });
  const limit = info.traffic_limit_bytes;
  const expireAt = info.expire_at ? new Date(info.expire_at) : null;
  const daysLeft = expireAt
    ? Math.max(0, Math.ceil((expireAt.getTime() - now.getTime()) / 86_400_000))
    : null;
  const dateText = expireAt
    ? new Intl.DateTimeFormat(lang, { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' }).format(
        expireAt,
      ) + ' UTC'
    : null;
  const current = platformOf(input.userAgent);

  const usage = html`<p>
      ${t.used}: <strong>${formatBytes(info.used_bytes, t, lang)}</strong> ${t.of}
      ${limit === null ? t.unlimited : formatBytes(limit, t, lang)}
    </p>
    ${limit === null ? '' : html`<progress id="usage" max="${limit}" value="${Math.min(info.used_bytes, limit)}"></progress>`}`;

  const expiry =
    info.status === 'on_hold' && !expireAt
      ? html`<p>${t.startsOnFirstUse}</p>`
      : html`<p>
          ${t.expires}:
          <strong>${dateText ?? t.never}</strong>
          ${daysLeft === null ? '' : html`<span class="muted">(${t.daysLeft(daysLeft)})</span>`}
        </p>`;

  const guides = PLATFORMS.map(
    (p) =>
      html`<details ${p.id === current ? new Raw('open') : ''} id="guide-${p.id}">
        <summary>${p.name}</summary>
        <ol>
          ${t.steps.map((step) => html`<li>${step}</li>`)}
        </ol>
        ${p.apps.map(
          (app) =>
            html`<div class="app">
              <strong>${app.name}</strong>
              ${app.importUrl ? html`<a class="button" href="${app.importUrl(url, info.username)}">${t.addTo(app.name)}</a>` : ''}
              <a class="button secondary" href="${app.download}" rel="noreferrer noopener" target="_blank"
                >${t.download}</a
              >
              ${t.manual[app.name] ? html`<span class="muted">${t.manual[app.name]}</span>` : ''}
            </div>`,
        )}
      </details>`,
  );

  const page = html`<!doctype html>
    <html lang="${lang}">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <meta name="robots" content="noindex, nofollow" />
        <title>${t.title} · ${info.username}</title>
        <style nonce="${nonce}">
          ${new Raw(STYLE)}
        </style>
      </head>
      <body>
        <main>
          <p class="muted">${t.title}</p>
          <h1>
            ${info.username} <span class="badge ${info.status}" id="status">${t.status[info.status]}</span>
          </h1>
          <section class="card">${usage}${expiry}</section>
          <section class="card">
            <div class="qr" id="qr">${new Raw(qr)}</div>
            <p class="muted">${t.scan}</p>
            <label for="sub-url">${t.link}</label>
            <div class="row">
              <input id="sub-url" readonly value="${url}" />
              <button id="copy" type="button" data-label="${t.copy}" data-done="${t.copied}">
                ${t.copy}
              </button>
            </div>
          </section>
          <h2>${t.setup}</h2>
          ${guides}
          <details>
            <summary>${t.links}</summary>
            ${info.links.map(
              // Each under its server's name (one link per VPN server).
              (l) => html`<p><strong>${parseVlessLink(l)?.name ?? ''}</strong><br /><code>${l}</code></p>`,
            )}
          </details>
          ${info.support_url ? html`<p><a href="${info.support_url}" rel="noreferrer noopener">${t.support}</a></p>` : ''}
        </main>
        <script nonce="${nonce}">
          ${new Raw(SCRIPT)};
        </script>
      </body>
    </html> `;
  return page.html;
}
