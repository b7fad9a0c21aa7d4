/**
 * The logger of each request, made when first used. Fastify gives every request a child
 * logger bound to its id, and pino builds a child's bindings (through the redaction of
 * src/logger.ts) at once — for every request, although the API's requests seldom log
 * (request lines are off; the routes log through the services). This one holds the parent
 * and the bindings and makes the real child, with the same bindings, on its first log call.
 */
import type { FastifyBaseLogger } from 'fastify';

type Bindings = Parameters<FastifyBaseLogger['child']>[0];
type ChildOptions = Parameters<FastifyBaseLogger['child']>[1];
type Log = (...args: unknown[]) => void;

class LazyChildLogger {
  private made: FastifyBaseLogger | undefined;

  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly bindings: Bindings,
    private readonly options: ChildOptions,
  ) {}

  private get logger(): FastifyBaseLogger {
    return (this.made ??= this.parent.child(this.bindings, this.options));
  }

  get level(): string {
    return this.made?.level ?? this.options?.level ?? this.parent.level;
  }

  set level(level: string) {
    this.logger.level = level;
  }

  fatal(...args: unknown[]): void {
    (this.logger.fatal as Log)(...args);
  }

  error(...args: unknown[]): void {
    (this.logger.error as Log)(...args);
  }

  warn(...args: unknown[]): void {
    (this.logger.warn as Log)(...args);
  }

  info(...args: unknown[]): void {
    (this.logger.info as Log)(...args);
  }

  debug(...args: unknown[]): void {
    (this.logger.debug as Log)(...args);
  }

  trace(...args: unknown[]): void {
    (this.logger.trace as Log)(...args);
  }

  silent(...args: unknown[]): void {
    (this.logger.silent as Log)(...args);
  }

  child(bindings: Bindings, options?: ChildOptions): FastifyBaseLogger {
    return this.logger.child(bindings, options);
  }
}

/** Fastify's `childLoggerFactory`: request loggers that cost nothing until they log. */
export function lazyChildLogger(
  logger: FastifyBaseLogger,
  bindings: Bindings,
  options: ChildOptions,
): FastifyBaseLogger {
  return new LazyChildLogger(logger, bindings, options) as unknown as FastifyBaseLogger;
}
