/**
 * Bringing a new SSH node into service (`node add --ssh`, `POST /nodes` with ssh): pin its
 * host key, install xkeeper's key (one-time password) or say which line to add, log in with
 * the key, provision the core on the node with every key in its config. Nothing is written
 * here: the caller stores the node's row only once this succeeded, so a failure leaves no row
 * (and provisioning itself leaves the node as it was).
 */
import path from 'node:path';
import type { CoreUser } from '../core/config.ts';
import { RemoteError } from '../core/remote/errors.ts';
import type { ProvisionProgress, SshTarget } from '../core/remote/index.ts';
import { fromRemoteError } from './errors.ts';
import type { CreateNodeInput, NodePlan } from './nodes.service.ts';

/** One line of `node add`'s progress: the SSH steps before provisioning, then provisioning's own. */
export interface NodeAddProgress {
  step: 'host-key' | 'key' | 'login' | ProvisionProgress['step'] | 'users' | 'ready';
  status: ProvisionProgress['status'];
  detail: string | null;
}

export interface ProvisionRequest {
  /** `--password-once`: a password for one login that installs xkeeper's key. Never stored or logged. */
  password?: string;
  onProgress?: (progress: NodeAddProgress) => void;
  /** No step starts after this long (each step has its own deadline too); default 5 min. */
  deadlineMs?: number;
}

/** What provisioning adds to the node's input: the pinned host key and the core now running. */
export type Provisioned = Pick<CreateNodeInput, 'ssh' | 'core'>;

export function createNodeProvisioner(deps: { dataDir: string }) {
  // The SSH layer (ssh2) loads when a node is added, not with every CLI command.
  const remote = () => import('../core/remote/index.ts');
  const key = async () => (await remote()).loadOrCreateSshKey(deps.dataDir);

  return {
    /** xkeeper's public key line, for a node's authorized_keys (`node key`). */
    async publicKey(): Promise<string> {
      return (await key()).publicLine();
    },

    /**
     * Runs the steps on the node. Resolves with what to store; rejects with an AppError whose
     * code is the SSH layer's (NODE_*) and whose message names the failed step.
     */
    async provision(plan: NodePlan, users: readonly CoreUser[], request: ProvisionRequest = {}) {
      const { input } = plan;
      const ssh = input.ssh!;
      const target: SshTarget = { username: ssh.user, host: ssh.host, port: ssh.port ?? 22 };
      const deadline = Date.now() + (request.deadlineMs ?? 5 * 60_000);
      const report = (progress: NodeAddProgress) => {
        // Between steps: a step that would start past the deadline fails (and is undone).
        if (progress.status === 'running' && Date.now() > deadline) {
          throw new RemoteError('NODE_TIMEOUT', `node add did not finish within ${request.deadlineMs} ms`);
        }
        request.onProgress?.(progress);
      };
      const step = async <T>(
        name: NodeAddProgress['step'],
        run: () => Promise<T>,
        detail: (v: T) => string,
      ) => {
        report({ step: name, status: 'running', detail: null });
        try {
          const value = await run();
          report({ step: name, status: 'done', detail: detail(value) });
          return value;
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          request.onProgress?.({ step: name, status: 'failed', detail: message });
          throw error;
        }
      };
      try {
        const { connectSsh, formatSshTarget, installPublicKey, provisionNode, scanHostKey } = await remote();
        const sshKey = await key();
        const hostKey = await step(
          'host-key',
          async () => ssh.hostKey ?? (await scanHostKey(target)),
          (fingerprint) =>
            `${formatSshTarget(target)} ${fingerprint} (${ssh.hostKey ? 'pinned as given' : 'seen now, pinned'})`,
        );
        if (request.password !== undefined) {
          const password = request.password;
          await step(
            'key',
            () =>
              installPublicKey({
                target,
                password,
                hostKey,
                publicLine: sshKey.publicLine(),
                privateKey: sshKey.privateKey,
              }),
            (installed) =>
              `xkeeper's key ${installed.added ? 'added to' : 'already in'} ${target.username}'s authorized_keys`,
          );
        }
        const session = await step(
          'login',
          async () => {
            try {
              return await connectSsh({ target, auth: { privateKey: sshKey.privateKey }, hostKey });
            } catch (error) {
              if (error instanceof RemoteError && error.code === 'NODE_AUTH_FAILED') {
                throw new RemoteError(
                  'NODE_AUTH_FAILED',
                  `${formatSshTarget(target)} refused xkeeper's key. Add this line to ${target.username}'s ` +
                    `~/.ssh/authorized_keys on the node (or use --password-once), then run node add again:\n` +
                    sshKey.publicLine(),
                  { public_key: sshKey.publicLine() },
                );
              }
              throw error;
            }
          },
          () => `logged in as ${target.username} with xkeeper's key`,
        );
        try {
          const result = await provisionNode({
            session,
            settings: plan.settings,
            users,
            remoteDir: input.remoteDir,
            coreBin: input.coreBin ?? undefined,
            localBinDir: path.join(deps.dataDir, 'bin'),
            onProgress: report,
          });
          const provisioned: Provisioned = {
            ssh: { ...ssh, hostKey },
            core: {
              bin: result.core.bin,
              flavor: result.core.flavor,
              version: result.core.version,
              mode: result.core.mode,
            },
          };
          return { ...provisioned, remoteDir: result.core.remoteDir };
        } finally {
          session.close();
        }
      } catch (error) {
        throw fromRemoteError(error);
      }
    },
  };
}

export type NodeProvisioner = ReturnType<typeof createNodeProvisioner>;
