/** `GET /api/v1/health`: 200 once start-up is done, 503 before; no auth. */
import type { FastifyInstance } from 'fastify';
import { APP_VERSION } from '../../version.ts';
import { publicSchema } from '../openapi.ts';

export interface HealthSource {
  /** True once start-up is done (orphaned core adopted, first reconcile run). */
  isReady(): boolean;
  /** What the core adapter reports. */
  coreStatus(): Promise<{ running: boolean }>;
}

/** Registers `GET /health` on the /api/v1 instance. */
export function healthRoutes(app: FastifyInstance, source: HealthSource, startedAt: number) {
  app.get(
    '/health',
    {
      schema: publicSchema({
        summary: 'Liveness and readiness',
        description:
          '200 once start-up is done (core adopted, first reconcile run), 503 with the same body before. ' +
          '`core.running` tells whether the VPN core runs.',
        tags: ['meta'],
      }),
    },
    async (_request, reply) => {
      const ready = source.isReady();
      const core = await source.coreStatus();
      return reply.status(ready ? 200 : 503).send({
        status: ready ? 'ok' : 'starting',
        version: APP_VERSION,
        uptime_seconds: Math.floor((Date.now() - startedAt) / 1000),
        core,
      });
    },
  );
}
