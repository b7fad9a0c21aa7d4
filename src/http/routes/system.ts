/** `/api/v1/system/core…`: the VPN core's status, a sync of its users, a restart. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../services/errors.ts';
import type { Services } from '../../services/index.ts';
import { apiSchema } from '../openapi.ts';

const Anything = z.record(z.string(), z.unknown());

export function systemRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  // The operator controls the core adapter attached to the services (shared with the bot).
  const core = () => {
    if (!services.system) throw new AppError('CORE_UNAVAILABLE', 'no core adapter is attached');
    return services.system;
  };

  r.get(
    '/system/core',
    {
      schema: apiSchema('stats:read', {
        summary: 'Status of the VPN core',
        description: 'flavor, version, running, pid, uptime_seconds, restarts, users_in_core, last_error.',
        tags: ['system'],
        response: { 200: Anything },
        errors: [503],
      }),
    },
    async () => core().status(),
  );

  r.post(
    '/system/core/sync',
    {
      schema: apiSchema('system:write', {
        summary: 'Bring the core in line with the database',
        tags: ['system'],
        response: { 200: Anything },
        errors: [503],
      }),
    },
    async () => core().sync(),
  );

  r.post(
    '/system/core/restart',
    {
      schema: apiSchema('system:write', {
        summary: 'Restart the core (drops every connection)',
        description: 'Answers with the status after the restart.',
        tags: ['system'],
        response: { 200: Anything },
        errors: [503],
      }),
    },
    async () => {
      await core().restart();
      return core().status();
    },
  );
}
