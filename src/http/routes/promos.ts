/** `/api/v1/promos…`: promo codes. A code is never deleted (redemptions point at it): DELETE switches it off. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../services/errors.ts';
import type { Services } from '../../services/index.ts';
import { PROMO_KINDS } from '../../services/model.ts';
import { toPromoJson } from '../../services/plan-view.ts';
import { actorOf } from '../auth.ts';
import { apiSchema } from '../openapi.ts';
import { PageQuery, pageOf, pageSlice } from '../schemas.ts';

const isoDate = z.iso.datetime({ offset: true });

export const PromoSchema = z
  .object({
    code: z.string(),
    kind: z
      .enum(PROMO_KINDS)
      .describe('`percent` off, `fixed` amount off (Stars or minor units), extra `days`'),
    value: z.number().int(),
    max_uses: z.number().int().nullable().describe('null = unlimited'),
    uses: z.number().int(),
    expire_at: isoDate.nullable(),
    active: z.boolean(),
    created_at: isoDate,
  })
  .meta({ id: 'Promo' });

const CodeParams = z.object({ code: z.string().min(1).max(32) });

const CreatePromoBody = z.strictObject({
  code: z
    .string()
    .regex(/^[A-Za-z0-9_-]{3,32}$/)
    .describe('3-32 letters, digits, _ or -; matched without case'),
  kind: z.enum(PROMO_KINDS),
  value: z.number().int().positive().describe('percent (1-100), amount off, or days'),
  max_uses: z.number().int().positive().nullable().optional().describe('absent or null = unlimited'),
  expire_days: z.number().int().positive().max(36_500).optional().describe('absent = never'),
});

const UpdatePromoBody = z.strictObject({
  active: z.boolean().optional(),
  max_uses: z.number().int().positive().nullable().optional(),
  expire_at: isoDate.nullable().optional().describe('null = never'),
});

export function promoRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { payments, clock } = services;
  const find = (code: string) => {
    const promo = payments.listPromos().find((p) => p.code.toLowerCase() === code.toLowerCase());
    if (!promo) throw new AppError('NOT_FOUND', `no promo code ${code}`);
    return promo;
  };

  r.get(
    '/promos',
    {
      schema: apiSchema('plans:read', {
        summary: 'List promo codes, newest first',
        tags: ['plans'],
        querystring: PageQuery,
        response: { 200: pageOf(PromoSchema) },
      }),
    },
    async (request) => pageSlice(payments.listPromos().map(toPromoJson), request.query),
  );

  r.get(
    '/promos/:code',
    {
      schema: apiSchema('plans:read', {
        summary: 'Get a promo code',
        tags: ['plans'],
        params: CodeParams,
        response: { 200: PromoSchema },
      }),
    },
    async (request) => toPromoJson(find(request.params.code)),
  );

  r.post(
    '/promos',
    {
      schema: apiSchema('plans:write', {
        summary: 'Create a promo code',
        tags: ['plans'],
        body: CreatePromoBody,
        response: { 201: PromoSchema },
      }),
    },
    async (request, reply) => {
      const b = request.body;
      const promo = payments.createPromo(
        {
          code: b.code,
          kind: b.kind,
          value: b.value,
          maxUses: b.max_uses ?? null,
          expireAt: b.expire_days ? new Date(clock.now().getTime() + b.expire_days * 86_400_000) : null,
        },
        actorOf(request),
      );
      return reply.status(201).send(toPromoJson(promo));
    },
  );

  r.patch(
    '/promos/:code',
    {
      schema: apiSchema('plans:write', {
        summary: 'Change a promo code (on/off, uses, expiry)',
        tags: ['plans'],
        params: CodeParams,
        body: UpdatePromoBody,
        response: { 200: PromoSchema },
      }),
    },
    async (request) => {
      const b = request.body;
      const patch = {
        ...(b.active !== undefined && { active: b.active }),
        ...(b.max_uses !== undefined && { maxUses: b.max_uses }),
        ...(b.expire_at !== undefined && { expireAt: b.expire_at === null ? null : new Date(b.expire_at) }),
      };
      return toPromoJson(payments.updatePromo(request.params.code, patch, actorOf(request)));
    },
  );

  r.delete(
    '/promos/:code',
    {
      schema: apiSchema('plans:write', {
        summary: 'Switch a promo code off',
        description:
          'Kept for the redemptions that point at it; `PATCH {"active": true}` switches it on again.',
        tags: ['plans'],
        params: CodeParams,
        response: { 204: z.null().describe('Disabled') },
      }),
    },
    async (request, reply) => {
      payments.updatePromo(request.params.code, { active: false }, actorOf(request));
      return reply.status(204).send(null);
    },
  );
}
