/**
 * `/sub/{token}` (no /api/v1, the token is the credential): the subscription VPN clients
 * fetch — base64 links, Clash Meta or Stash YAML, sing-box JSON or Xray JSON by path suffix
 * or User-Agent — or, for a browser, a web page with the QR code and app guides. Also the
 * API's `/settings/subscription` (the announcement apps show).
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Key, KeyStatus } from '../../services/model.ts';
import type { Services } from '../../services/index.ts';
import {
  formatForUserAgent,
  isStopped,
  userinfoHeader,
  type SubscriptionFormat,
  type SubscriptionKey,
} from '../../services/subscription.service.ts';
import { actorOf } from '../auth.ts';
import { apiSchema, publicSchema, type ProducedBody, type ResponseHeaders } from '../openapi.ts';
import { renderSubscriptionPage } from '../sub-page.ts';
import { PAGE_TEXT, pickLanguage } from '../sub-page-text.ts';

const TokenParams = z.object({ token: z.string().min(1).max(100) });

const SubscriptionInfoSchema = z.object({
  username: z.string(),
  status: z.string(),
  upload_bytes: z.number(),
  download_bytes: z.number(),
  used_bytes: z.number(),
  lifetime_used_bytes: z.number(),
  traffic_limit_bytes: z.number().nullable(),
  expire_at: z.string().nullable(),
  reset_strategy: z.string(),
  online_at: z.string().nullable(),
  subscription_url: z.string(),
  links: z.array(z.string()),
  support_url: z.string().nullable(),
});

const SubscriptionSettingsSchema = z.object({
  announce: z
    .string()
    .max(200)
    .describe('Shown by VPN apps (the `announce` header of every subscription); empty = none'),
});

/** The response headers every client format carries, as the OpenAPI document declares them. */
const CLIENT_HEADERS: ResponseHeaders = {
  'subscription-userinfo': {
    description: '`upload=N; download=N; total=N; expire=UNIX` (total 0 = unlimited, expire 0 = never)',
    type: 'string',
  },
  'profile-title': { description: 'The profile’s name, `base64:` of its UTF-8', type: 'string' },
  'profile-update-interval': { description: 'Hours between refreshes', type: 'integer' },
  'profile-web-page-url': { description: 'The subscription’s web page', type: 'string' },
  'support-url': { description: 'The support contact, when one is set', type: 'string' },
  announce: {
    description:
      '`base64:` of the text an app shows: the admin’s announcement, or why a stopped key connects nowhere',
    type: 'string',
  },
  'content-disposition': { description: '`attachment; filename="NAME"`', type: 'string' },
};

const jsonObject = (description: string) => ({ description, schema: { type: 'object' } });
const jsonArray = (description: string) => ({
  description,
  schema: { type: 'array', items: { type: 'object' } },
});
const textBody = (description: string) => ({ description, schema: { type: 'string' } });

/** The formats served under their own suffix, with how the document describes them. */
const FORMAT_ROUTES: Array<{
  format: Exclude<SubscriptionFormat, 'base64'>;
  summary: string;
  produces: Record<string, ProducedBody>;
}> = [
  {
    format: 'clash',
    summary: 'The subscription as a Clash Meta (mihomo) profile',
    produces: { 'text/yaml': textBody('Clash Meta profile (YAML)') },
  },
  {
    format: 'stash',
    summary: 'The subscription as a Stash profile',
    produces: { 'text/yaml': textBody('Stash profile (YAML)') },
  },
  {
    format: 'singbox',
    summary: 'The subscription as a sing-box profile',
    produces: { 'application/json': jsonObject('sing-box profile (1.12+; 1.11 by User-Agent)') },
  },
  {
    format: 'xray',
    summary: 'The subscription as Xray JSON: one full client config per server',
    produces: { 'application/json': jsonArray('Xray client configs') },
  },
];

/** For a stopped key: the entry's name and the announcement, in the reader's language. */
function stoppedNotice(
  request: FastifyRequest,
  status: KeyStatus,
): { name: string; announce: string } | null {
  if (!isStopped(status)) return null;
  const t = PAGE_TEXT[pickLanguage(request.headers['accept-language'])];
  return { name: `⛔ ${t.status[status]}`, announce: t.stopped[status] };
}

const base64 = (value: string) => `base64:${Buffer.from(value, 'utf8').toString('base64')}`;

export function subscriptionRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { subscription } = services;

  function sendBody(
    request: FastifyRequest,
    reply: FastifyReply,
    key: SubscriptionKey,
    format: SubscriptionFormat,
  ): void {
    const userAgent = request.headers['user-agent'];
    const profile = subscription.profile(key);
    // A stopped key: one entry and a title naming the reason, the reason as the announcement.
    const stopped = stoppedNotice(request, key.status);
    const notice = stopped?.name;
    const announce = stopped ? stopped.announce : profile.announce;
    const { body, contentType } = subscription.render(key, format, { userAgent, notice });
    reply
      .header('content-type', contentType)
      .header('subscription-userinfo', userinfoHeader(subscription.usage(key)))
      .header('profile-title', base64(notice ? `${notice} · ${key.name}` : profile.title))
      .header('profile-update-interval', profile.updateIntervalHours)
      .header('profile-web-page-url', profile.webPageUrl)
      .header('content-disposition', `attachment; filename="${key.name}"`)
      .header('cache-control', 'no-store')
      .header('vary', 'accept, accept-language, user-agent');
    if (profile.supportUrl) reply.header('support-url', profile.supportUrl);
    if (announce) reply.header('announce', base64(announce));
    reply.send(body);
  }

  async function sendPage(request: FastifyRequest, reply: FastifyReply, key: Key) {
    const nonce = randomBytes(16).toString('base64');
    const lang = pickLanguage(request.headers['accept-language']);
    const page = await renderSubscriptionPage({
      info: subscription.info(key),
      lang,
      now: services.clock.now(),
      userAgent: request.headers['user-agent'],
      nonce,
    });
    return reply
      .header('content-type', 'text/html; charset=utf-8')
      .header(
        'content-security-policy',
        `default-src 'none'; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}'; img-src data:; ` +
          "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
      )
      .header('referrer-policy', 'no-referrer')
      .header('x-content-type-options', 'nosniff')
      .header('content-language', lang)
      .header('cache-control', 'no-store')
      .header('vary', 'accept, accept-language, user-agent')
      .send(page);
  }

  r.get(
    '/sub/:token',
    {
      schema: publicSchema({
        summary: 'The subscription in the format the client reads, or a web page',
        description:
          'Format by User-Agent, as the leading panels tell it: mihomo family (Clash Verge, FlClash, ClashX Meta, ' +
          'clash.meta, Nyanpasu…) and other Clash → Clash Meta YAML; Stash → Stash YAML; sing-box family ' +
          '(SFA, SFI, SFM, SFT, Karing) → sing-box JSON; v2rayNG 1.8.29+, v2rayN 6.40+, Happ 1.63.1+, Streisand, ' +
          'INCY, V2Box → Xray JSON; anything else (Hiddify, older v2rayNG…) → base64 of the share links, one per ' +
          'line. One link per enabled VPN server of the key, named by the server, one down longer than the ' +
          '`hideDownNodeMinutes` setting left out; Clash Meta and sing-box also get an automatic url-test group. ' +
          'A browser (Accept: text/html) gets a web page with the QR code and app guides. A disabled, ' +
          'expired or limited key gets one entry that connects nowhere, named with the reason, and the reason in ' +
          '`announce` and `profile-title`.',
        tags: ['subscription'],
        params: TokenParams,
        produces: {
          'text/plain': textBody('base64 of the share links, one per line'),
          'text/yaml': textBody('Clash Meta or Stash profile'),
          'application/json': {
            description: 'sing-box profile (an object) or Xray JSON (an array of client configs)',
            schema: { oneOf: [{ type: 'object' }, { type: 'array', items: { type: 'object' } }] },
          },
          'text/html': textBody('web page for a browser'),
        },
        successHeaders: CLIENT_HEADERS,
      }),
    },
    // Not async: the answer to a client goes out without a promise (the page awaits its rendering).
    (request, reply) => {
      const { token } = request.params;
      const format = formatForUserAgent(request.headers['user-agent']);
      if (format === 'base64' && request.headers.accept?.includes('text/html')) {
        return sendPage(request, reply, subscription.resolve(token));
      }
      sendBody(request, reply, subscription.resolveForClient(token), format);
      return undefined;
    },
  );

  for (const { format, summary, produces } of FORMAT_ROUTES) {
    r.get(
      `/sub/:token/${format}`,
      {
        schema: publicSchema({
          summary,
          tags: ['subscription'],
          params: TokenParams,
          produces,
          successHeaders: CLIENT_HEADERS,
        }),
      },
      (request, reply) => {
        sendBody(request, reply, subscription.resolveForClient(request.params.token), format);
      },
    );
  }

  r.get(
    '/sub/:token/info',
    {
      schema: publicSchema({
        summary: 'The subscription’s usage, expiry and links as JSON',
        tags: ['subscription'],
        params: TokenParams,
        response: { 200: SubscriptionInfoSchema },
      }),
    },
    async (request) => subscription.info(subscription.resolve(request.params.token)),
  );
}

/** `/api/v1/settings/subscription`: what every subscription announces (bot: admin Settings). */
export function subscriptionSettingsRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { settings, events } = services;
  const current = () => ({ announce: settings.get('subscriptionAnnounce') ?? '' });

  r.get(
    '/settings/subscription',
    {
      schema: apiSchema('subscriptions:read', {
        summary: 'The announcement every subscription carries',
        tags: ['subscription'],
        response: { 200: SubscriptionSettingsSchema },
      }),
    },
    async () => current(),
  );

  r.patch(
    '/settings/subscription',
    {
      schema: apiSchema('system:write', {
        summary: 'Change the announcement every subscription carries',
        description: 'An empty `announce` removes it. Apps show it on their next refresh.',
        tags: ['subscription'],
        body: SubscriptionSettingsSchema.partial(),
        response: { 200: SubscriptionSettingsSchema },
      }),
    },
    async (request) => {
      const { announce } = request.body;
      if (announce !== undefined) {
        settings.set('subscriptionAnnounce', announce.trim());
        events.record({
          type: 'settings.changed',
          actor: actorOf(request),
          subject: 'subscriptionAnnounce',
          data: { value: announce.trim() },
        });
      }
      return current();
    },
  );
}
