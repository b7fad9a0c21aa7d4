/**
 * `POST /webhooks/payments/{cryptopay,stripe,yookassa,generic}` (no /api/v1): each
 * provider's own authentication, checked on the RAW body before anything is parsed, then
 * the payment is applied exactly once (a repeat answers 200 `{status: "duplicate"}`).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Config } from '../../config.ts';
import { AppError } from '../../services/errors.ts';
import type { Services } from '../../services/index.ts';
import type { ApplyInput } from '../../services/payments.service.ts';
import { isIpAllowed } from '../../services/api-keys.service.ts';
import { fromStripeAmount, hundredthsOf } from '../../services/payments/match.ts';
import { YOOKASSA_SENDERS, fetchYooKassaPayment } from '../../services/payments/providers.ts';
import {
  verifyCryptoPay,
  verifyGeneric,
  verifyStripe,
  type Verdict,
} from '../../services/payments/signatures.ts';
import { errorBody } from '../errors.ts';
import { publicSchema } from '../openapi.ts';
import { ErrorSchema } from '../schemas.ts';

const GenericBody = z
  .object({
    event_id: z.string().min(1).max(200).describe('Your id of this event: each is applied once.'),
    order_id: z
      .union([z.number().int().positive(), z.string().min(1).max(128)])
      .optional()
      .describe(
        'A number: the xkeeper order this pays (amount and currency must match it). ' +
          'A string: your own order reference, stored with the payment (give username or telegram_id).',
      ),
    username: z.string().min(1).max(32).optional(),
    telegram_id: z.number().int().positive().optional(),
    plan: z.union([z.number().int().positive(), z.string().min(1)]).optional(),
    extend_days: z.number().min(0).max(36500).optional(),
    add_traffic_gb: z.number().min(0).optional(),
    amount: z
      .number()
      .min(0)
      .describe('Minor units: hundredths of the currency (19900 = 199.00), Stars whole.'),
    currency: z.string().min(1).max(10),
  })
  .refine((b) => typeof b.order_id === 'number' || b.username !== undefined || b.telegram_id !== undefined, {
    message: 'give a numeric order_id, username or telegram_id',
  });

const WebhookAnswer = z.object({
  status: z.enum(['applied', 'duplicate', 'refused', 'ignored']),
  order_id: z.number().int().nullable().optional(),
  username: z.string().optional(),
  reason: z.string().optional().describe('Why a payment that does not match its order was refused.'),
});

function unauthorized(reply: FastifyReply, verdict: Verdict) {
  return reply.status(401).send(errorBody('UNAUTHORIZED', verdict.ok ? 'unauthorized' : verdict.reason));
}

function parseJson(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    throw new AppError('VALIDATION_FAILED', 'the body is not valid JSON');
  }
}

/** The order id a provider carries back for us, as a number, or undefined. */
function orderIdOf(value: unknown): number | undefined {
  const id = Number(value);
  return Number.isSafeInteger(id) && id > 0 ? id : undefined;
}

export function paymentWebhookRoutes(
  app: FastifyInstance,
  services: Services,
  config: Readonly<Config>,
): void {
  // Signatures are over the exact bytes received: keep the body raw in this scope.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  const now = () => Math.floor(services.clock.now().getTime() / 1000);
  const raw = (request: FastifyRequest) => (Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0));
  const doc = (provider: string, auth: string, body?: z.ZodType) => ({
    schema: publicSchema({
      summary: `Payment notification from ${provider}`,
      tags: ['payment webhooks'],
      description:
        `No API key: ${auth}. Applied once per payment; a repeat answers 200 {status: "duplicate"}; ` +
        'a payment whose status, currency or amount does not match its order answers 200 ' +
        '{status: "refused"} and grants nothing (the admins are alerted).',
      ...(body ? { body } : {}),
      response: { 200: WebhookAnswer, 401: ErrorSchema, 403: ErrorSchema },
      errors: [401, 403, 404],
    }),
    // A documented body is checked only after its signature, on the raw bytes.
    ...(body ? { validatorCompiler: () => (data: unknown) => ({ value: data }) } : {}),
  });

  async function apply(reply: FastifyReply, input: ApplyInput) {
    const result = await services.payments.apply(input);
    return reply.status(200).send({
      status: result.status,
      order_id: result.order?.id ?? null,
      ...(result.status === 'applied' ? { username: result.key.name } : {}),
      ...(result.status === 'refused' ? { reason: result.reason } : {}),
    });
  }

  app.post(
    '/webhooks/payments/generic',
    doc(
      'external billing',
      'X-Timestamp (±300 s) and X-Signature: sha256=<hex HMAC-SHA256(secret, timestamp.body)>',
      GenericBody,
    ),
    async (request, reply) => {
      const secret = config.PAYMENT_WEBHOOK_SECRET;
      if (!secret) throw new AppError('NOT_FOUND', 'the generic payment webhook is not configured');
      const verdict = verifyGeneric(
        secret,
        raw(request),
        request.headers['x-timestamp'] as string | undefined,
        request.headers['x-signature'] as string | undefined,
        now(),
      );
      if (!verdict.ok) return unauthorized(reply, verdict);
      const body = GenericBody.parse(parseJson(raw(request)));
      let grant = { days: body.extend_days ?? 0, trafficGb: body.add_traffic_gb ?? 0 };
      if (body.plan !== undefined) {
        const plan =
          typeof body.plan === 'number'
            ? services.payments.getPlan(body.plan)
            : services.payments
                .listPlans()
                .find((p) => p.name.toLowerCase() === String(body.plan).toLowerCase());
        if (!plan) throw new AppError('NOT_FOUND', `no plan ${body.plan}`);
        grant = { days: plan.days + grant.days, trafficGb: (plan.trafficGb ?? 0) + grant.trafficGb };
      }
      const xkeeperOrder = typeof body.order_id === 'number';
      return apply(reply, {
        provider: 'generic',
        providerPaymentId: body.event_id,
        orderId: xkeeperOrder ? (body.order_id as number) : undefined,
        externalRef: xkeeperOrder ? null : (body.order_id as string | undefined),
        keyName: body.username ?? null,
        telegramId: body.telegram_id ?? null,
        grant,
        // Against an order the amount is compared exactly; without one it is only recorded.
        amount: xkeeperOrder ? body.amount : Math.round(body.amount),
        currency: body.currency.toUpperCase(),
        actor: 'webhook:generic',
      });
    },
  );

  app.post(
    '/webhooks/payments/cryptopay',
    doc('Crypto Pay', 'crypto-pay-api-signature over the raw body'),
    async (request, reply) => {
      if (!config.CRYPTOPAY_TOKEN) throw new AppError('NOT_FOUND', 'Crypto Pay is not configured');
      const verdict = verifyCryptoPay(
        config.CRYPTOPAY_TOKEN,
        raw(request),
        request.headers['crypto-pay-api-signature'] as string | undefined,
      );
      if (!verdict.ok) return unauthorized(reply, verdict);
      const update = parseJson(raw(request)) as {
        update_type?: string;
        payload?: {
          invoice_id?: number;
          status?: string;
          payload?: string;
          currency_type?: string;
          amount?: string;
          fiat?: string;
          asset?: string;
        };
      };
      const invoice = update.payload;
      if (update.update_type !== 'invoice_paid' || !invoice?.invoice_id || invoice.status !== 'paid') {
        return reply.send({ status: 'ignored' });
      }
      const orderId = orderIdOf(invoice.payload);
      if (!orderId) throw new AppError('VALIDATION_FAILED', 'the invoice carries no order id');
      // update_id is not unique: the invoice id is the once-only key.
      return apply(reply, {
        provider: 'cryptopay',
        providerPaymentId: String(invoice.invoice_id),
        orderId,
        status: invoice.status,
        // Our invoices are in fiat; one in a crypto asset must be in the order's currency.
        currency: ((invoice.currency_type === 'crypto' ? invoice.asset : invoice.fiat) ?? '').toUpperCase(),
        amount: hundredthsOf(invoice.amount),
        actor: 'webhook:cryptopay',
      });
    },
  );

  app.post(
    '/webhooks/payments/stripe',
    doc('Stripe', 'Stripe-Signature (t, v1), 300 s tolerance'),
    async (request, reply) => {
      if (!config.STRIPE_WEBHOOK_SECRET) throw new AppError('NOT_FOUND', 'Stripe is not configured');
      const verdict = verifyStripe(
        config.STRIPE_WEBHOOK_SECRET,
        raw(request),
        request.headers['stripe-signature'] as string | undefined,
        now(),
      );
      if (!verdict.ok) return unauthorized(reply, verdict);
      const event = parseJson(raw(request)) as {
        type?: string;
        data?: {
          object?: {
            id?: string;
            client_reference_id?: string;
            payment_status?: string;
            amount_total?: number;
            currency?: string;
            metadata?: Record<string, string>;
          };
        };
      };
      const session = event.data?.object;
      // `unpaid` is a delayed method still on its way; `no_payment_required` is refused below.
      if (
        event.type !== 'checkout.session.completed' ||
        !session?.id ||
        session.payment_status === 'unpaid'
      ) {
        return reply.send({ status: 'ignored' });
      }
      const orderId = orderIdOf(session.client_reference_id ?? session.metadata?.order_id);
      if (!orderId) throw new AppError('VALIDATION_FAILED', 'the session carries no order id');
      return apply(reply, {
        provider: 'stripe',
        providerPaymentId: session.id,
        orderId,
        status: session.payment_status,
        amount: fromStripeAmount(session.amount_total, session.currency ?? ''),
        currency: (session.currency ?? '').toUpperCase(),
        actor: 'webhook:stripe',
      });
    },
  );

  app.post(
    '/webhooks/payments/yookassa',
    doc('YooKassa', 'sender IP in YooKassa’s list, payment re-fetched from its API'),
    async (request, reply) => {
      if (!config.YOOKASSA_SHOP_ID || !config.YOOKASSA_SECRET_KEY) {
        throw new AppError('NOT_FOUND', 'YooKassa is not configured');
      }
      // Unsigned notifications: the sender must be YooKassa, and its API must confirm.
      if (!isIpAllowed(YOOKASSA_SENDERS, request.ip)) {
        return reply.status(403).send(errorBody('IP_NOT_ALLOWED', 'the sender is not YooKassa'));
      }
      const note = parseJson(raw(request)) as { event?: string; object?: { id?: string } };
      if (note.event !== 'payment.succeeded' || !note.object?.id) return reply.send({ status: 'ignored' });
      const payment = await fetchYooKassaPayment(config, note.object.id);
      if (payment.status !== 'succeeded') return reply.send({ status: 'ignored' });
      const orderId = orderIdOf(payment.metadata?.order_id);
      if (!orderId) throw new AppError('VALIDATION_FAILED', 'the payment carries no order id');
      return apply(reply, {
        provider: 'yookassa',
        providerPaymentId: payment.id,
        orderId,
        status: payment.status,
        amount: hundredthsOf(payment.amount?.value),
        currency: payment.amount?.currency ?? '',
        actor: 'webhook:yookassa',
      });
    },
  );
}
