/** A remote node's config file: rendered from its endpoint and users, like the local core's. */
import {
  type CoreConfig,
  type CoreLogLevel,
  type CoreUser,
  DEFAULT_MIN_CLIENT_VER,
  renderCoreConfig,
} from './config.ts';
import type { FlavorName } from './flavor.ts';

/** Where a node listens and its REALITY material: what its config file and its links need. */
export interface NodeEndpoint {
  address: string;
  port: number;
  sni: string;
  target: string;
  reality: { privateKey: string; publicKey: string; shortIds: string[] };
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
