/**
 * What each key was charged on one node, lifetime, kept as one `node_key_charges` row per node
 * (float64 triples: key id, upload, download), rewritten whole in the transaction of the
 * cycle's deltas. In memory a map by key id, loaded once per node and kept in step with every
 * commit by the collector.
 */
import type Database from 'better-sqlite3';
import { lazyStatement } from '../db/statements.ts';

/** Key id → [upload, download] charged on one node. */
export type KeyCharges = Map<number, [number, number]>;

export function createNodeCharges(sqlite: Database.Database) {
  const select = lazyStatement(sqlite, 'SELECT charged FROM node_key_charges WHERE node_id = ?');
  const upsert = lazyStatement(
    sqlite,
    `INSERT INTO node_key_charges (node_id, charged, updated_at) VALUES (?, ?, ?)
     ON CONFLICT (node_id) DO UPDATE SET charged = excluded.charged, updated_at = excluded.updated_at`,
  );

  return {
    load(nodeId: number): KeyCharges {
      const charges: KeyCharges = new Map();
      const blob = select().pluck().get(nodeId) as Buffer | undefined;
      if (!blob) return charges;
      // A copy: the blob's buffer is not aligned for a Float64Array view.
      const values = new Float64Array(Math.floor(blob.byteLength / 24) * 3);
      new Uint8Array(values.buffer).set(blob.subarray(0, values.byteLength));
      for (let i = 0; i < values.length; i += 3) charges.set(values[i]!, [values[i + 1]!, values[i + 2]!]);
      return charges;
    },

    /** Writes a node's charges (inside the caller's transaction). */
    save(nodeId: number, charges: KeyCharges, nowMs: number): void {
      const values = new Float64Array(charges.size * 3);
      let i = 0;
      for (const [keyId, [up, down]] of charges) {
        values[i++] = keyId;
        values[i++] = up;
        values[i++] = down;
      }
      upsert().run(nodeId, Buffer.from(values.buffer), nowMs);
    },
  };
}
