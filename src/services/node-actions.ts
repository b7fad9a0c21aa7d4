/**
 * Operator actions on one node's core (`node check|sync|restart`, `POST /nodes/{name}/…`).
 * The services hold two of these ports: the local core's controls (adapted from
 * {@link CoreControl}) and the remote nodes' workers, plugged in by the composition root.
 */
import type { Node } from '../db/schema.ts';
import type { CoreControl } from './core-port.ts';
import { AppError } from './errors.ts';

/** The actions an operator can run on a node, each answering with what it found or did. */
export interface NodeActions {
  /** Looks at the node now: reachable, and its users against the database. */
  check(node: Node): Promise<Record<string, unknown>>;
  /** Brings the node's users in line with the database, without a restart. */
  sync(node: Node): Promise<Record<string, unknown>>;
  /** Restarts the node's core (drops its connections); answers with its state after. */
  restart(node: Node): Promise<Record<string, unknown>>;
  /** Removes a node after taking its users off it (drained: they were). */
  retire?(node: Node, actor: string): Promise<{ drained: boolean }>;
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

/** What the remote nodes' workers offer the actions (src/services/node-workers.ts). */
export interface NodePasses {
  /** Runs a pass of one node now: reaches it, records its health, sends what it misses. */
  syncNow(name: string): Promise<{ ok: boolean; error: string | null }>;
  /** Restarts the core of a node xkeeper runs (ssh), then runs a pass. */
  restart(name: string): Promise<{ ok: boolean; error: string | null }>;
  /** Disables the node, lets a pass remove its users, then deletes its row. */
  remove(name: string, actor: string): Promise<{ drained: boolean }>;
}

/**
 * The remote nodes' actions: a pass of the node's worker. `check` reports what the pass found
 * (a node that does not answer is a finding); `sync` fails when the node could not be reached.
 * Restarting goes over SSH (a `direct` node's core is not xkeeper's to run).
 */
export function remoteNodeActions(workers: NodePasses): NodeActions {
  return {
    check: async (node) => ({ ...(await workers.syncNow(node.name)) }),
    sync: async (node) => {
      const pass = await workers.syncNow(node.name);
      if (!pass.ok) throw new AppError('CORE_UNAVAILABLE', `node ${node.name}: ${pass.error ?? 'no answer'}`);
      return { ...pass };
    },
    restart: async (node) => {
      if (node.transport === 'direct') {
        throw new AppError(
          'VALIDATION_FAILED',
          `xkeeper manages only the users and traffic of direct node ${node.name}: restart its core on the node`,
        );
      }
      return { ...(await workers.restart(node.name)) };
    },
    retire: (node, actor) => workers.remove(node.name, actor),
  };
}
