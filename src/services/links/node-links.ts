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

export type LinkKey = Pick<Key, 'id' | 'name' | 'uuid'>;

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
  function listedNodes(key: Pick<Key, 'id'>, nodeIds?: readonly number[]): Node[] {
    const all = nodeIds ? nodes.enabledAmong(nodeIds) : nodes.nodesOfKey(key.id);
    const now = clock.now().getTime();
    const shown = all.filter((node) => !downTooLong(node, now));
    // Every node down: keep listing them all, as an empty subscription makes apps drop
    // every server, and the first node back then works without a refresh.
    return shown.length > 0 ? shown : all;
  }

  return {
    /**
     * The key's share links, one per listed node (none for a node without a usable link).
     * `nodeIds`: the nodes the key is on, when the caller read them with the key.
     */
    links(key: LinkKey, nodeIds?: readonly number[]): string[] {
      const listed = listedNodes(key, nodeIds);
      const labels = numberRepeats(listed.map((node) => labelOf(node, key)));
      return listed
        .map((node, i) => linkOf(node, { name: labels[i]!, uuid: key.uuid }))
        .filter((link): link is string => link !== null);
    },
  };
}

export type KeyLinks = ReturnType<typeof createKeyLinks>;
