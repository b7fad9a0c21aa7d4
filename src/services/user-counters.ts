/**
 * Finds the user of a core's counter from the name's bytes, without making a string: a
 * collection cycle meets every counter of every node (20,000 names per node at 10,000 keys),
 * and decoding each name, slicing out its user and hashing that for a Map lookup was most of
 * what a node added to the cycle. Names are kept once, as bytes, when first seen.
 */

/** Where the user's name lies inside a counter name; filled by {@link readUserCounter}. */
export interface UserCounter {
  start: number;
  end: number;
  uplink: boolean;
}

const PREFIX = 'user>>>'.length;
const MIDDLE = '>>>traffic>>>'.length;
const UPLINK = 'uplink'.length;
const DOWNLINK = 'downlink'.length;

/**
 * Whether `bytes[start, end)` is `user>>>NAME>>>traffic>>>uplink|downlink` with a NAME; if so,
 * NAME's range and the direction go into `into` (reused by the caller: no object per counter).
 * Spelled out byte by byte (the codes of those words): it runs for every counter of every
 * node each cycle, and this is 3-4× faster than a loop comparing with a second array.
 */
export function readUserCounter(b: Uint8Array, start: number, end: number, into: UserCounter): boolean {
  if (end - start <= PREFIX + MIDDLE + UPLINK) return false;
  // user>>>
  if (b[start] !== 117 || b[start + 1] !== 115 || b[start + 2] !== 101 || b[start + 3] !== 114) return false;
  if (b[start + 4] !== 62 || b[start + 5] !== 62 || b[start + 6] !== 62) return false;
  // …link
  if (b[end - 4] !== 108 || b[end - 3] !== 105 || b[end - 2] !== 110 || b[end - 1] !== 107) return false;
  let middle: number;
  if (b[end - 6] === 117 && b[end - 5] === 112) {
    into.uplink = true; // up
    middle = end - UPLINK - MIDDLE;
  } else if (b[end - 8] === 100 && b[end - 7] === 111 && b[end - 6] === 119 && b[end - 5] === 110) {
    into.uplink = false; // down
    middle = end - DOWNLINK - MIDDLE;
  } else return false;
  if (middle <= start + PREFIX) return false;
  // >>>traffic>>>
  if (b[middle] !== 62 || b[middle + 1] !== 62 || b[middle + 2] !== 62) return false;
  if (b[middle + 3] !== 116 || b[middle + 4] !== 114 || b[middle + 5] !== 97 || b[middle + 6] !== 102)
    return false;
  if (b[middle + 7] !== 102 || b[middle + 8] !== 105 || b[middle + 9] !== 99) return false;
  if (b[middle + 10] !== 62 || b[middle + 11] !== 62 || b[middle + 12] !== 62) return false;
  into.start = start + PREFIX;
  into.end = middle;
  return true;
}

/** FNV-1a over a byte range: short names, spread well enough for linear probing. */
function hashBytes(bytes: Uint8Array, start: number, end: number): number {
  let hash = 0x811c9dc5;
  for (let i = start; i < end; i++) hash = Math.imul(hash ^ bytes[i]!, 0x01000193);
  return hash >>> 0;
}

/**
 * Byte strings → dense ids 0, 1, 2… in order of first sight. The bytes live in one growing
 * buffer and the slots in an open-addressing table of typed arrays: at 100k names a couple of
 * MB that the garbage collector never walks.
 */
export function createByteIndex() {
  let arena = new Uint8Array(1 << 12);
  let used = 0;
  /** Per id: where its bytes start in `arena`; `starts[id + 1]` is where they end. */
  let starts = new Int32Array(256);
  let hashes = new Uint32Array(256);
  let size = 0;
  /** id + 1 per slot, 0 for an empty one; kept at most half full. */
  let slots = new Int32Array(512);

  function equals(id: number, bytes: Uint8Array, start: number, end: number): boolean {
    const from = starts[id]!;
    if (starts[id + 1]! - from !== end - start) return false;
    for (let i = start, j = from; i < end; i++, j++) if (bytes[i] !== arena[j]) return false;
    return true;
  }

  function place(id: number): void {
    const mask = slots.length - 1;
    let at = hashes[id]! & mask;
    while (slots[at] !== 0) at = (at + 1) & mask;
    slots[at] = id + 1;
  }

  function grown<T extends Int32Array | Uint32Array | Uint8Array>(array: T, atLeast: number): T {
    if (atLeast <= array.length) return array;
    let length = array.length * 2;
    while (length < atLeast) length *= 2;
    const copy = new (array.constructor as new (n: number) => T)(length);
    copy.set(array);
    return copy;
  }

  return {
    get size() {
      return size;
    },

    /** The id of `bytes[start, end)`, or -1 when it was never added. */
    find(bytes: Uint8Array, start: number, end: number): number {
      const hash = hashBytes(bytes, start, end);
      const mask = slots.length - 1;
      for (let at = hash & mask; ; at = (at + 1) & mask) {
        const id = slots[at]! - 1;
        if (id < 0) return -1;
        if (hashes[id] === hash && equals(id, bytes, start, end)) return id;
      }
    },

    /** Adds `bytes[start, end)` (not yet present: {@link find} first) and returns its id. */
    add(bytes: Uint8Array, start: number, end: number): number {
      const id = size++;
      arena = grown(arena, used + end - start);
      arena.set(bytes.subarray(start, end), used);
      used += end - start;
      starts = grown(starts, size + 1);
      starts[id + 1] = used;
      hashes = grown(hashes, size);
      hashes[id] = hashBytes(bytes, start, end);
      if (size * 2 > slots.length) {
        slots = new Int32Array(slots.length * 2);
        for (let other = 0; other < id; other++) place(other);
      }
      place(id);
      return id;
    },
  };
}
