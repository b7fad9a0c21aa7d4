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

/** Reads QueryStatsResponse bytes by hand: each counter's name is handed over as a byte range. */
class StatsReader {
  pos = 0;
  constructor(private readonly bytes: Uint8Array) {}

  get done(): boolean {
    return this.pos >= this.bytes.length;
  }

  /** A varint as a number: exact up to 2^53, far above any byte counter. */
  varint(): number {
    const bytes = this.bytes;
    let value = 0;
    let scale = 1;
    let byte: number;
    do {
      if (this.pos >= bytes.length) throw new RangeError('truncated varint in QueryStats answer');
      byte = bytes[this.pos++]!;
      value += (byte & 0x7f) * scale;
      scale *= 128;
    } while (byte & 0x80);
    return value;
  }

  /** The end of a length-delimited field whose length comes next. */
  delimited(): number {
    const end = this.varint() + this.pos;
    if (end > this.bytes.length) throw new RangeError('truncated field in QueryStats answer');
    return end;
  }

  skip(wireType: number): void {
    if (wireType === 0) this.varint();
    else if (wireType === 1) this.pos += 8;
    else if (wireType === 2) this.pos = this.delimited();
    else if (wireType === 5) this.pos += 4;
    else throw new RangeError(`wire type ${wireType} in QueryStats answer`);
    if (this.pos > this.bytes.length) throw new RangeError('truncated field in QueryStats answer');
  }
}

/**
 * Hands each counter of a QueryStatsResponse to `visit` as it is read: the name as its UTF-8
 * bytes, `bytes[start, end)`, the value as a number. Nothing is allocated per counter: at
 * 10,000 keys a node answers 20,000 names, and making a string of each (then hashing it to find
 * its key) was most of what a node added to a collection cycle (issue #17).
 */
export function forEachStat(
  bytes: Uint8Array,
  visit: (bytes: Uint8Array, start: number, end: number, value: number) => void,
): void {
  const reader = new StatsReader(bytes);
  while (!reader.done) {
    const tag = reader.varint();
    if (tag !== TAG.stat) {
      reader.skip(tag & 7);
      continue;
    }
    const end = reader.delimited();
    let nameStart = 0;
    let nameEnd = 0;
    let value = 0;
    while (reader.pos < end) {
      const field = reader.varint();
      if (field === TAG.name) {
        nameEnd = reader.delimited();
        nameStart = reader.pos;
        reader.pos = nameEnd;
      } else if (field === TAG.value) value = reader.varint();
      else reader.skip(field & 7);
    }
    if (reader.pos !== end) throw new RangeError('a counter overran its message in QueryStats answer');
    visit(bytes, nameStart, nameEnd, value);
  }
}

/** A counter name handed over as bytes, as a string. */
export function counterName(bytes: Uint8Array, start: number, end: number): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('utf8');
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
