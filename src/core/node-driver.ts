/**
 * The driver of a remote node by its transport. `direct`: its Xray API at HOST:PORT. `ssh`:
 * the same API through a forward over the node's SSH connection (src/core/remote/, plugged in
 * here once it exists); until then none, and the node's worker says so in its health.
 */
import type { NodeDriver } from '../services/core-port.ts';
import { parseHostPort, type Node } from '../services/nodes.service.ts';
import { createDirectNode } from './direct-node.ts';

export interface NodeDriverOptions {
  /** Deadline of each call to a node (default 5 s). */
  timeoutMs?: number;
}

export function nodeDriverFor(node: Node, options: NodeDriverOptions = {}): NodeDriver | null {
  if (node.transport === 'direct' && node.directAddress) {
    const address = parseHostPort(node.directAddress);
    return address ? createDirectNode({ ...address, timeoutMs: options.timeoutMs }) : null;
  }
  return null;
}
