/** `/api/v1/plans…`: what the bot sells. A plan is never deleted (orders point at it): DELETE stops selling it. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { PlanInput } from '../../services/payments.service.ts';
import type { Services } from '../../services/index.ts';
import { toPlanJson } from '../../services/plan-view.ts';
import { actorOf } from '../auth.ts';
import { apiSchema } from '../openapi.ts';
import { IdParams, PageQuery, pageOf, pageSlice } from '../schemas.ts';

export const PlanSchema = z
  .object({
    id: z.number().int(),
    name: z.string(),
    days: z.number().int(),
    traffic_gb: z.number().nullable().describe('null = unlimited'),
    price_stars: z.number().int().nullable(),
    prices: z.record(z.string(), z.number().int()).describe('per currency, in minor units: {"RUB": 19900}'),
    trial: z.boolean(),
    active: z.boolean().describe('false: not on sale'),
    created_at: z.iso.datetime({ offset: true }),
  })
  .meta({ id: 'Plan' });

const planFields = {
  name: z.string().min(1).max(32),
  days: z.number().int().min(1).max(3650),
  traffic_gb: z.number().min(0).max(1_000_000).nullable().optional().describe('0 or null = unlimited'),
  price_stars: z.number().int().min(1).max(10_000).nullable().optional(),
  prices: z
    .record(z.string().regex(/^[A-Z]{3}$/), z.number().int().positive())
    .optional()
    .describe('per currency, in minor units: {"RUB": 19900, "USD": 299}'),
  trial: z.boolean().optional().describe('free, once per person'),
  active: z.boolean().optional().describe('on sale (default true)'),
};

const CreatePlanBody = z.strictObject(planFields);
const UpdatePlanBody = z.strictObject({
  ...planFields,
  name: planFields.name.optional(),
  days: planFields.days.optional(),
});

function toInput(b: z.infer<typeof UpdatePlanBody>): Partial<PlanInput> {
  const input: Partial<PlanInput> = {
    name: b.name,
    days: b.days,
    trafficGb: b.traffic_gb === undefined ? undefined : (b.traffic_gb ?? 0),
    priceStars: b.price_stars,
    prices: b.prices,
    isTrial: b.trial,
    active: b.active,
  };
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
}

export function planRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { payments } = services;

  r.get(
    '/plans',
    {
      schema: apiSchema('plans:read', {
        summary: 'List plans, oldest first (disabled ones too)',
        tags: ['plans'],
        querystring: PageQuery,
        response: { 200: pageOf(PlanSchema) },
      }),
    },
    async (request) => pageSlice(payments.listPlans().map(toPlanJson), request.query),
  );

  r.get(
    '/plans/:id',
    {
      schema: apiSchema('plans:read', {
        summary: 'Get a plan',
        tags: ['plans'],
        params: IdParams,
        response: { 200: PlanSchema },
      }),
    },
    async (request) => toPlanJson(payments.getPlan(request.params.id)),
  );

  r.post(
    '/plans',
    {
      schema: apiSchema('plans:write', {
        summary: 'Create a plan',
        tags: ['plans'],
        body: CreatePlanBody,
        response: { 201: PlanSchema },
      }),
    },
    async (request, reply) => {
      const plan = payments.createPlan(toInput(request.body) as PlanInput, actorOf(request));
      return reply.status(201).send(toPlanJson(plan));
    },
  );

  r.patch(
    '/plans/:id',
    {
      schema: apiSchema('plans:write', {
        summary: 'Change a plan (only the given fields)',
        description: 'Orders already open keep the price they were made with.',
        tags: ['plans'],
        params: IdParams,
        body: UpdatePlanBody,
        response: { 200: PlanSchema },
      }),
    },
    async (request) =>
      toPlanJson(payments.updatePlan(request.params.id, toInput(request.body), actorOf(request))),
  );

  r.delete(
    '/plans/:id',
    {
      schema: apiSchema('plans:write', {
        summary: 'Stop selling a plan',
        description:
          'The plan is kept for the orders that point at it; `PATCH {"active": true}` sells it again.',
        tags: ['plans'],
        params: IdParams,
        response: { 204: z.null().describe('Disabled') },
      }),
    },
    async (request, reply) => {
      payments.updatePlan(request.params.id, { active: false }, actorOf(request));
      return reply.status(204).send(null);
    },
  );
}
