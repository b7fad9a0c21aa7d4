/**
 * The driver of a remote node by its transport. `direct`: its Xray API at HOST:PORT. `ssh`:
 * the same API through a forward over the node's SSH connection (src/core/remote/, plugged in
 * here once it exists); until then none, and the node's worker says so in its health.
 */
import type { CoreUser, NodeDriver } from '../services/core-port.ts';
import { parseHostPort, type Node, type NodeEndpoint } from '../services/nodes.service.ts';
import { type CoreConfig, type CoreLogLevel, DEFAULT_MIN_CLIENT_VER, renderCoreConfig } from './config.ts';
import type { FlavorName } from './flavor.ts';
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

/**
 * The config file of a remote node: its own endpoint and REALITY material, its API on the
 * node's loopback, and its users (so the node serves them when xkeeper is away). Written
 * coalesced by the transport that uploads it (ssh), never per change.
 */
export function renderNodeConfig(input: {
  flavor: FlavorName;
  /** The core's API port on the node's 127.0.0.1. */
  apiPort: number;
  endpoint: NodeEndpoint;
  users: readonly CoreUser[];
  blockPrivateNetworks: boolean;
  minClientVer?: string;
  logLevel?: CoreLogLevel;
}): CoreConfig {
  const { endpoint } = input;
  return renderCoreConfig({
    settings: {
      flavor: input.flavor,
      apiPort: input.apiPort,
      vlessPort: endpoint.port,
      reality: {
        privateKey: endpoint.reality.privateKey,
        shortIds: endpoint.reality.shortIds,
        sni: endpoint.sni,
        target: endpoint.target,
        minClientVer: input.minClientVer ?? DEFAULT_MIN_CLIENT_VER,
      },
      blockPrivateNetworks: input.blockPrivateNetworks,
      logLevel: input.logLevel ?? 'warning',
    },
    users: input.users,
  });
}
