/** A node's per-key charges in memory (src/services/node-charges.ts). */
import { describe, expect, it } from 'vitest';
import { KeyCharges } from '../../src/services/node-charges.ts';

function triples(charges: KeyCharges): number[][] {
  const bytes = charges.bytes();
  const values = new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const rows: number[][] = [];
  for (let i = 0; i < values.length; i += 3) rows.push([values[i]!, values[i + 1]!, values[i + 2]!]);
  return rows.sort((a, b) => a[0]! - b[0]!);
}

describe('KeyCharges', () => {
  it('sums what each key is charged and stores exactly the live triples', () => {
    const charges = new KeyCharges();
    for (let id = 1; id <= 1_000; id++) charges.add(id, id, 2 * id);
    for (let id = 1; id <= 1_000; id += 2) charges.add(id, 0.5, 2 ** 40);
    expect(charges.get(3)).toEqual([3.5, 6 + 2 ** 40]);
    expect(charges.get(4)).toEqual([4, 8]);
    expect(charges.get(1_001)).toBeUndefined();

    // Deleted keys leave, whatever their place (the last ones included); the others keep their sums.
    charges.retain((id) => id % 3 !== 0 && id < 998);
    const left = triples(charges);
    expect(charges.size).toBe(left.length);
    expect(left.map(([id]) => id)).toEqual(
      Array.from({ length: 997 }, (_, i) => i + 1).filter((id) => id % 3 !== 0),
    );
    for (const [id, up, down] of left) {
      expect([up, down]).toEqual(id! % 2 ? [id! + 0.5, 2 * id! + 2 ** 40] : [id, 2 * id!]);
      expect(charges.get(id!)).toEqual([up, down]);
    }
    charges.add(3, 1, 1);
    expect(charges.get(3)).toEqual([1, 1]);
  });
});
