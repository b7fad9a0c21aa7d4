/** `/events [type] [severity]`: the event log, newest first, with filters and paging. */
import { Composer } from 'grammy';
import { SEVERITIES, type Severity } from '../../../services/model.ts';
import type { BotContext } from '../../context.ts';
import { eventsView, type EventFilter } from '../../menus/admin/events.ts';
import { commandArgs, show, type AdminDeps } from './common.ts';

const PER_PAGE = 10;
/** Type filter buttons: the most frequent types of the last days. */
const TYPE_BUTTONS = 6;
const RECENT_MS = 30 * 86_400_000;
const TYPE_RE = /^[\w.-]{1,40}$/;
const PAGE_RE = /^a:ev:(\d{1,6}):(all|debug|info|warning|error|critical):([\w.-]{0,40})$/;

export function eventsFeature(deps: AdminDeps): Composer<BotContext> {
  const { events, clock } = deps.services;
  const feature = new Composer<BotContext>();

  function page(ctx: BotContext, filter: EventFilter, number: number) {
    const result = events.list({
      page: number,
      perPage: PER_PAGE,
      severity: filter.severity === 'all' ? undefined : filter.severity,
      type: filter.type || undefined,
    });
    // Offer the types seen lately, most frequent first: the log has no fixed list of types.
    const { by_type: counts } = events.counts(new Date(clock.now().getTime() - RECENT_MS));
    const types = Object.entries(counts)
      .sort((a, b) => b[1] - a[1])
      .map(([type]) => type)
      .filter((type) => TYPE_RE.test(type))
      .slice(0, TYPE_BUTTONS);
    return show(ctx, eventsView(ctx, result, filter, types));
  }

  feature.command('events', (ctx) => {
    const filter: EventFilter = { severity: 'all', type: '' };
    for (const arg of commandArgs(ctx)) {
      if ((SEVERITIES as readonly string[]).includes(arg)) filter.severity = arg as Severity;
      else if (TYPE_RE.test(arg)) filter.type = arg;
    }
    return page(ctx, filter, 1);
  });
  feature.callbackQuery(PAGE_RE, (ctx) => {
    const [, number, severity, type] = ctx.match as unknown as [
      string,
      string,
      EventFilter['severity'],
      string,
    ];
    return page(ctx, { severity, type }, Number(number) || 1);
  });
  return feature;
}
