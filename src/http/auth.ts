/**
 * Authentication of /api/v1 routes: the API key (X-API-Key or Authorization: Bearer),
 * its IP allowlist, its rate limits, then the scope the route declared. Runs in onRequest,
 * so a request without a valid key is refused before its body is read. The hook is added
 * to each route that needs a key, with its scope, when the route is registered: public
 * routes run none of it and nothing is looked up per request.
 */
import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  HookHandlerDoneFunction,
  onRequestHookHandler,
} from 'fastify';
import type { ApiKey } from '../services/model.ts';
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

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/** The key a request presents, if any. */
function presentedKey(request: FastifyRequest): string | null {
  const headers = request.headers;
  const header = headers['x-api-key'];
  if (typeof header === 'string' && header) return header.trim();
  const auth = headers.authorization;
  const match = auth ? BEARER.exec(auth) : null;
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

  /** The onRequest hook of a route that needs `scope`. */
  const authenticate =
    (scope: Scope): onRequestHookHandler =>
    (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
      const raw = presentedKey(request);
      if (!raw) {
        throw new AppError('UNAUTHORIZED', 'an API key is required (X-API-Key or Authorization: Bearer)');
      }
      const key = services.apiKeys.authenticate(raw);
      if (key.allowedIps.length > 0 && !isIpAllowed(key.allowedIps, request.ip)) {
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
      done();
    };

  app.addHook('onRoute', (route) => {
    const scope = (route.schema as Record<string, unknown> | undefined)?.['x-scope'];
    if (scope !== 'none' && !SCOPES.includes(scope as Scope)) {
      throw new Error(`route ${route.method} ${route.url} declares no x-scope`);
    }
    route.config = { ...route.config, scope: scope as Scope | 'none' };
    if (scope !== 'none') {
      // First, before any hook of the route's own: nothing runs for a request without a key.
      route.onRequest = [authenticate(scope as Scope), ...[route.onRequest ?? []].flat()];
    }
  });
}
