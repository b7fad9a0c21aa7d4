/** Every HTTP error is `{ error: { code, message } }` with the right status; never a stack. */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ZodError } from 'zod';
import type { Logger } from '../logger.ts';
import { fromRemoteError, isAppError } from '../services/errors.ts';

export function errorBody(code: string, message: string, details?: unknown) {
  return { error: { code, message, ...(details === undefined ? {} : { details }) } };
}

/** Fastify's own error codes for bad requests, mapped to the registry's codes. */
const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'VALIDATION_FAILED',
  FST_ERR_CTP_INVALID_JSON_BODY: 'VALIDATION_FAILED',
};

/** Errors the router raises before any route runs (bad URL encoding, overlong path parameter). */
export function frameworkErrors(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const tooLong = error.code === 'FST_ERR_MAX_PARAM_LENGTH';
  void reply
    .status(tooLong ? 414 : 400)
    .send(
      errorBody(
        tooLong ? 'URI_TOO_LONG' : 'VALIDATION_FAILED',
        tooLong ? 'path parameter too long' : 'malformed URL',
      ),
    );
}

export function installErrorHandlers(app: FastifyInstance, logger: Logger): void {
  app.setErrorHandler((raw: FastifyError, request, reply) => {
    // A node's SSH failure that reached here unmapped still answers with its own code.
    const error = fromRemoteError(raw) as FastifyError;
    if (isAppError(error)) {
      return reply.status(error.status).send(errorBody(error.code, error.message, error.details));
    }
    if (error instanceof ZodError) {
      const fields = error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
      return reply.status(400).send(
        errorBody('VALIDATION_FAILED', fields.map((f) => `${f.path || 'body'}: ${f.message}`).join('; '), {
          fields,
        }),
      );
    }
    if (error.validation) {
      // Zod issues arrive as instancePath `/a/0/b`: report them as `body.a.0.b`.
      const fields = error.validation.map((v) => ({
        path: [error.validationContext, ...(v.instancePath ?? '').split('/').filter(Boolean)].join('.'),
        message: v.message ?? 'is invalid',
      }));
      const message = fields.map((f) => `${f.path}: ${f.message}`).join('; ');
      return reply.status(400).send(errorBody('VALIDATION_FAILED', message, { fields }));
    }
    const status = error.statusCode ?? 500;
    if (status < 500) {
      const code =
        (error.code && FASTIFY_CODES[error.code]) ?? (status === 404 ? 'NOT_FOUND' : 'VALIDATION_FAILED');
      return reply.status(status).send(errorBody(code, error.message));
    }
    logger.error({ err: error, url: request.url }, 'request failed');
    return reply.status(500).send(errorBody('INTERNAL', 'internal error'));
  });
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send(errorBody('NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`)),
  );
}
