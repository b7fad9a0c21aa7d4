/** The admin event log screen: newest first, filters by severity and type, paging. */
import { InlineKeyboard } from 'grammy';
import { SEVERITIES, type Event, type Severity } from '../../../../services/model.ts';
import { callbackData, esc, int, oneOf, word, type Screen, type Translator } from '../../../kit/index.ts';
import { menuButton } from '../common.ts';

export const SEVERITY_ICON: Record<Severity, string> = {
  debug: '🔹',
  info: 'ℹ️',
  warning: '⚠️',
  error: '❌',
  critical: '🔥',
};

export interface EventFilter {
  severity: Severity | 'all';
  /** Exact event type, or '' for every type. */
  type: string;
}

/** A page of events: `a:ev:<page>:<severity>:<type>` (type '' = every type). */
export const eventsButton = callbackData('a:ev', {
  page: int,
  severity: oneOf(['all', ...SEVERITIES]),
  type: word('[\\w.-]{0,40}'),
});

function eventsData(filter: EventFilter, page = 1): string {
  return eventsButton.pack({ page, severity: filter.severity, type: filter.type });
}

function line(event: Event): string {
  const at = event.at.toISOString().slice(5, 16).replace('T', ' ');
  const who = [event.subject, event.actor].filter(Boolean).map(esc).join(' · ');
  return `<code>${at}</code> ${SEVERITY_ICON[event.severity]} <b>${esc(event.type)}</b>${who ? ` · ${who}` : ''}`;
}

/**
 * One page of events. `types` are the types offered as filters (those seen recently).
 */
export function eventsView(
  ctx: Translator,
  page: { items: Event[]; total: number; page: number; perPage: number },
  filter: EventFilter,
  types: string[],
): Screen {
  const pages = Math.max(1, Math.ceil(page.total / page.perPage));
  const lines = [ctx.t('admin-events-title', { total: page.total })];
  if (filter.severity !== 'all' || filter.type) {
    lines.push(
      ctx.t('admin-events-filter', {
        severity: filter.severity === 'all' ? ctx.t('admin-filter-all') : filter.severity,
        type: filter.type ? esc(filter.type) : ctx.t('admin-filter-all'),
      }),
    );
  }
  lines.push(...page.items.map(line));
  lines.push(page.total ? ctx.t('admin-page', { page: page.page, pages }) : ctx.t('admin-events-none'));

  const keyboard = new InlineKeyboard();
  for (const severity of ['all', 'info', 'warning', 'error', 'critical'] as const) {
    const label = severity === 'all' ? ctx.t('admin-filter-all') : SEVERITY_ICON[severity];
    keyboard.text(filter.severity === severity ? `• ${label}` : label, eventsData({ ...filter, severity }));
  }
  keyboard.row();
  types.forEach((type, i) => {
    keyboard.text(filter.type === type ? `• ${type}` : type, eventsData({ ...filter, type }));
    if (i % 2 === 1) keyboard.row();
  });
  keyboard.row();
  if (filter.type) keyboard.text(ctx.t('admin-btn-all-types'), eventsData({ ...filter, type: '' })).row();
  if (page.page > 1) keyboard.text('‹', eventsData(filter, page.page - 1));
  if (page.page < pages) keyboard.text('›', eventsData(filter, page.page + 1));
  keyboard.row().text(ctx.t('admin-btn-menu'), menuButton.pack({}));
  return { text: lines.join('\n'), keyboard };
}
