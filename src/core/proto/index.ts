/**
 * The wire schema of the core's gRPC API, loaded from the .proto files in src/core/proto (also
 * when this module runs compiled from dist/), and the per-flavor names that go on the wire:
 * method paths and TypedMessage types.
 */
import protobuf from 'protobufjs';
import { projectPath } from '../../paths.ts';
import { type FlavorName, protoName } from '../flavor.ts';

const root = new protobuf.Root().loadSync(
  ['common.proto', 'handler.proto', 'stats.proto'].map((file) => projectPath('src/core/proto', file)),
  { keepCase: true },
);

/** How decoded messages look: 64-bit integers as numbers, defaults filled in. */
const TO_OBJECT: protobuf.IConversionOptions = { longs: Number, bytes: Buffer, defaults: true };

/** Encodes a plain object as message `type` (a name inside package xkeeper.core). */
export function encode(type: string, value: Record<string, unknown>): Buffer {
  const message = root.lookupType(`xkeeper.core.${type}`);
  return Buffer.from(message.encode(message.fromObject(value)).finish());
}

/** Decodes `bytes` as message `type` into a plain object. */
export function decode<T>(type: string, bytes: Uint8Array): T {
  const message = root.lookupType(`xkeeper.core.${type}`);
  return message.toObject(message.decode(bytes), TO_OBJECT) as T;
}

const queryStatsResponse = root.lookupType('xkeeper.core.QueryStatsResponse');
const stat = root.lookupType('xkeeper.core.Stat');
/** Wire tags (field number and wire type) of the fields the stats decoder reads. */
const TAG = {
  stat: (queryStatsResponse.fields.stat!.id << 3) | 2,
  name: (stat.fields.name!.id << 3) | 2,
  value: (stat.fields.value!.id << 3) | 0,
};

/** An int64 varint as a number: exact up to 2^53, far above any byte counter. */
function readCount(reader: protobuf.Reader): number {
  let value = 0;
  let scale = 1;
  let byte: number;
  do {
    if (reader.pos >= reader.len) throw new RangeError('truncated varint in QueryStats answer');
    byte = reader.buf[reader.pos++]!;
    value += (byte & 0x7f) * scale;
    scale *= 128;
  } while (byte & 0x80);
  return value;
}

/**
 * Hands each counter of a QueryStatsResponse to `visit` as it is read, allocating only its
 * name. The generic decode builds a Stat message and a Long per counter, then a plain copy
 * of each: at 200,000 counters, tens of MB alive at once, long enough for V8 to move them
 * to the old generation, which it empties only in a full GC, seldom more than once every
 * few cycles.
 */
export function forEachStat(bytes: Uint8Array, visit: (name: string, value: number) => void): void {
  const reader = protobuf.Reader.create(bytes);
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    if (tag !== TAG.stat) {
      reader.skipType(tag & 7);
      continue;
    }
    const end = reader.uint32() + reader.pos;
    let name = '';
    let value = 0;
    while (reader.pos < end) {
      const field = reader.uint32();
      if (field === TAG.name) name = reader.string();
      else if (field === TAG.value) value = readCount(reader);
      else reader.skipType(field & 7);
    }
    visit(name, value);
  }
}

/** The core's full name of one of its messages, relative to the core root. */
const CORE_NAMES = {
  AddUserOperation: 'app.proxyman.command.AddUserOperation',
  RemoveUserOperation: 'app.proxyman.command.RemoveUserOperation',
  VlessAccount: 'proxy.vless.Account',
} as const;

/** A TypedMessage wrapping `type` with the core's full name for this flavor. */
export function typedMessage(
  flavor: FlavorName,
  type: keyof typeof CORE_NAMES,
  value: Record<string, unknown>,
): { type: string; value: Buffer } {
  return { type: protoName(flavor, CORE_NAMES[type]), value: encode(type, value) };
}

const SERVICES = {
  HandlerService: 'app.proxyman.command.HandlerService',
  StatsService: 'app.stats.command.StatsService',
} as const;

/** One unary method: its path on this flavor's core and its codecs. */
export interface MethodDescriptor {
  path: string;
  serialize: (value: Record<string, unknown>) => Buffer;
  deserialize: (bytes: Buffer) => unknown;
}

/** Builds the descriptor of `service.method` for `flavor` (the paths differ by prefix). */
export function methodDescriptor(
  flavor: FlavorName,
  service: keyof typeof SERVICES,
  method: string,
): MethodDescriptor {
  const definition = root.lookupService(`xkeeper.core.${service}`).methods[method];
  if (!definition) throw new Error(`unknown method ${service}.${method}`);
  definition.resolve();
  const requestType = definition.resolvedRequestType;
  const responseType = definition.resolvedResponseType;
  if (!requestType || !responseType) throw new Error(`unresolved types of ${service}.${method}`);
  return {
    path: `/${protoName(flavor, SERVICES[service])}/${method}`,
    serialize: (value) => Buffer.from(requestType.encode(requestType.fromObject(value)).finish()),
    deserialize: (bytes) => responseType.toObject(responseType.decode(bytes), TO_OBJECT),
  };
}
