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
    ];
    expect(collect(encode('QueryStatsResponse', { stat }))).toEqual(stat.map((s) => [s.name, s.value]));
    expect(collect(encode('QueryStatsResponse', {}))).toEqual([]);
  });

  it('takes fields in any order and skips the unknown ones', () => {
    const writer = protobuf.Writer.create();
    writer.uint32((9 << 3) | 2).string('a later field of the answer');
    writer.uint32((1 << 3) | 2).fork();
    writer.uint32((2 << 3) | 0).uint64(300);
    writer.uint32((7 << 3) | 5).fixed32(1);
    writer.uint32((1 << 3) | 2).string('user>>>c>>>traffic>>>uplink');
    writer.ldelim();
    expect(collect(writer.finish())).toEqual([['user>>>c>>>traffic>>>uplink', 300]]);
  });

  it('refuses a truncated answer', () => {
    const bytes = encode('QueryStatsResponse', {
      stat: [{ name: 'user>>>a>>>traffic>>>uplink', value: 2 ** 40 }],
    });
    expect(() => collect(bytes.subarray(0, bytes.length - 2))).toThrow(RangeError);
  });
});
