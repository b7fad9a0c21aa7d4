/**
 * Texts of the subscription web page, in English and Russian. Kept here (not in
 * locales/*.ftl) because the page is rendered by the HTTP server, not the bot.
 */
import type { KeyStatus } from '../services/model.ts';
import type { StoppedStatus } from '../services/subscription.service.ts';

export type PageLanguage = 'en' | 'ru';

export interface PageText {
  title: string;
  status: Record<KeyStatus, string>;
  /** What a VPN app announces when the key carries no traffic (the `announce` header). */
  stopped: Record<StoppedStatus, string>;
  used: string;
  of: string;
  unlimited: string;
  expires: string;
  never: string;
  startsOnFirstUse: string;
  daysLeft(n: number): string;
  link: string;
  copy: string;
  copied: string;
  scan: string;
  setup: string;
  steps: string[];
  addTo(app: string): string;
  download: string;
  manual: Record<string, string>;
  links: string;
  support: string;
  units: [string, string, string, string, string];
}

function ruPlural(n: number, one: string, few: string, many: string): string {
  const mod10 = n % 10;
  const mod100 = n % 100;
  if (mod10 === 1 && mod100 !== 11) return one;
  if (mod10 >= 2 && mod10 <= 4 && (mod100 < 12 || mod100 > 14)) return few;
  return many;
}

export const PAGE_TEXT: Record<PageLanguage, PageText> = {
  en: {
    title: 'Your VPN subscription',
    status: {
      active: 'Active',
      disabled: 'Disabled',
      limited: 'Traffic limit reached',
      expired: 'Expired',
      on_hold: 'Starts on first connection',
    },
    stopped: {
      disabled: 'This key is disabled. Contact support to have it turned back on.',
      expired: 'This key has expired. Renew it in the Telegram bot to connect again.',
      limited: 'This key has used up its traffic. Buy more in the Telegram bot or wait for the next reset.',
    },
    used: 'Traffic used',
    of: 'of',
    unlimited: 'unlimited',
    expires: 'Expires',
    never: 'Never',
    startsOnFirstUse: 'The term starts on your first connection',
    daysLeft: (n) => (n === 1 ? '1 day left' : `${n} days left`),
    link: 'Subscription link',
    copy: 'Copy link',
    copied: 'Copied!',
    scan: 'Scan the QR code with your VPN app, or copy the link and add it as a subscription.',
    setup: 'Set up your device',
    steps: [
      'Install one of the apps below.',
      'Tap “Add to app”, or copy the link above and add it in the app from the clipboard.',
      'Update the subscription, pick the server and connect.',
    ],
    addTo: (app) => `Add to ${app}`,
    download: 'Download',
    manual: {
      v2rayN:
        'Subscription group → Subscription group setting → Add, paste the link, then “Update subscription”.',
      FoXray: 'Tap +, choose “Add subscription”, paste the link.',
    },
    links: 'Individual links',
    support: 'Support',
    units: ['B', 'KB', 'MB', 'GB', 'TB'],
  },
  ru: {
    title: 'Ваша подписка VPN',
    status: {
      active: 'Активна',
      disabled: 'Отключена',
      limited: 'Лимит трафика исчерпан',
      expired: 'Срок истёк',
      on_hold: 'Начнётся при первом подключении',
    },
    stopped: {
      disabled: 'Этот ключ отключён. Обратитесь в поддержку, чтобы его включили.',
      expired: 'Срок действия ключа истёк. Продлите его в Telegram-боте, чтобы снова подключиться.',
      limited: 'Трафик ключа израсходован. Докупите трафик в Telegram-боте или дождитесь сброса.',
    },
    used: 'Использовано трафика',
    of: 'из',
    unlimited: 'без ограничений',
    expires: 'Действует до',
    never: 'Бессрочно',
    startsOnFirstUse: 'Срок начнётся с первого подключения',
    daysLeft: (n) =>
      `${ruPlural(n, 'остался', 'осталось', 'осталось')} ${n} ${ruPlural(n, 'день', 'дня', 'дней')}`,
    link: 'Ссылка на подписку',
    copy: 'Скопировать ссылку',
    copied: 'Скопировано!',
    scan: 'Отсканируйте QR-код в приложении VPN или скопируйте ссылку и добавьте её как подписку.',
    setup: 'Настройка устройства',
    steps: [
      'Установите одно из приложений ниже.',
      'Нажмите «Добавить в приложение» или скопируйте ссылку выше и добавьте её в приложении из буфера обмена.',
      'Обновите подписку, выберите сервер и подключитесь.',
    ],
    addTo: (app) => `Добавить в ${app}`,
    download: 'Скачать',
    manual: {
      v2rayN:
        'Группа подписок → Настройки группы подписок → Добавить, вставьте ссылку, затем «Обновить подписку».',
      FoXray: 'Нажмите +, выберите «Добавить подписку» и вставьте ссылку.',
    },
    links: 'Отдельные ссылки',
    support: 'Поддержка',
    units: ['Б', 'КБ', 'МБ', 'ГБ', 'ТБ'],
  },
};

/** The visitor's language from Accept-Language (by q-value), English unless Russian ranks first. */
export function pickLanguage(acceptLanguage: string | undefined): PageLanguage {
  const ranked = (acceptLanguage ?? '')
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find(Boolean);
      return { lang: tag.trim().toLowerCase().split('-')[0], q: q === undefined ? 1 : Number(q), index };
    })
    .filter((e) => e.q > 0 && (e.lang === 'en' || e.lang === 'ru'))
    .sort((a, b) => b.q - a.q || a.index - b.index);
  return ranked[0]?.lang === 'ru' ? 'ru' : 'en';
}
