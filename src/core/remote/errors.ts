/**
 * Typed failures of reaching and provisioning a node. The core imports no services, so these
 * are its own; a service maps `code` onto its AppError registry.
 */

export type RemoteErrorCode =
  /** No TCP connection or no SSH handshake (refused, no route, timed out). */
  | 'NODE_UNREACHABLE'
  /** The node refused our login: wrong password, or xkeeper's key not in authorized_keys. */
  | 'NODE_AUTH_FAILED'
  /** The node's host key is not the pinned one: refused, never accepted silently. */
  | 'NODE_HOST_KEY_MISMATCH'
  /** A command or transfer on the node did not finish within its deadline. */
  | 'NODE_TIMEOUT'
  /** The SSH connection failed after login (dropped, channel refused, SFTP error). */
  | 'NODE_SSH_FAILED'
  /** A step of provisioning failed; `details.step` says which. */
  | 'NODE_PROVISION_FAILED';

export class RemoteError extends Error {
  constructor(
    readonly code: RemoteErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'RemoteError';
  }
}

/** Quotes `value` for a POSIX shell: one word, nothing expanded. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
