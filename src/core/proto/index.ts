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

const types = new Map<string, protobuf.Type>();
/** Message `type` (a name inside package xkeeper.core), looked up once: lookups walk the tree. */
function messageType(type: string): protobuf.Type {
  let message = types.get(type);
  if (!message) {
    message = root.lookupType(`xkeeper.core.${type}`);
    types.set(type, message);
  }
  return message;
}

/** Encodes a plain object as message `type` (a name inside package xkeeper.core). */
export function encode(type: string, value: Record<string, unknown>): Buffer {
  const message = messageType(type);
  return Buffer.from(message.encode(message.fromObject(value)).finish());
}

/** Decodes `bytes` as message `type` into a plain object. */
export function decode<T>(type: string, bytes: Uint8Array): T {
  const message = messageType(type);
  return message.toObject(message.decode(bytes), TO_OBJECT) as T;
}

const queryStatsResponse = messageType('QueryStatsResponse');
const stat = messageType('Stat');
/** Wire tags (field number and wire type) of the fields the stats decoder reads. */
const STAT_TAG = (queryStatsResponse.fields.stat!.id << 3) | 2;
const NAME_TAG = (stat.fields.name!.id << 3) | 2;
const VALUE_TAG = (stat.fields.value!.id << 3) | 0;

function truncated(): never {
  throw new RangeError('truncated QueryStats answer');
}

function overlong(): never {
  throw new RangeError('overlong varint in QueryStats answer');
}

/** The weight of a varint's last allowed byte: 5 bytes for a tag (uint32), 10 for any other. */
const LAST_TAG_BYTE = 128 ** 4;
const LAST_VARINT_BYTE = 128 ** 9;

/**
 * Hands each counter of a QueryStatsResponse to `visit` as it is read: the name as its UTF-8
 * bytes, `bytes[start, end)`, the value as a number. Nothing is allocated per counter: at
 * 10,000 keys a node answers 20,000 names, and making a string of each (then hashing it to find
 * its key) was most of what a node added to a collection cycle (issue #17). One loop reads the
 * fields of the answer and of each Stat in it alike; the varints are read inline, each as a
 * number (exact up to 2^53, far above any byte counter): a helper returning the position as
 * well made the loop 2-3× slower.
 */
export function forEachStat(
  bytes: Uint8Array,
  visit: (bytes: Uint8Array, start: number, end: number, value: number) => void,
): void {
  const length = bytes.length;
  let pos = 0;
  let byte: number;
  /** Where the Stat being read ends; -1 between Stats. */
  let statEnd = -1;
  let nameStart = 0;
  let nameEnd = 0;
  let value = 0;
  while (pos < length) {
    const limit = statEnd < 0 ? length : statEnd;
    // A field: its tag, then its value (a varint) or its length (any other wire type).
    if (pos >= limit) truncated();
    // One byte, the usual case (field numbers below 16), read without the loop.
    let tag = bytes[pos++]!;
    let scale = 128;
    if (tag & 0x80) {
      tag &= 0x7f;
      do {
        if (pos >= limit) truncated();
        if (scale > LAST_TAG_BYTE) overlong();
        byte = bytes[pos++]!;
        tag += (byte & 0x7f) * scale;
        scale *= 128;
      } while (byte & 0x80);
    }
    const wireType = tag & 7;
    let number = 0;
    if (wireType === 2 && pos < limit && bytes[pos]! < 0x80) {
      number = bytes[pos++]!; // a length below 128: a Stat, a name
    } else if (wireType === 0 || wireType === 2) {
      scale = 1;
      do {
        if (pos >= limit) truncated();
        if (scale > LAST_VARINT_BYTE) overlong();
        byte = bytes[pos++]!;
        number += (byte & 0x7f) * scale;
        scale *= 128;
      } while (byte & 0x80);
    } else if (wireType === 1) number = 8;
    else if (wireType === 5) number = 4;
    // Groups (3, 4) are proto2's, never in a proto3 answer: refused like any other stray type.
    else throw new RangeError(`wire type ${wireType} in QueryStats answer`);
    if (wireType !== 0 && pos + number > limit) truncated();

    if (statEnd < 0 && tag === STAT_TAG) {
      // Into a Stat: its fields come next, in any order.
      statEnd = pos + number;
      nameStart = nameEnd = value = 0;
    } else {
      if (statEnd >= 0 && tag === VALUE_TAG) value = number;
      else if (statEnd >= 0 && tag === NAME_TAG) {
        nameStart = pos;
        nameEnd = pos + number;
      }
      if (wireType !== 0) pos += number; // a length: past the field (unknown ones skipped)
    }
    if (pos === statEnd) {
      visit(bytes, nameStart, nameEnd, value);
      statEnd = -1;
    }
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
