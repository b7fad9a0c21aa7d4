/**
 * `GET /api/v1/health`: 200 once start-up is done, 503 before; no auth. "degraded" names the
 * part that is down (Telegram, the core) while the rest serves.
 */
import type { FastifyInstance } from 'fastify';
import { APP_VERSION } from '../../version.ts';
import { publicSchema } from '../openapi.ts';

export interface HealthSource {
  /** True once start-up is done (orphaned core adopted, first reconcile run). */
  isReady(): boolean;
  /** What the core adapter reports (users in it, when it can count them). */
  coreStatus(): Promise<{ running: boolean; users_in_core?: number | null }>;
  /** Where the bot stands with the Bot API (absent: no bot, reported as connected). */
  telegramState?(): 'connecting' | 'connected' | 'unreachable';
}

/** `telegram` of the health body: "ok" or the reason the bot does not serve. */
export function telegramHealth(source: HealthSource): 'ok' | 'connecting' | 'unreachable' {
  const state = source.telegramState?.() ?? 'connected';
  return state === 'connected' ? 'ok' : state;
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
          '`core.running` tells whether the VPN core runs; `telegram` whether the bot reaches the Bot API ' +
          '(`ok`, `connecting`, `unreachable`). `status` is `degraded` while either is down.',
        tags: ['meta'],
      }),
    },
    async (_request, reply) => {
      const ready = source.isReady();
      const core = await source.coreStatus();
      const telegram = telegramHealth(source);
      const healthy = core.running && telegram === 'ok';
      return reply.status(ready ? 200 : 503).send({
        status: !ready ? 'starting' : healthy ? 'ok' : 'degraded',
        version: APP_VERSION,
        uptime_seconds: Math.floor((Date.now() - startedAt) / 1000),
        telegram,
        core,
      });
    },
  );
}
