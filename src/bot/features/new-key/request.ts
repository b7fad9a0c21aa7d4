/** The message admins get about a key request, before and after it is decided. */
import { InlineKeyboard } from 'grammy';
import type { TelegramUser } from '../../../services/model.ts';
import type { Services } from '../../../services/index.ts';
import type { KeyRequest } from '../../../services/requests.service.ts';
import { callbackData, escapeHtml, int, oneOf, type Tr } from '../../kit/index.ts';

/** An admin's decision on key request `id`, from the request message. */
export const requestButton = callbackData('req', { decision: oneOf(['ok', 'no']), id: int });

/** A person as a link that opens their profile, with @username and id. */
function who(id: number, person: TelegramUser | undefined): string {
  const name = [person?.firstName, person?.lastName].filter(Boolean).join(' ') || String(id);
  const handle = person?.username ? `@${escapeHtml(person.username)}, ` : '';
  return `<a href="tg://user?id=${id}">${escapeHtml(name)}</a> (${handle}id ${id})`;
}

/** Text of the request message: who asks and, once decided, the outcome. */
export function requestText(request: KeyRequest, tr: Tr, services: Services): string {
  const asker = who(request.telegramId, services.admins.get(request.telegramId));
  // The id as a string: Fluent would group a number's digits ("#1,024").
  const lines = [tr.t('request-admin', { id: String(request.id), who: asker })];
  if (request.state !== 'pending') {
    const admin = request.decidedBy === null ? undefined : services.admins.get(request.decidedBy);
    const adminName = admin
      ? escapeHtml(admin.username ? `@${admin.username}` : (admin.firstName ?? String(admin.id)))
      : '—';
    const key = request.keyId === null ? undefined : services.keys.getById(request.keyId);
    lines.push(
      '',
      tr.t(`request-admin-${request.state}`, { admin: adminName, key: escapeHtml(key?.name ?? '—') }),
    );
  }
  return lines.join('\n');
}

/** Approve / Decline buttons of a pending request (checked again on the server when pressed). */
export function requestKeyboard(request: KeyRequest, tr: Tr): InlineKeyboard | undefined {
  if (request.state !== 'pending') return undefined;
  return new InlineKeyboard()
    .text(tr.t('request-btn-approve'), requestButton.pack({ decision: 'ok', id: request.id }))
    .text(tr.t('request-btn-reject'), requestButton.pack({ decision: 'no', id: request.id }));
}
