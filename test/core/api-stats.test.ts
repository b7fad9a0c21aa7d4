/** The QueryStats decoder that hands counters over one by one (src/core/proto). */
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { counterName, encode, forEachStat } from '../../src/core/proto/index.ts';

function collect(bytes: Uint8Array): Array<[string, number]> {
  const out: Array<[string, number]> = [];
  forEachStat(bytes, (b, start, end, value) => out.push([counterName(b, start, end), value]));
  return out;
}

describe('forEachStat', () => {
  it('reads what the generic encoder writes, 64-bit values as exact numbers', () => {
    const stat = [
      { name: 'user>>>a>>>traffic>>>uplink', value: 0 },
      { name: 'user>>>a>>>traffic>>>downlink', value: 5_000_000_000 },
      { name: 'user>>>b>>>traffic>>>downlink', value: 2 ** 53 - 1 },
      { name: 'user>>>b>>>traffic>>>uplink', value: 127 },
      // Lengths of 128 and more take two bytes (the Stat's and the name's).
      { name: `user>>>${'c'.repeat(200)}>>>traffic>>>uplink`, value: 1 },
    ];
    expect(collect(encode('QueryStatsResponse', { stat }))).toEqual(stat.map((s) => [s.name, s.value]));
    expect(collect(encode('QueryStatsResponse', {}))).toEqual([]);
  });

  it('takes fields in any order and skips the unknown ones', () => {
    const writer = protobuf.Writer.create();
    writer.uint32((9 << 3) | 2).string('a later field of the answer');
    writer.uint32((20 << 3) | 0).uint64(1); // a tag of two bytes
    writer.uint32((1 << 3) | 2).fork();
    writer.uint32((2 << 3) | 0).uint64(300);
    writer.uint32((7 << 3) | 5).fixed32(1);
    writer.uint32((1 << 3) | 2).string('user>>>c>>>traffic>>>uplink');
    writer.ldelim();
    expect(collect(writer.finish())).toEqual([['user>>>c>>>traffic>>>uplink', 300]]);
  });

  it('refuses overlong varints instead of reading garbage (a length of NaN once ended the read quietly)', () => {
    const stat = Buffer.from([0x0a, 0x05, 0x0a, 0x01, 0x42, 0x10, 0x07]); // Stat { name: "B", value: 7 }
    expect(collect(stat)).toEqual([['B', 7]]);
    // An unknown length-delimited field whose length runs on for 147 bytes, then that Stat.
    const longLength = Buffer.concat([
      Buffer.from([0x1a]),
      Buffer.alloc(147, 0x80),
      Buffer.from([0x00]),
      stat,
    ]);
    expect(() => collect(longLength)).toThrow(RangeError);
    // An 11-byte value and a 6-byte tag: more than any int64 or uint32 takes.
    const longValue = Buffer.from([0x0a, 0x0e, 0x10, ...Array(10).fill(0x81), 0x00, 0x0a, 0x01, 0x42]);
    expect(() => collect(longValue)).toThrow(RangeError);
    expect(() => collect(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x00]))).toThrow(RangeError);
    // Ten bytes is the most an int64 takes, and is read.
    const maxValue = Buffer.from([0x0a, 0x0e, 0x0a, 0x01, 0x42, 0x10, ...Array(9).fill(0x80), 0x01]);
    expect(collect(maxValue)).toEqual([['B', 2 ** 63]]);
  });

  it('refuses a truncated answer', () => {
    const bytes = encode('QueryStatsResponse', {
      stat: [{ name: 'user>>>a>>>traffic>>>uplink', value: 2 ** 40 }],
    });
    expect(() => collect(bytes.subarray(0, bytes.length - 2))).toThrow(RangeError);
  });
});
