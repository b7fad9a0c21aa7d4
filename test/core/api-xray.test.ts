/**
 * The Xray side of the API client, against an in-process gRPC server that answers under
 * Xray's service names (no Xray binary here): method paths, TypedMessage type strings,
 * vision flow, user listing and counting, online users.
 */
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CoreApi } from '../../src/core/api.ts';
import { decode, encode } from '../../src/core/proto/index.ts';
import { uuid } from './fixtures.ts';

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

describe('CoreApi with Xray names', () => {
  const server = new grpc.Server();
  const users = new Map<string, { email: string; id: string; flow: string }>();
  const operations: string[] = [];
  let api: CoreApi;

  const unary =
    (handler: Handler): grpc.handleUnaryCall<Record<string, unknown>, Record<string, unknown>> =>
    (call, callback) => {
      try {
        callback(null, handler(call.request));
      } catch (error) {
        callback({ code: grpc.status.UNKNOWN, details: (error as Error).message });
      }
    };

  beforeAll(async () => {
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
        GetInboundUsers: unary(() => ({
          users: [...users.values()].map((u) => ({
            email: u.email,
            level: 0,
            account: {
              type: 'xray.proxy.vless.Account',
              value: encode('VlessAccount', { id: u.id, flow: u.flow }),
            },
          })),
        })),
        GetInboundUsersCount: unary(() => ({ count: users.size })),
        QueryStats: unary((request) => ({
          stat: [
            { name: 'user>>>alice>>>traffic>>>downlink', value: 5_000_000_000 },
            { name: 'user>>>alice>>>traffic>>>uplink', value: 7 },
          ].filter((s) => s.name.includes(String(request.pattern))),
        })),
        GetAllOnlineUsers: unary(() => ({ users: ['user>>>alice>>>online'] })),
      },
    );
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, p) =>
        error ? reject(error) : resolve(p),
      ),
    );
    api = new CoreApi({ flavor: 'xray', port });
  });

  afterAll(() => {
    api.close();
    server.forceShutdown();
  });

  it('adds users with Xray type names and the vision flow', async () => {
    expect(await api.addUser('alice', uuid(1))).toEqual({ ok: true });
    expect(await api.addUser('Alice', uuid(1))).toMatchObject({ ok: false, reason: 'exists' });
    expect(users.get('alice')).toEqual({ email: 'alice', id: uuid(1), flow: 'xtls-rprx-vision' });
    expect(operations[0]).toBe('xray.app.proxyman.command.AddUserOperation');
  });

  it('lists and counts users', async () => {
    await api.addUser('bob', uuid(2));
    expect(await api.listUsers()).toEqual({
      available: true,
      value: [
        { name: 'alice', uuid: uuid(1) },
        { name: 'bob', uuid: uuid(2) },
      ],
    });
    expect(await api.countUsers()).toEqual({ available: true, value: 2 });
  });

  it('removes users with typed refusals', async () => {
    expect(await api.removeUser('BOB')).toEqual({ ok: true });
    expect(await api.removeUser('bob')).toMatchObject({ ok: false, reason: 'not_found' });
    expect(operations.at(-1)).toBe('xray.app.proxyman.command.RemoveUserOperation');
  });

  it('reads 64-bit counters as numbers and online users as names', async () => {
    expect(await api.queryStats('user>>>')).toEqual([
      { name: 'user>>>alice>>>traffic>>>downlink', value: 5_000_000_000 },
      { name: 'user>>>alice>>>traffic>>>uplink', value: 7 },
    ]);
    expect(await api.onlineUsers()).toEqual({ available: true, value: ['alice'] });
  });
});
