/** A real Fastify server on real SQLite with the memory core, plus API keys to call it with. */
import type { ApiKeyInput } from '../../src/services/api-keys.service.ts';
import type { CoreControl, CoreUser } from '../../src/services/core-port.ts';
import { testServices } from '../helpers/db.ts';
import { testHttpServer } from '../helpers/http-server.ts';
import { createMemoryCore } from '../helpers/memory-core.ts';

/** Core controls that record calls. */
export function stubSystem() {
  const calls: string[] = [];
  const system: CoreControl = {
    status: async () => ({
      flavor: 'xray',
      running: true,
      restarts: calls.filter((c) => c === 'restart').length,
    }),
    check: async () => ({ in_sync: true, missing: [], extra: [], changed: [] }),
    sync: async () => {
      calls.push('sync');
      return { status: 'applied', missing: [], extra: [], changed: [] };
    },
    restart: async () => {
      calls.push('restart');
    },
  };
  return { system, calls };
}

/** Services on a fresh DB with the memory core (and, unless `withSystem` is false, stub controls). */
export function httpFixture(env: Record<string, string> = {}, options: { withSystem?: boolean } = {}) {
  const { services, config, clock, db } = testServices(env);
  const memory = createMemoryCore();
  const stub = stubSystem();
  services.attachCore(memory.core, options.withSystem === false ? null : stub.system);
  const app = testHttpServer({
    config,
    services,
    // Every answer of the tests is also checked against its schema.
    checkResponses: true,
  });

  /** Creates an API key and returns its secret. */
  function apiKey(scopes: string[], extra: Partial<ApiKeyInput> = {}): string {
    return services.apiKeys.create({ name: `test key ${scopes.length}`, scopes, ...extra }, 'test').key;
  }

  return { app, services, config, clock, db, memory, stub, apiKey };
}

/** Headers carrying `key`. */
export const withKey = (key: string) => ({ 'x-api-key': key });

/** A share link as the Xray adapter writes it for a REALITY inbound. */
export function realityLink(u: CoreUser): string {
  return (
    `vless://${u.uuid}@vpn.example.com:443?type=tcp&encryption=none&security=reality&sni=www.microsoft.com` +
    `&fp=chrome&pbk=Pk3yQ_public-key&sid=ab12cd&spx=%2F&flow=xtls-rprx-vision#${encodeURIComponent(u.name)}`
  );
}
