/**
 * An in-process gRPC server that answers under Xray's service names (no Xray binary here):
 * HandlerService (AlterInbound, GetInboundUsers/Count) and StatsService (QueryStats, SysStats,
 * online users), keeping its users in a map a test can read and change behind xkeeper's back.
 */
import * as grpc from '@grpc/grpc-js';
import { expect } from 'vitest';
import { decode, encode } from '../../src/core/proto/index.ts';

interface Typed {
  type: string;
  value: Buffer;
}

type Handler = (request: Record<string, unknown>) => Record<string, unknown>;

function method(path: string, requestType: string, responseType: string) {
  return {
    path,
    requestStream: false,
    responseStream: false,
    requestSerialize: (value: Record<string, unknown>) => encode(requestType, value),
    requestDeserialize: (bytes: Buffer) => decode<Record<string, unknown>>(requestType, bytes),
    responseSerialize: (value: Record<string, unknown>) => encode(responseType, value),
    responseDeserialize: (bytes: Buffer) => decode<Record<string, unknown>>(responseType, bytes),
  };
}

export interface FakeXray {
  port: number;
  /** The users the "core" holds, by lower-case email. */
  users: Map<string, { email: string; id: string; flow: string }>;
  /** AlterInbound operation types, oldest first. */
  operations: string[];
  /** User counters QueryStats answers with, when any are set (else two fixed ones of alice). */
  counters: Map<string, number>;
  /** SysStats uptime in seconds, when set (else seconds since start). */
  uptime: number | null;
  /** False: GetInboundUsers/Count answer UNIMPLEMENTED, as on V2Fly and Xray before 24.11.5. */
  canList: boolean;
  close(): void;
}

/** Starts a fake Xray API on a free loopback port (or on `port`). */
export async function startFakeXray(options: { port?: number } = {}): Promise<FakeXray> {
  const startedAt = Date.now();
  const server = new grpc.Server();
  const users = new Map<string, { email: string; id: string; flow: string }>();
  const operations: string[] = [];
  const counters = new Map<string, number>();
  const state = { uptime: null as number | null, canList: true };
  const listing = (handler: Handler) =>
    unary((request) => {
      if (!state.canList)
        throw Object.assign(new Error('unimplemented'), { code: grpc.status.UNIMPLEMENTED });
      return handler(request);
    });

  const unary =
    (handler: Handler): grpc.handleUnaryCall<Record<string, unknown>, Record<string, unknown>> =>
    (call, callback) => {
      try {
        callback(null, handler(call.request));
      } catch (error) {
        const code = (error as { code?: grpc.status }).code ?? grpc.status.UNKNOWN;
        callback({ code, details: (error as Error).message });
      }
    };

  const handler = 'xray.app.proxyman.command.HandlerService';
  const stats = 'xray.app.stats.command.StatsService';
  server.addService(
    {
      AlterInbound: method(`/${handler}/AlterInbound`, 'AlterInboundRequest', 'AlterInboundResponse'),
      GetInboundUsers: method(
        `/${handler}/GetInboundUsers`,
        'GetInboundUserRequest',
        'GetInboundUserResponse',
      ),
      GetInboundUsersCount: method(
        `/${handler}/GetInboundUsersCount`,
        'GetInboundUserRequest',
        'GetInboundUsersCountResponse',
      ),
      QueryStats: method(`/${stats}/QueryStats`, 'QueryStatsRequest', 'QueryStatsResponse'),
      GetSysStats: method(`/${stats}/GetSysStats`, 'SysStatsRequest', 'SysStatsResponse'),
      GetAllOnlineUsers: method(
        `/${stats}/GetAllOnlineUsers`,
        'GetAllOnlineUsersRequest',
        'GetAllOnlineUsersResponse',
      ),
    },
    {
      AlterInbound: unary((request) => {
        expect(request.tag).toBe('vless');
        const operation = request.operation as Typed;
        operations.push(operation.type);
        if (operation.type === 'xray.app.proxyman.command.AddUserOperation') {
          const { user } = decode<{ user: { email: string; account: Typed } }>(
            'AddUserOperation',
            operation.value,
          );
          expect(user.account.type).toBe('xray.proxy.vless.Account');
          const { id, flow } = decode<{ id: string; flow: string }>('VlessAccount', user.account.value);
          if (users.has(user.email.toLowerCase())) throw new Error(`User ${user.email} already exists.`);
          users.set(user.email.toLowerCase(), { email: user.email, id, flow });
        } else {
          const { email } = decode<{ email: string }>('RemoveUserOperation', operation.value);
          if (!users.delete(email.toLowerCase())) throw new Error(`User ${email} not found.`);
        }
        return {};
      }),
      GetInboundUsers: listing(() => ({
        users: [...users.values()].map((u) => ({
          email: u.email,
          level: 0,
          account: {
            type: 'xray.proxy.vless.Account',
            value: encode('VlessAccount', { id: u.id, flow: u.flow }),
          },
        })),
      })),
      GetInboundUsersCount: listing(() => ({ count: users.size })),
      QueryStats: unary((request) => ({
        stat: (counters.size > 0
          ? [...counters].map(([name, value]) => ({ name, value }))
          : [
              { name: 'user>>>alice>>>traffic>>>downlink', value: 5_000_000_000 },
              { name: 'user>>>alice>>>traffic>>>uplink', value: 7 },
            ]
        ).filter((s) => s.name.includes(String(request.pattern))),
      })),
      GetSysStats: unary(() => ({
        Uptime: state.uptime ?? Math.floor((Date.now() - startedAt) / 1000) + 1,
      })),
      GetAllOnlineUsers: unary(() => ({ users: ['user>>>alice>>>online'] })),
    },
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${options.port ?? 0}`, grpc.ServerCredentials.createInsecure(), (error, p) =>
      error ? reject(error) : resolve(p),
    ),
  );
  return {
    port,
    users,
    operations,
    counters,
    get uptime() {
      return state.uptime;
    },
    set uptime(value: number | null) {
      state.uptime = value;
    },
    get canList() {
      return state.canList;
    },
    set canList(value: boolean) {
      state.canList = value;
    },
    close: () => server.forceShutdown(),
  };
}
