/**
 * A synthetic core for benchmarks: V2Fly's StatsService with two counters per user that
 * grow on every read. Run as `synthetic-core.ts USERS [PRE_ENCODED]`; prints its port on
 * stdout. With PRE_ENCODED > 0, the answers to that many `user>>>` queries are encoded at
 * start and sent as they are, so the node costs the machine almost nothing per query (several
 * of them share the benchmark's cores, where real nodes would have their own); after the
 * last one, the counters stop moving.
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
async function startSyntheticCore(users: number, preEncoded: number) {
  let tick = 0;
  const names = Array.from({ length: users }, (_, i) => `u${i}`);
  const server = new grpc.Server({ 'grpc.max_send_message_length': 256 * 2 ** 20 });
  const started = Date.now();
  const answer = (pattern: string, at: number) => {
    const stat: Array<{ name: string; value: number }> = [];
    for (const name of names) {
      const uplink = `user>>>${name}>>>traffic>>>uplink`;
      const downlink = `user>>>${name}>>>traffic>>>downlink`;
      if (uplink.includes(pattern)) stat.push({ name: uplink, value: at * 1000 });
      if (downlink.includes(pattern)) stat.push({ name: downlink, value: at * 5000 });
    }
    return { stat };
  };
  const ready = Array.from({ length: preEncoded }, (_, i) =>
    encode('QueryStatsResponse', answer('user>>>', i + 1)),
  );
  const queryStats = method('QueryStats', 'QueryStatsRequest', 'QueryStatsResponse');
  const serialize = queryStats.responseSerialize;
  queryStats.responseSerialize = (v: Message) => (Buffer.isBuffer(v) ? v : serialize(v));
  server.addService(
    {
      QueryStats: queryStats,
      GetSysStats: method('GetSysStats', 'SysStatsRequest', 'SysStatsResponse'),
    },
    {
      QueryStats: (call: grpc.ServerUnaryCall<Message, Message>, callback: grpc.sendUnaryData<Message>) => {
        const pattern = String(call.request.pattern ?? '');
        if (ready.length > 0 && pattern === 'user>>>') {
          tick = Math.min(tick + 1, ready.length);
          callback(null, ready[tick - 1] as unknown as Message);
          return;
        }
        tick++;
        callback(null, answer(pattern, tick));
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

const core = await startSyntheticCore(Number(process.argv[2] ?? 10_000), Number(process.argv[3] ?? 0));
process.stdout.write(`${core.port}\n`);
