/** Finding a counter's user from the name's bytes (src/services/user-counters.ts). */
import { describe, expect, it } from 'vitest';
import { createByteIndex, readUserCounter, type UserCounter } from '../../src/services/user-counters.ts';

function parse(name: string): { user: string; uplink: boolean } | null {
  // Inside a bigger buffer, as the decoder hands names over.
  const bytes = Buffer.from(`xx${name}yy`);
  const into: UserCounter = { start: 0, end: 0, uplink: false };
  if (!readUserCounter(bytes, 2, bytes.length - 2, into)) return null;
  return { user: bytes.subarray(into.start, into.end).toString('utf8'), uplink: into.uplink };
}

describe('readUserCounter', () => {
  it('reads the user and the direction of user counters only', () => {
    expect(parse('user>>>ann>>>traffic>>>uplink')).toEqual({ user: 'ann', uplink: true });
    expect(parse('user>>>ann>>>traffic>>>downlink')).toEqual({ user: 'ann', uplink: false });
    expect(parse('user>>>a>>>b>>>traffic>>>downlink')).toEqual({ user: 'a>>>b', uplink: false });
    expect(parse('user>>>ёж>>>traffic>>>uplink')).toEqual({ user: 'ёж', uplink: true });
    for (const other of [
      'user>>>>>>traffic>>>uplink',
      'inbound>>>vless>>>traffic>>>uplink',
      'user>>>ann>>>traffic>>>sideways',
      'user>>>ann>>>traffic>>>uplinks',
      'user>>>',
      '',
    ]) {
      expect(parse(other), other).toBeNull();
    }
  });
});

describe('createByteIndex', () => {
  it('gives each distinct byte string one id, in order of first sight, as it grows', () => {
    const index = createByteIndex();
    const names = Array.from({ length: 5_000 }, (_, i) => `user-${i}-${'x'.repeat(i % 40)}`);
    const buffer = Buffer.from(`#${names.join('#')}#`);
    const ranges: Array<[number, number]> = [];
    let start = 1;
    for (const name of names) {
      const end = start + Buffer.byteLength(name);
      ranges.push([start, end]);
      start = end + 1;
    }
    for (const [i, [from, to]] of ranges.entries()) {
      expect(index.find(buffer, from, to)).toBe(-1);
      expect(index.add(buffer, from, to)).toBe(i);
    }
    expect(index.size).toBe(names.length);
    for (const [i, name] of names.entries()) {
      const bytes = Buffer.from(name);
      expect(index.find(bytes, 0, bytes.length)).toBe(i);
    }
    // Prefixes and extensions of known names are other names.
    const prefix = Buffer.from('user-1');
    expect(index.find(prefix, 0, prefix.length)).toBe(-1);
    const longer = Buffer.from(`${names[3]}x`);
    expect(index.find(longer, 0, longer.length)).toBe(-1);
    expect(index.find(Buffer.alloc(0), 0, 0)).toBe(-1);
  });
});
