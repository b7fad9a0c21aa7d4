/**
 * `/sub/{token}` (no /api/v1, the token is the credential): the subscription VPN clients
 * fetch — base64 links, Clash Meta YAML or sing-box JSON by path suffix or User-Agent —
 * or, for a browser, a web page with the QR code and app guides.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Key } from '../../db/schema.ts';
import type { Services } from '../../services/index.ts';
import {
  formatForUserAgent,
  userinfoHeader,
  type SubscriptionFormat,
  type SubscriptionKey,
} from '../../services/subscription.service.ts';
import { publicSchema } from '../openapi.ts';
import { renderSubscriptionPage } from '../sub-page.ts';
import { pickLanguage } from '../sub-page-text.ts';

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

const HEADERS_TEXT =
  'Headers: `subscription-userinfo: upload=…; download=…; total=…; expire=…` (total 0 = unlimited, ' +
  'expire in unix seconds, 0 = never), `profile-title`, `profile-update-interval` (hours), `support-url`, ' +
  '`profile-web-page-url`, `content-disposition`.';

export function subscriptionRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { subscription } = services;

  function sendBody(reply: FastifyReply, key: SubscriptionKey, format: SubscriptionFormat): void {
    const { body, contentType } = subscription.render(key, format);
    const profile = subscription.profile(key);
    reply
      .header('content-type', contentType)
      .header('subscription-userinfo', userinfoHeader(subscription.usage(key)))
      .header('profile-title', `base64:${Buffer.from(profile.title).toString('base64')}`)
      .header('profile-update-interval', profile.updateIntervalHours)
      .header('profile-web-page-url', profile.webPageUrl)
      .header('content-disposition', `attachment; filename="${key.name}"`)
      .header('cache-control', 'no-store')
      .header('vary', 'accept, user-agent');
    if (profile.supportUrl) reply.header('support-url', profile.supportUrl);
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
        summary: 'The subscription: base64 links, Clash, sing-box or a web page',
        description:
          'Format by User-Agent: clash/mihomo/stash → Clash Meta YAML; sing-box → sing-box JSON; anything else ' +
          '(v2rayN, v2rayNG, Hiddify, Streisand…) → base64 of the share links, one per line. A browser ' +
          `(Accept: text/html) gets a web page with the QR code and app guides. ${HEADERS_TEXT}`,
        tags: ['subscription'],
        params: TokenParams,
        produces: {
          'text/plain': 'base64 of the share links, one per line',
          'text/yaml': 'Clash Meta profile',
          'application/json': 'sing-box profile',
          'text/html': 'web page for a browser',
        },
      }),
    },
    // Not async: the answer to a client goes out without a promise (the page awaits its rendering).
    (request, reply) => {
      const { token } = request.params;
      const format = formatForUserAgent(request.headers['user-agent']);
      if (format === 'base64' && request.headers.accept?.includes('text/html')) {
        return sendPage(request, reply, subscription.resolve(token));
      }
      sendBody(reply, subscription.resolveForClient(token), format);
      return undefined;
    },
  );

  const formats: Array<{ format: SubscriptionFormat; summary: string; produces: Record<string, string> }> = [
    {
      format: 'clash',
      summary: 'The subscription as Clash Meta YAML',
      produces: { 'text/yaml': 'Clash Meta profile' },
    },
    {
      format: 'singbox',
      summary: 'The subscription as a sing-box profile',
      produces: { 'application/json': 'sing-box profile' },
    },
  ];
  for (const { format, summary, produces } of formats) {
    r.get(
      `/sub/:token/${format}`,
      {
        schema: publicSchema({
          summary,
          description: HEADERS_TEXT,
          tags: ['subscription'],
          params: TokenParams,
          produces,
        }),
      },
      (request, reply) => {
        sendBody(reply, subscription.resolveForClient(request.params.token), format);
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
