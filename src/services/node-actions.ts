/**
 * Operator actions on one node's core (`node check|sync|restart`, `POST /nodes/{name}/…`).
 * The services hold two of these ports: the local core's controls (adapted from
 * {@link CoreControl}) and the remote nodes' workers, plugged in by the composition root.
 */
import type { Node } from '../db/schema.ts';
import type { CoreControl } from './core-port.ts';

/** The actions an operator can run on a node, each answering with what it found or did. */
export interface NodeActions {
  /** Looks at the node now: reachable, and its users against the database. */
  check(node: Node): Promise<Record<string, unknown>>;
  /** Brings the node's users in line with the database, without a restart. */
  sync(node: Node): Promise<Record<string, unknown>>;
  /** Restarts the node's core (drops its connections); answers with its state after. */
  restart(node: Node): Promise<Record<string, unknown>>;
}

export const NODE_ACTIONS = ['check', 'sync', 'restart'] as const;
export type NodeAction = (typeof NODE_ACTIONS)[number];

/** The local node's actions: today's core controls. */
export function localNodeActions(control: CoreControl): NodeActions {
  return {
    check: () => control.check(),
    sync: () => control.sync(),
    restart: async () => {
      await control.restart();
      return control.status();
    },
  };
}
