/**
 * Reaching nodes over SSH: xkeeper's key, sessions and the long-lived link with its API
 * forward, provisioning (`node add`) and driving the node's core. Nothing of ours runs on a
 * node; its Xray API stays on the node's loopback, reached through the SSH connection.
 */
export { RemoteError, type RemoteErrorCode } from './errors.ts';
export {
  type NodeCoreSettings,
  type ProvisionOptions,
  type ProvisionProgress,
  type ProvisionResult,
  type ProvisionStatus,
  type ProvisionStep,
  provisionNode,
  writeNodeConfig,
} from './provision.ts';
export {
  CORE_UNIT_NAME,
  DEFAULT_REMOTE_DIR,
  ensureRunning,
  isRunning,
  type RemoteCore,
  renderSystemdUnit,
  restartCore,
  type ServiceMode,
  stopCore,
  waitForApi,
} from './remote-core.ts';
export { loadOrCreateSshKey, type SshKey, sshKeyPath } from './ssh-key.ts';
export { SshLink, type SshLinkOptions, type SshLinkState } from './ssh-link.ts';
export {
  connectSsh,
  type ExecResult,
  type Forward,
  formatSshTarget,
  hostKeyFingerprint,
  installPublicKey,
  isHostKeyFingerprint,
  parseSshTarget,
  scanHostKey,
  type SshConnectOptions,
  SshSession,
  type SshTarget,
} from './ssh.ts';
