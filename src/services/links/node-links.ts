/**
 * A key's share links: one per enabled node the key is on, in the nodes' order, named by
 * the node's display name. The local node's link is the local core's own (it knows its
 * flavor: a V2Fly core serves plain VLESS, no REALITY); a remote node's is built from its
 * endpoint (its address, port, SNI, REALITY public key and first short id). A node down
 * longer than the `hideDownNodeMinutes` setting is left out, so apps do not keep picking it.
 */
import type { Key } from '../../db/schema.ts';
import { vlessShareLink } from '../../core/link.ts';
import type { Clock } from '../clock.ts';
import type { CorePort } from '../core-port.ts';
import type { Node, NodesService } from '../nodes.service.ts';
import type { SettingsService } from '../settings.service.ts';
import { numberRepeats } from './vless.ts';

export type LinkKey = Pick<Key, 'id' | 'name' | 'uuid'> & {
  /**
   * The ids of the nodes the key is on, when read with the key (else read for its links): a
   * snapshot of that read, for answering the request that made it, not to keep.
   */
  nodeIds?: readonly number[];
};

/**
 * A key's node ids as one more column of a statement on `keys` (the table by that name, not
 * an alias): reading them with the key costs one statement, and one pair of SQLite's read
 * locks (fcntl calls), less. See `parseNodeIds`.
 */
export const NODE_IDS_COLUMN =
  "coalesce((SELECT group_concat(node_id) FROM key_nodes WHERE key_id = keys.id), '')";

/** The value of NODE_IDS_COLUMN → the ids. */
export function parseNodeIds(column: unknown): number[] {
  return typeof column === 'string' && column !== '' ? column.split(',').map(Number) : [];
}

/** The name a node's link carries: its display name; the local node without one keeps the key's name. */
function labelOf(node: Node, key: LinkKey): string {
  if (node.displayName) return node.displayName;
  return node.transport === 'local' ? key.name : node.name;
}

export function createKeyLinks(deps: {
  nodes: NodesService;
  settings: SettingsService;
  clock: Clock;
  getCore: () => CorePort;
}) {
  const { nodes, settings, clock } = deps;

  /** Whether `node` has been down longer than the setting allows (down since unknown counts as long). */
  function downTooLong(node: Node, now: number): boolean {
    if (node.health !== 'down') return false;
    const limitMs = settings.require('hideDownNodeMinutes') * 60_000;
    return node.healthSince === null || now - node.healthSince.getTime() > limitMs;
  }

  function linkOf(node: Node, user: { name: string; uuid: string }): string | null {
    if (node.transport === 'local') return deps.getCore().shareLink(user);
    const ep = nodes.endpoint(node);
    // A node whose REALITY key is unreadable has no link a client could use.
    if (!ep.reality.publicKey) return null;
    return vlessShareLink(user, {
      host: ep.address,
      port: ep.port,
      reality: { sni: ep.sni, publicKey: ep.reality.publicKey, shortId: ep.reality.shortIds[0] ?? '' },
    });
  }

  /** The nodes a key's links are listed for, in order: enabled, not down too long. */
  function listedNodes(key: LinkKey): Node[] {
    const all = key.nodeIds ? nodes.enabledAmong(key.nodeIds) : nodes.nodesOfKey(key.id);
    const now = clock.now().getTime();
    const shown = all.filter((node) => !downTooLong(node, now));
    // Every node down: keep listing them all, as an empty subscription makes apps drop
    // every server, and the first node back then works without a refresh.
    return shown.length > 0 ? shown : all;
  }

  return {
    /** The key's share links, one per listed node (none for a node without a usable link). */
    links(key: LinkKey): string[] {
      const listed = listedNodes(key);
      const labels = numberRepeats(listed.map((node) => labelOf(node, key)));
      return listed
        .map((node, i) => linkOf(node, { name: labels[i]!, uuid: key.uuid }))
        .filter((link): link is string => link !== null);
    },
  };
}

export type KeyLinks = ReturnType<typeof createKeyLinks>;
