/**
 * Authentication of /api/v1 routes: the API key (X-API-Key or Authorization: Bearer),
 * its IP allowlist, its rate limits, then the scope the route declared. Runs in onRequest,
 * so a request without a valid key is refused before its body is read.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ApiKey } from '../db/schema.ts';
import { hasScope, isIpAllowed, SCOPES, type Scope } from '../services/api-keys.service.ts';
import { AppError } from '../services/errors.ts';
import type { Services } from '../services/index.ts';
import { createRateLimiter } from './rate-limit.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The scope a route needs, or `none` for a public route (set from the schema's `x-scope`). */
    scope?: Scope | 'none';
  }
  interface FastifyRequest {
    /** The key that authenticated the request. */
    apiKey: ApiKey | null;
  }
}

/** The key a request presents, if any. */
function presentedKey(request: FastifyRequest): string | null {
  const header = request.headers['x-api-key'];
  if (typeof header === 'string' && header) return header.trim();
  const auth = request.headers.authorization;
  const match = auth ? /^Bearer\s+(\S+)\s*$/i.exec(auth) : null;
  return match ? match[1]! : null;
}

/** The actor name of events caused through the API. */
export function actorOf(request: FastifyRequest): string {
  return request.apiKey ? `api-key:${request.apiKey.id}` : 'api';
}

/**
 * Installs authentication on an encapsulated instance. Every route registered on it must
 * declare `x-scope` in its schema (a forgotten scope fails at start-up, not open).
 */
export function installAuth(app: FastifyInstance, services: Services): void {
  const limiter = createRateLimiter(() => services.clock.now().getTime());
  app.decorateRequest('apiKey', null);

  app.addHook('onRoute', (route) => {
    const scope = (route.schema as Record<string, unknown> | undefined)?.['x-scope'];
    if (scope !== 'none' && !SCOPES.includes(scope as Scope)) {
      throw new Error(`route ${route.method} ${route.url} declares no x-scope`);
    }
    route.config = { ...route.config, scope: scope as Scope | 'none' };
  });

  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const scope = request.routeOptions.config.scope;
    if (scope === undefined || scope === 'none') return;
    const raw = presentedKey(request);
    if (!raw) {
      throw new AppError('UNAUTHORIZED', 'an API key is required (X-API-Key or Authorization: Bearer)');
    }
    const key = services.apiKeys.authenticate(raw);
    if (!isIpAllowed(key.allowedIps, request.ip)) {
      throw new AppError('IP_NOT_ALLOWED', `this key may not be used from ${request.ip}`);
    }
    const verdict = limiter.take(key);
    reply.header('x-ratelimit-limit', verdict.limit);
    reply.header('x-ratelimit-remaining', verdict.remaining);
    reply.header('x-ratelimit-reset', verdict.resetSeconds);
    if (!verdict.ok) {
      reply.header('retry-after', verdict.resetSeconds);
      throw new AppError('RATE_LIMITED', `rate limit of ${verdict.limit} requests reached`);
    }
    services.apiKeys.recordUse(key.id);
    if (!hasScope(key.scopes, scope)) throw new AppError('FORBIDDEN', `this key lacks the ${scope} scope`);
    request.apiKey = key;
  });
}
