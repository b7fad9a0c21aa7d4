/** The HTTP server as the product builds it, over test services: silent log, ready, core running. */
import { createServer, type ServerDeps } from '../../src/http/index.ts';
import { silentLogger } from './db.ts';

export function testHttpServer(deps: Pick<ServerDeps, 'config' | 'services'> & Partial<ServerDeps>) {
  return createServer({
    logger: silentLogger,
    health: { isReady: () => true, coreStatus: async () => ({ running: true }) },
    ...deps,
  });
}
