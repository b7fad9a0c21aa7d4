/**
 * A synthetic core for benchmarks: V2Fly's StatsService with two counters per user that
 * grow on every read. Run as `synthetic-core.ts USERS`; prints its port on stdout.
 */
import * as grpc from '@grpc/grpc-js';
import { decode, encode } from '../src/core/proto/index.ts';

const STATS = 'v2ray.core.app.stats.command.StatsService';

type Message = Record<string, unknown>;

function method(name: string, request: string, response: string): grpc.MethodDefinition<Message, Message> {
  return {
    path: `/${STATS}/${name}`,
    requestStream: false,
    responseStream: false,
    requestSerialize: (v: Message) => encode(request, v),
    requestDeserialize: (b: Buffer) => decode<Message>(request, b),
    responseSerialize: (v: Message) => encode(response, v),
    responseDeserialize: (b: Buffer) => decode<Message>(response, b),
  };
}

/**
 * A StatsService with two counters per user that grow on every read. As in the cores, a
 * query's pattern matches any part of a counter name.
 */
async function startSyntheticCore(users: number) {
  let tick = 0;
  const names = Array.from({ length: users }, (_, i) => `u${i}`);
  const server = new grpc.Server({ 'grpc.max_send_message_length': 256 * 2 ** 20 });
  const started = Date.now();
  server.addService(
    {
      QueryStats: method('QueryStats', 'QueryStatsRequest', 'QueryStatsResponse'),
      GetSysStats: method('GetSysStats', 'SysStatsRequest', 'SysStatsResponse'),
    },
    {
      QueryStats: (call: grpc.ServerUnaryCall<Message, Message>, callback: grpc.sendUnaryData<Message>) => {
        tick++;
        const pattern = String(call.request.pattern ?? '');
        const stat: Array<{ name: string; value: number }> = [];
        for (const name of names) {
          const uplink = `user>>>${name}>>>traffic>>>uplink`;
          const downlink = `user>>>${name}>>>traffic>>>downlink`;
          if (uplink.includes(pattern)) stat.push({ name: uplink, value: tick * 1000 });
          if (downlink.includes(pattern)) stat.push({ name: downlink, value: tick * 5000 });
        }
        callback(null, { stat });
      },
      GetSysStats: (_call: grpc.ServerUnaryCall<Message, Message>, callback: grpc.sendUnaryData<Message>) =>
        callback(null, { Uptime: Math.floor((Date.now() - started) / 1000) + 100 }),
    },
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) =>
      e ? reject(e) : resolve(p),
    ),
  );
  return { port, names, close: () => server.forceShutdown() };
}

const core = await startSyntheticCore(Number(process.argv[2] ?? 10_000));
process.stdout.write(`${core.port}\n`);
