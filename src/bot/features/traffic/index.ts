/**
 * `/traffic`: a key's usage today, this month and over its life, quota and days left, with
 * a chart of the last 30 days. Refresh redraws the same message in place.
 */
import { Composer, InlineKeyboard, InputFile } from 'grammy';
import type { Key } from '../../../services/model.ts';
import type { Services } from '../../../services/index.ts';
import type { BotContext } from '../../context.ts';
import { trafficChartPng } from './chart.ts';
import { keyLines, trafficButton } from '../keys/card.ts';
import { escapeHtml, formatBytes, onButton, trOf, type Tr } from '../../kit/index.ts';
import { ownKey, type UserDeps } from '../keys/index.ts';

/** Caption, chart and buttons of a key's traffic. */
export function trafficView(key: Key, tr: Tr, services: Services) {
  const { t, locale } = tr;
  const usage = services.reports.keyUsage(key.id);
  const lines = keyLines(key, tr, services.clock.now());
  const sum = (x: { upload_bytes: number; download_bytes: number }) =>
    formatBytes(x.upload_bytes + x.download_bytes, locale);
  const caption = t('traffic-caption', {
    name: escapeHtml(key.name),
    status: lines.status,
    today: sum(usage.today),
    month: sum(usage.month),
    lifetime: formatBytes(usage.lifetime_used_bytes, locale),
    traffic: lines.traffic,
    expiry: lines.expiry,
  });
  const chart = trafficChartPng(services.reports.keyRecent(key.id, 30), {
    title: t('traffic-chart-title', { name: key.name }),
    download: t('traffic-download'),
    upload: t('traffic-upload'),
    empty: t('traffic-chart-empty'),
    locale,
  });
  const keyboard = new InlineKeyboard().text(
    t('traffic-btn-refresh'),
    trafficButton.pack({ action: 'refresh', id: key.id }),
  );
  return { caption, photo: new InputFile(chart, 'traffic.png'), keyboard };
}

async function sendTrafficOf(ctx: BotContext, key: Key, services: Services): Promise<void> {
  const view = trafficView(key, await trOf(ctx), services);
  await ctx.replyWithPhoto(view.photo, { caption: view.caption, reply_markup: view.keyboard });
}

/** "Traffic": of the only key, or a choice between the sender's keys. */
export async function sendTraffic(ctx: BotContext, deps: UserDeps): Promise<void> {
  const owned = deps.services.keys.ownedBy(ctx.from!.id);
  if (owned.length === 1) {
    if (await deps.throttle.allow(ctx, 'chart')) await sendTrafficOf(ctx, owned[0]!, deps.services);
    return;
  }
  const { t } = await trOf(ctx);
  if (owned.length === 0) {
    await ctx.reply(t('keys-none'));
    return;
  }
  const keyboard = new InlineKeyboard();
  for (const key of owned) keyboard.text(key.name, trafficButton.pack({ action: 'show', id: key.id })).row();
  await ctx.reply(t('traffic-pick'), { reply_markup: keyboard });
}

/** `/traffic` and the `tr:show|refresh:<id>` buttons. */
export function createTrafficFeature(deps: UserDeps) {
  const { services } = deps;
  const feature = new Composer<BotContext>();
  const privateChats = feature.chatType('private');

  privateChats.command('traffic', (ctx) => sendTraffic(ctx, deps));

  onButton(privateChats, trafficButton, async (ctx, { action, id }) => {
    const tr = await trOf(ctx);
    const key = ownKey(ctx, deps, id);
    if (!key) {
      await ctx.answerCallbackQuery({ text: tr.t('key-not-available'), show_alert: true });
      return;
    }
    if (!(await deps.throttle.allow(ctx, 'chart', 'answer'))) return;
    if (action === 'show') {
      await sendTrafficOf(ctx, key, services);
      await ctx.answerCallbackQuery();
      return;
    }
    const view = trafficView(key, tr, services);
    await ctx.editMessageMedia(
      { type: 'photo', media: view.photo, caption: view.caption },
      { reply_markup: view.keyboard },
    );
    await ctx.answerCallbackQuery({ text: tr.t('traffic-updated') });
  });

  return feature;
}
