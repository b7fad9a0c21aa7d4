/**
 * What each key was charged on one node, lifetime, kept as one `node_key_charges` row per node
 * (float64 triples: key id, upload, download), rewritten whole in the transaction of the
 * cycle's deltas. In memory a map by key id, loaded once per node and kept in step with every
 * commit by the collector.
 */
import type Database from 'better-sqlite3';
import { lazyStatement } from '../db/statements.ts';

/**
 * Key id → upload and download charged on one node: the triples themselves in a typed array
 * (saved as they lie, no copy made), found by key id through a map. A cycle at 10,000 keys
 * adds to 10,000 of them per node; a map of pairs cost ~3 ms a node between adding and saving.
 */
export class KeyCharges {
  /** Key id → its triple's index. */
  private readonly rows = new Map<number, number>();
  private values = new Float64Array(3 * 256);

  get size(): number {
    return this.rows.size;
  }

  /** What `keyId` was charged: [upload, download], or undefined if nothing. */
  get(keyId: number): [number, number] | undefined {
    const row = this.rows.get(keyId);
    return row === undefined ? undefined : [this.values[row * 3 + 1]!, this.values[row * 3 + 2]!];
  }

  /** Charges `keyId` more bytes. */
  add(keyId: number, upload: number, download: number): void {
    let row = this.rows.get(keyId);
    if (row === undefined) {
      row = this.rows.size;
      if ((row + 1) * 3 > this.values.length) {
        const grown = new Float64Array(this.values.length * 2);
        grown.set(this.values);
        this.values = grown;
      }
      this.rows.set(keyId, row);
      // Past the live rows lie what `retain` moved away: not zero.
      this.values.set([keyId, 0, 0], row * 3);
    }
    const values = this.values;
    values[row * 3 + 1] = values[row * 3 + 1]! + upload;
    values[row * 3 + 2] = values[row * 3 + 2]! + download;
  }

  /** Drops the keys `keep` refuses (deleted ones): the last triple takes each one's place. */
  retain(keep: (keyId: number) => boolean): void {
    for (const keyId of [...this.rows.keys()]) {
      if (keep(keyId)) continue;
      const row = this.rows.get(keyId)!;
      const last = this.rows.size - 1;
      this.rows.delete(keyId);
      if (row !== last) {
        const moved = this.values[last * 3]!;
        this.values.copyWithin(row * 3, last * 3, last * 3 + 3);
        this.rows.set(moved, row);
      }
    }
  }

  /** The triples as stored: key id, upload, download, as float64. */
  bytes(): Buffer {
    return Buffer.from(this.values.buffer, 0, this.rows.size * 24);
  }
}

export function createNodeCharges(sqlite: Database.Database) {
  const select = lazyStatement(sqlite, 'SELECT charged FROM node_key_charges WHERE node_id = ?');
  const upsert = lazyStatement(
    sqlite,
    `INSERT INTO node_key_charges (node_id, charged, updated_at) VALUES (?, ?, ?)
     ON CONFLICT (node_id) DO UPDATE SET charged = excluded.charged, updated_at = excluded.updated_at`,
  );

  return {
    load(nodeId: number): KeyCharges {
      const charges = new KeyCharges();
      const blob = select().pluck().get(nodeId) as Buffer | undefined;
      if (!blob) return charges;
      // A copy: the blob's buffer is not aligned for a Float64Array view.
      const values = new Float64Array(Math.floor(blob.byteLength / 24) * 3);
      new Uint8Array(values.buffer).set(blob.subarray(0, values.byteLength));
      for (let i = 0; i < values.length; i += 3) charges.add(values[i]!, values[i + 1]!, values[i + 2]!);
      return charges;
    },

    /** Writes a node's charges (inside the caller's transaction). */
    save(nodeId: number, charges: KeyCharges, nowMs: number): void {
      upsert().run(nodeId, charges.bytes(), nowMs);
    },
  };
}
