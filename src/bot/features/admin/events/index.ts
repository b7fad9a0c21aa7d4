/** `/events [type] [severity]`: the event log, newest first, with filters and paging. */
import { Composer } from 'grammy';
import { SEVERITIES, type Severity } from '../../../../services/model.ts';
import type { BotContext } from '../../../context.ts';
import { DAY_MS } from '../../../../services/keys/rules.ts';
import { commandArgs, onButton, show } from '../../../kit/index.ts';
import type { AdminDeps } from '../common.ts';
import { eventsButton, eventsView, type EventFilter } from './screens.ts';

const PER_PAGE = 10;
/** Type filter buttons: the most frequent types of the last days. */
const TYPE_BUTTONS = 6;
const RECENT_MS = 30 * DAY_MS;
const TYPE_RE = /^[\w.-]{1,40}$/;

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
  onButton(feature, eventsButton, (ctx, { page: number, severity, type }) =>
    page(ctx, { severity, type }, number || 1),
  );
  return feature;
}
