/**
 * Crash-safe traffic accounting over every node. Counters are read WITHOUT reset; the last
 * value of each is kept as a baseline keyed by (core id = node name, counter name). Nodes are
 * read concurrently, each with a deadline; a node's deltas, per-day rows and new baselines are
 * written in ONE transaction per node reading, so an xkeeper crash at any instant neither loses
 * nor double-counts, and a core crash loses at most one interval of that core.
 */
import type { Db } from '../db/client.ts';
import { chunkedStatement, lazyStatement, valuesPlaceholders } from '../db/statements.ts';
import type { Logger } from '../logger.ts';
import type { Clock } from './clock.ts';
import type { CoreReading, CounterVisitor } from './core-port.ts';
import { createCounterSets } from './counter-sets.ts';
import { createNodeCharges, type KeyCharges } from './node-charges.ts';
import { createByteIndex, readUserCounter, type UserCounter } from './user-counters.ts';

/** One node's counters as the collector reads them. */
export interface TrafficMeter {
  /** Keys the baselines (`core_counters.core_id`): the node's name, `local` for the local core. */
  id: string;
  /** The node's row id (per-node totals); null when the node has no row (a test core). */
  nodeId: number | null;
  /** Traffic on this node counts this many times against a key's quota. */
  multiplier: number;
  /** Reads every user counter without reset; null (or a throw) when the node does not answer. */
  read(visit: CounterVisitor): Promise<CoreReading | null>;
}

/** Default deadline of one node's reading. */
const READ_DEADLINE_MS = 20_000;
/** How long a reading that came in waits for the others before it is charged without them. */
const GATHER_MS = 500;

/** Pseudo-counter holding the core's uptime at the last collection (restart detection). */
const UPTIME = '__uptime_seconds';

export interface CollectResult {
  /** Keys whose usage grew. */
  keys: number;
  bytes: number;
  coreRestarted: boolean;
  durationMs: number;
}

/** UTC day `YYYY-MM-DD` of an instant. */
export function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/**
 * Whether the core restarted since its uptime was last read. Uptime runs on the core's
 * wall clock, so it is compared with real time (not the injected clock): a core up for
 * less than the time since the last read must have started again in between.
 */
export function hasRestarted(
  lastUptime: number | undefined,
  lastReadAtMs: number,
  uptimeNow: number,
): boolean {
  if (lastUptime === undefined) return false;
  const elapsed = Math.max(0, (Date.now() - lastReadAtMs) / 1000);
  const slack = 5;
  return uptimeNow < lastUptime || uptimeNow + slack < lastUptime + elapsed;
}

/**
 * Every key any core has reported, by lowercased name, in one slot numbering shared by all
 * cores: the charges of nodes read together add up per slot and reach `keys` in one statement
 * set. Row ids are looked up once per charge (names can be deleted and made again).
 */
function createKeyRegistry() {
  /** Lowercased name → key slot. */
  const slotOf = new Map<string, number>();
  const names: string[] = [];
  return {
    slotOf,
    names,
    /** Per slot: the key's row id at the last lookup; 0 when no key has that name. */
    ids: [] as number[],
    /** Per slot: bytes charged by the readings being written, summed over their nodes. */
    up: [] as number[],
    down: [] as number[],
    slot(keyName: string): number {
      let slot = slotOf.get(keyName);
      if (slot === undefined) {
        slot = names.push(keyName) - 1;
        slotOf.set(keyName, slot);
        this.ids.push(0);
        this.up.push(0);
        this.down.push(0);
      }
      return slot;
    },
  };
}
type KeyRegistry = ReturnType<typeof createKeyRegistry>;

/**
 * What the collector keeps of one core between cycles: the committed baseline of every user
 * counter and what each key was charged by the last cycle, in flat arrays indexed by slot,
 * filled once and reused by every cycle. A user's two counters are 2 × its slot (downlink)
 * and 2 × its slot + 1 (uplink). At 100k keys the per-cycle alternative, a map entry or an
 * object per counter and per key, is tens of MB that V8 frees only in a full GC, seldom more
 * than once every few cycles: resident memory grew with each cycle in between. Keying by user
 * rather than by counter name also halves what stays: 100k short names, not 200k long ones.
 */
function createCounterTable(keys: KeyRegistry) {
  /** User name as the core spells it (its bytes) → slot. */
  const slotOf = createByteIndex();
  const users: string[] = [];
  /**
   * Per counter: the value last committed as its baseline; NaN while it has none. Typed, so
   * the cycle saves it as one blob (see counter-sets.ts); grown by doubling.
   */
  let committed = new Float64Array(256).fill(NaN);
  /** Per counter: the value read this cycle; NaN when the core did not report it. */
  const read: number[] = [];
  /** Per user slot: its key slot. Names differing only in case are one key, two users. */
  const keyOf: number[] = [];
  /** Per key slot: bytes charged on this core by the last cycle. */
  const up: number[] = [];
  const down: number[] = [];
  const parsed: UserCounter = { start: 0, end: 0, uplink: false };

  /** The slot of the user named `bytes[start, end)` (`name` when known), made on first sight. */
  function userSlot(bytes: Uint8Array, start: number, end: number, name?: string): number {
    let slot = slotOf.find(bytes, start, end);
    if (slot < 0) {
      slot = slotOf.add(bytes, start, end);
      const user = name ?? Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('utf8');
      users.push(user);
      keyOf.push(keys.slot(user.toLowerCase()));
      if (users.length * 2 > committed.length) {
        const grown = new Float64Array(committed.length * 2).fill(NaN);
        grown.set(committed);
        committed = grown;
      }
      read.push(NaN, NaN);
    }
    return slot;
  }

  return {
    users,
    get committed() {
      return committed;
    },
    read,
    keyOf,
    up,
    down,
    /** The core's uptime at the last collection, and when it was read (real time, ms). */
    uptime: undefined as number | undefined,
    uptimeReadAt: 0,
    /** How many users the database's set names (the names are rewritten when more appear). */
    savedUsers: 0,
    /** The baselines came from the per-counter rows of `core_counters`, to drop on first save. */
    legacy: false,

    /**
     * The index of the counter named `bytes[start, end)`, its user made on first sight; -1 for
     * any other counter. A user's downlink is 2 × its slot, its uplink 2 × its slot + 1.
     */
    counter(bytes: Uint8Array, start: number, end: number): number {
      if (!readUserCounter(bytes, start, end, parsed)) return -1;
      return userSlot(bytes, parsed.start, parsed.end) * 2 + (parsed.uplink ? 1 : 0);
    },

    /** The slot of user `name`, made on first sight (loading saved baselines). */
    userNamed(name: string): number {
      const bytes = Buffer.from(name);
      return userSlot(bytes, 0, bytes.length, name);
    },
  };
}
type CounterTable = ReturnType<typeof createCounterTable>;

/** What a cycle read: the values, in `table.read`, and the core's uptime and online users. */
interface CycleRead {
  table: CounterTable;
  uptimeSeconds: number;
  online: string[] | null;
  at: Date;
  /** How long the node took to answer. */
  readMs: number;
}

/**
 * A reading's deltas, worked out as soon as it came in (while slower nodes are still
 * answering): what each key was charged there is in `table.up`/`table.down`, the new baselines
 * in `table.committed`, ahead of the commit (a failed transaction drops the whole table).
 */
interface NodeDeltas {
  /** Bytes charged, the node's multiplier applied. */
  bytes: number;
  /** The node's own bytes, for its daily totals. */
  rawUp: number;
  rawDown: number;
  coreRestarted: boolean;
}

/** A node's reading waiting for its charge. */
interface NodeReading {
  meter: TrafficMeter;
  read: CycleRead;
  deltas: NodeDeltas;
}

/** One node's last collection that went through (for metrics). */
export interface NodeCollect {
  /** Its reading plus its transaction, in milliseconds. */
  durationMs: number;
  /** When it was read. */
  at: Date;
}

export function createTrafficService(deps: {
  db: Db;
  clock: Clock;
  logger: Logger;
  /** Every node to read this cycle. */
  getMeters: () => TrafficMeter[];
  /** Deadline of one node's reading (default 20 s). */
  readDeadlineMs?: number;
}) {
  const { db, clock, logger, getMeters } = deps;
  const readDeadlineMs = deps.readDeadlineMs ?? READ_DEADLINE_MS;
  const sqlite = db.$client;
  // Hot path: plain prepared statements (see bench/collect.bench.ts).
  const counterSets = createCounterSets(sqlite);
  /** Baselines written before counter sets, one row per counter: read once per core. */
  const selectLegacyBaselines = lazyStatement(
    sqlite,
    'SELECT name, value, updated_at FROM core_counters WHERE core_id = ?',
  );
  // Key row ids by name (see lookUpKeyIds).
  const selectKeyIds = lazyStatement(sqlite, 'SELECT id, lower(name) FROM keys');
  const selectKeyId = lazyStatement(sqlite, 'SELECT id FROM keys WHERE lower(name) = ?');
  const selectKeysShape = lazyStatement(sqlite, 'SELECT count(*), max(id) FROM keys');
  // Writes go out in multi-row statements by row id (see bench/collect.bench.ts).
  const addToKeys = chunkedStatement(
    sqlite,
    (
      n,
    ) => `UPDATE keys SET upload_bytes = upload_bytes + d.column2, download_bytes = download_bytes + d.column3,
       lifetime_used_bytes = lifetime_used_bytes + d.column2 + d.column3, online_at = ?,
       first_connected_at = coalesce(first_connected_at, ?)
     FROM (VALUES ${valuesPlaceholders(n, 3)}) AS d WHERE keys.id = d.column1`,
  );
  const addToDays = chunkedStatement(
    sqlite,
    (n) => `INSERT INTO key_usage_daily (key_id, day, upload_bytes, download_bytes)
     VALUES ${valuesPlaceholders(n, 4)}
     ON CONFLICT (key_id, day) DO UPDATE SET upload_bytes = upload_bytes + excluded.upload_bytes,
       download_bytes = download_bytes + excluded.download_bytes`,
  );
  // Per node: the node's raw daily total (what each key was charged there: `nodeCharges`).
  const addToNodeDay = lazyStatement(
    sqlite,
    `INSERT INTO node_usage_daily (node_id, day, upload_bytes, download_bytes) VALUES (?, ?, ?, ?)
     ON CONFLICT (node_id, day) DO UPDATE SET upload_bytes = upload_bytes + excluded.upload_bytes,
       download_bytes = download_bytes + excluded.download_bytes`,
  );
  const markOnline = lazyStatement(
    sqlite,
    'UPDATE keys SET online_at = ?, first_connected_at = coalesce(first_connected_at, ?) WHERE lower(name) = ?',
  );

  /**
   * Counter tables per core: loaded from the database once, then kept in step with every
   * commit, so a cycle does not re-read 2 rows per key. `forgetBaselines` drops them (after
   * a restore replaced the table).
   */
  const tables = new Map<string, CounterTable>();
  const keys = createKeyRegistry();
  /**
   * Per node id: what each key was charged there, lifetime (see node-charges.ts), loaded on
   * first use and kept in step with every commit like `tables`.
   */
  const nodeCharges = createNodeCharges(sqlite);
  const charges = new Map<number, KeyCharges>();
  function chargesOf(nodeId: number): KeyCharges {
    let charged = charges.get(nodeId);
    if (!charged) {
      charged = nodeCharges.load(nodeId);
      charges.set(nodeId, charged);
    }
    return charged;
  }
  function tableOf(coreId: string): CounterTable {
    let table = tables.get(coreId);
    if (!table) {
      table = createCounterTable(keys);
      const set = counterSets.load(coreId);
      if (set) {
        for (const [slot, user] of set.users.entries()) {
          const counter = table.userNamed(user) * 2;
          table.committed[counter] = set.counters[slot * 2]!;
          table.committed[counter + 1] = set.counters[slot * 2 + 1]!;
        }
        table.savedUsers = set.users.length;
        table.uptime = set.uptimeSeconds ?? undefined;
        table.uptimeReadAt = set.uptimeReadAt ?? 0;
      } else table.legacy = true;
      for (const row of (set ? [] : selectLegacyBaselines().iterate(coreId)) as Iterable<{
        name: string;
        value: number;
        updated_at: number;
      }>) {
        if (row.name === UPTIME) {
          table.uptime = row.value;
          table.uptimeReadAt = row.updated_at;
        } else {
          const name = Buffer.from(row.name);
          const counter = table.counter(name, 0, name.length);
          if (counter >= 0) table.committed[counter] = row.value;
        }
      }
      tables.set(coreId, table);
    }
    return table;
  }

  /** The tables charged by the last cycle, and that cycle's length in seconds (0: no rate yet). */
  let rates: { tables: CounterTable[]; seconds: number } = { tables: [], seconds: 0 };
  let lastCollectAt: number | null = null;
  let running: Promise<CollectResult | null> | null = null;
  let last: CollectResult | null = null;
  /** By node name: its last collection that went through. */
  const lastByNode = new Map<string, NodeCollect>();

  /**
   * Brings `keys.ids` up to date, in the charge's transaction. Key names never change and
   * ids are never reused (AUTOINCREMENT), so the ids known stay right until a key is created
   * or deleted, which moves the table's (count, max id); then every id is looked up again.
   * Names first seen since are looked up one by one.
   */
  let idsOf: { count: number; maxId: number; slots: number } | null = null;
  function lookUpKeyIds() {
    const [count, maxId] = selectKeysShape().raw().get() as [number, number | null];
    if (idsOf?.count !== count || idsOf.maxId !== (maxId ?? 0)) {
      keys.ids.fill(0);
      const live = new Set<number>();
      for (const [id, name] of selectKeyIds().raw().all() as Array<[number, string]>) {
        live.add(id);
        const slot = keys.slotOf.get(name);
        if (slot !== undefined) keys.ids[slot] = id;
      }
      // A deleted key's charges are nobody's (ids are never reused): they leave with the next save.
      for (const charged of charges.values()) charged.retain((id) => live.has(id));
    } else {
      for (let slot = idsOf.slots; slot < keys.names.length; slot++) {
        keys.ids[slot] = (selectKeyId().pluck().get(keys.names[slot]) as number | undefined) ?? 0;
      }
    }
    idsOf = { count, maxId: maxId ?? 0, slots: keys.names.length };
  }

  /** Works out a reading's deltas (see {@link NodeDeltas}); its values are consumed. */
  function measureNode(meter: TrafficMeter, read: CycleRead): NodeDeltas {
    const multiplier = meter.multiplier;
    const { table } = read;
    const coreRestarted = hasRestarted(table.uptime, table.uptimeReadAt, read.uptimeSeconds);
    const { users, committed, keyOf, up, down, read: values } = table;
    const counters = users.length * 2;
    for (let key = up.length; key < keys.names.length; key++) {
      up.push(0);
      down.push(0);
    }
    up.fill(0);
    down.fill(0);
    let bytes = 0;
    let rawUp = 0;
    let rawDown = 0;
    for (let counter = 0; counter < counters; counter++) {
      const value = values[counter]!;
      if (Number.isNaN(value)) continue;
      values[counter] = NaN;
      const uplink = (counter & 1) === 1;
      const user = counter >> 1;
      const previous = committed[counter]!;
      const base = coreRestarted || Number.isNaN(previous) ? 0 : previous;
      // A counter that went backwards belongs to a restarted core: it counts from 0.
      const delta = value >= base ? value - base : value;
      // Ahead of the commit: a failed transaction drops the whole table (see collectOnce).
      committed[counter] = value;
      if (delta <= 0) continue;
      if (uplink) rawUp += delta;
      else rawDown += delta;
      // The node's multiplier: what the key is charged for the bytes it moved here.
      const charged = multiplier === 1 ? delta : Math.round(delta * multiplier);
      if (uplink) up[keyOf[user]!]! += charged;
      else down[keyOf[user]!]! += charged;
      bytes += charged;
    }
    return { bytes, rawUp, rawDown, coreRestarted };
  }

  /**
   * Writes one node's part of a charge: its baselines, its per-node totals; adds what each key
   * was charged there to `keys.up`/`keys.down` for {@link chargeKeys}.
   */
  function chargeNode(meter: TrafficMeter, read: CycleRead, deltas: NodeDeltas) {
    const { table } = read;
    const nowMs = read.at.getTime();
    const { users, committed, up, down } = table;
    const { bytes, rawUp, rawDown, coreRestarted } = deltas;
    table.uptime = read.uptimeSeconds;
    table.uptimeReadAt = Date.now();
    counterSets.save(
      meter.id,
      { users, counters: committed, uptimeSeconds: read.uptimeSeconds, uptimeReadAt: table.uptimeReadAt },
      { usersChanged: table.savedUsers !== users.length, legacy: table.legacy, nowMs },
    );
    table.savedUsers = users.length;
    table.legacy = false;

    // A deleted key's counter matches no row (id 0): its baseline is kept, nobody is charged.
    const { ids } = keys;
    const lifetime = meter.nodeId === null ? null : chargesOf(meter.nodeId);
    let charged = false;
    for (let key = 0; key < up.length; key++) {
      if (up[key] === 0 && down[key] === 0) continue;
      keys.up[key]! += up[key]!;
      keys.down[key]! += down[key]!;
      const id = ids[key]!;
      if (!lifetime || id === 0) continue;
      lifetime.add(id, up[key]!, down[key]!); // ahead of the commit, like the baselines
      charged = true;
    }
    if (meter.nodeId !== null && charged) nodeCharges.save(meter.nodeId, lifetime!, nowMs);
    if (meter.nodeId !== null && rawUp + rawDown > 0) {
      addToNodeDay().run(meter.nodeId, utcDay(read.at), rawUp, rawDown);
    }
    return { bytes, coreRestarted };
  }

  /** Writes the keys' summed charges (`keys.up`/`keys.down`) and zeroes them; returns how many keys. */
  function chargeKeys(at: Date): number {
    const nowMs = at.getTime();
    const { ids } = keys;
    const keyRows = addToKeys.batch([nowMs, nowMs]);
    const dayRows = addToDays.batch();
    const day = utcDay(at);
    for (let key = 0; key < ids.length; key++) {
      const up = keys.up[key]!;
      const down = keys.down[key]!;
      if (up === 0 && down === 0) continue;
      keys.up[key] = 0;
      keys.down[key] = 0;
      if (ids[key] === 0) continue;
      keyRows.add(ids[key], up, down);
      dayRows.add(ids[key], day, up, down);
    }
    dayRows.end();
    return keyRows.end();
  }

  /**
   * Charges readings in ONE transaction: each node's baselines and per-node totals, then every
   * key once with its traffic summed over those nodes. All or nothing, as for one node.
   */
  function charge(batch: ReadonlyArray<NodeReading>) {
    lookUpKeyIds();
    let keyCount = 0;
    let at: Date | null = null;
    const perNode = [];
    for (const { meter, read, deltas } of batch) {
      // Per-day rows: readings on each side of midnight go to their own day.
      if (at && utcDay(at) !== utcDay(read.at)) keyCount += chargeKeys(at);
      if (!at || read.at > at) at = read.at;
      perNode.push(chargeNode(meter, read, deltas));
    }
    if (at) keyCount += chargeKeys(at);
    for (const { read } of batch) {
      const nowMs = read.at.getTime();
      for (const name of read.online ?? []) markOnline().run(nowMs, nowMs, name.toLowerCase());
    }
    return { keys: keyCount, perNode };
  }

  /**
   * Reads a node's counters straight into its table's `read`, one at a time as the answer is
   * decoded: each name dies young, where a snapshot of 200k names (at 100k keys) kept across
   * the awaits would reach the old generation and linger until a full GC. A node that does
   * not answer within the deadline is skipped this cycle; what it sends later is ignored.
   */
  async function readCycle(meter: TrafficMeter): Promise<CycleRead | null> {
    const table = tableOf(meter.id);
    const started = performance.now();
    let live = true;
    let reading: CoreReading | null = null;
    let timer: NodeJS.Timeout | undefined;
    try {
      const deadline = new Promise<null>((resolve) => {
        timer = setTimeout(() => resolve(null), readDeadlineMs);
      });
      const read = meter.read((bytes, start, end, value) => {
        if (!live) return;
        const counter = table.counter(bytes, start, end);
        if (counter >= 0) table.read[counter] = value;
      });
      read.catch(() => undefined); // a late failure after the deadline is nobody's business
      reading = await Promise.race([read, deadline]);
    } catch (error) {
      logger.warn({ node: meter.id, err: (error as Error).message }, 'reading a node failed');
    } finally {
      live = false;
      clearTimeout(timer);
      // A reading that failed half-way must not leave values for the next cycle to charge.
      if (!reading) table.read.fill(NaN);
    }
    if (!reading) return null;
    return {
      table,
      uptimeSeconds: reading.uptimeSeconds,
      online: reading.online ?? null,
      at: clock.now(),
      readMs: performance.now() - started,
    };
  }

  async function collectOnce(): Promise<CollectResult | null> {
    const meters = getMeters();
    const started = performance.now();
    const result = { keys: 0, bytes: 0, coreRestarted: false };
    const charged: CounterTable[] = [];
    let failure: unknown = null;
    let at: Date | null = null;
    // Readings are charged as they come in, while slower nodes are still answering; those that
    // come in together (within GATHER_MS, or all of them) share one transaction, so each key is
    // written once for all of them, not once per node.
    const waiting: NodeReading[] = [];
    let unread = meters.length;
    let gather: NodeJS.Timeout | undefined;
    const chargeWaiting = () => {
      clearTimeout(gather);
      gather = undefined;
      // A restore replaced the baselines while a reading waited: skip it, the next reads afresh.
      const batch = waiting.splice(0).filter(({ meter, read }) => tables.get(meter.id) === read.table);
      if (batch.length === 0) return;
      try {
        const chargeStarted = performance.now();
        const done = sqlite.transaction(charge)(batch);
        const chargeMs = performance.now() - chargeStarted;
        result.keys += done.keys;
        for (const [i, { meter, read }] of batch.entries()) {
          const one = done.perNode[i]!;
          lastByNode.set(meter.id, { durationMs: read.readMs + chargeMs, at: read.at });
          result.bytes += one.bytes;
          // On this process's first cycle the core restarted with xkeeper: expected, not news.
          if (one.coreRestarted && lastCollectAt !== null) {
            logger.info({ node: meter.id }, 'core restarted since the last collection; counting from zero');
          }
          result.coreRestarted ||= one.coreRestarted;
          charged.push(read.table);
          at = read.at;
        }
      } catch (error) {
        // Rolled back: the tables already hold some of this cycle's baselines and charges;
        // reload what committed. Readings charged in other transactions stand.
        for (const { meter } of batch) {
          tables.delete(meter.id);
          if (meter.nodeId !== null) charges.delete(meter.nodeId);
        }
        keys.up.fill(0);
        keys.down.fill(0);
        failure ??= error;
      }
    };
    const chargeWhenRead = async (meter: TrafficMeter) => {
      const read = await readCycle(meter);
      unread--;
      // Its deltas now, while slower nodes are still answering: less to do once all are in.
      if (read) waiting.push({ meter, read, deltas: measureNode(meter, read) });
      if (unread === 0) chargeWaiting();
      else if (waiting.length > 0) gather ??= setTimeout(chargeWaiting, GATHER_MS);
    };
    await Promise.all(meters.map(chargeWhenRead));
    if (failure) {
      rates = { tables: [], seconds: 0 };
      throw failure;
    }
    if (at === null) return null;
    const nowMs = (at as Date).getTime();
    const seconds = lastCollectAt === null ? 0 : (nowMs - lastCollectAt) / 1000;
    rates = { tables: charged, seconds: Math.max(0, seconds) };
    lastCollectAt = nowMs;
    return { ...result, durationMs: performance.now() - started };
  }

  return {
    /**
     * One collection cycle. Concurrent calls share the cycle in flight, so a reset that
     * collects first and the periodic job never read the same counters twice.
     */
    collect(): Promise<CollectResult | null> {
      running ??= collectOnce()
        .then((result) => {
          if (result) last = result;
          return result;
        })
        .finally(() => {
          running = null;
        });
      return running;
    },

    /** The last completed cycle (for metrics), or null before the first. */
    lastCollect(): CollectResult | null {
      return last;
    },

    /** Each node's last collection that went through, by node name (a node that fails keeps its last). */
    lastCollectByNode(): ReadonlyMap<string, NodeCollect> {
      return lastByNode;
    },

    /**
     * Drops what is kept of a removed node (its rows are gone): a node made later under the
     * same name starts without baselines, and a reading of it in flight is not charged.
     */
    forgetNode(coreId: string, nodeId: number) {
      tables.delete(coreId);
      charges.delete(nodeId);
    },

    /** Drops cached baselines; the next cycle reads them from the database. */
    forgetBaselines() {
      tables.clear();
      charges.clear();
      idsOf = null; // a restore brings other keys
    },

    /** Deletes per-day rows older than `days`; returns how many went. */
    pruneDaily(days: number): number {
      const cutoff = utcDay(new Date(clock.now().getTime() - days * 86_400_000));
      return sqlite.prepare('DELETE FROM key_usage_daily WHERE day < ?').run(cutoff).changes;
    },

    /** What a key was charged on a node since migration 0012 (upload, download; lifetime). */
    chargedOnNode(nodeId: number, keyId: number): { upload: number; download: number } {
      const [upload, download] = chargesOf(nodeId).get(keyId) ?? [0, 0];
      return { upload, download };
    },

    /** Current rate of a key, bytes/s over the last interval. */
    rate(name: string): { up: number; down: number } {
      const { tables: charged, seconds } = rates;
      const rate = { up: 0, down: 0 };
      if (seconds === 0) return rate;
      for (const table of charged) {
        const key = keys.slotOf.get(name.toLowerCase());
        if (key === undefined || key >= table.up.length) continue;
        rate.up += table.up[key]! / seconds;
        rate.down += table.down[key]! / seconds;
      }
      return rate;
    },
  };
}

export type TrafficService = ReturnType<typeof createTrafficService>;
