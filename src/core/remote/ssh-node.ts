/**
 * The driver of a node managed over SSH: one {@link SshLink}, one forward of the node's
 * loopback API port to this machine's 127.0.0.1, and the `direct` driver on that port. Every
 * call first makes sure the link is up, so a node out of reach fails with the SSH layer's own
 * words (a changed host key, a refused login) instead of a bare gRPC UNAVAILABLE. The core's
 * process is driven over the same link (kept running, restarted, its config rewritten).
 */
import type { CoreUser } from '../config.ts';
import { createCpuMeter } from '../cpu.ts';
import { createDirectNode } from '../direct-node.ts';
import { coreVersionLabel } from '../flavor.ts';
import type { NodeCoreProcess, NodeDriver } from '../types.ts';
import { writeNodeConfig, type NodeCoreSettings } from './provision.ts';
import { ensureRunning, type RemoteCore, restartCore } from './remote-core.ts';
import { SshLink, type SshLinkState } from './ssh-link.ts';
import type { Forward, SshTarget } from './ssh.ts';

export interface SshNodeOptions {
  target: SshTarget;
  /** xkeeper's private key (OpenSSH text), loaded on first use. */
  privateKey: () => Promise<string>;
  /** The pinned host key: any other is refused. */
  hostKey: string;
  /** The core's API port on the node's loopback. */
  apiPort: number;
  /** How the node's core runs (from provisioning); null: xkeeper does not run it (users only). */
  core: RemoteCore | null;
  /** The node's current core settings, for config rewrites; null once the node is gone. */
  settings: () => NodeCoreSettings | null;
  /** Deadline of each API call (default 5 s). */
  timeoutMs?: number;
  /** Connect + login deadline and reconnect backoff of the link. */
  readyTimeoutMs?: number;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  onState?: (state: SshLinkState) => void;
}

/** How long a restarted core may take before its API answers. */
const API_WAIT_MS = 15_000;

export function createSshNode(options: SshNodeOptions): NodeDriver {
  let link: SshLink | null = null;
  let opened: Promise<{ link: SshLink; api: NodeDriver; forward: Forward }> | null = null;
  let closed = false;

  /** The link, its forward and the API driver on it: made on first use, kept until close. */
  function open() {
    opened ??= (async () => {
      link = new SshLink({
        target: options.target,
        auth: { privateKey: await options.privateKey() },
        hostKey: options.hostKey,
        readyTimeoutMs: options.readyTimeoutMs,
        backoffInitialMs: options.backoffInitialMs,
        backoffMaxMs: options.backoffMaxMs,
        onState: options.onState,
      });
      const forward = await link.forward(options.apiPort);
      const api = createDirectNode({
        socketPath: forward.path,
        timeoutMs: options.timeoutMs,
        flavor: options.core?.flavor,
      });
      return { link, api, forward };
    })();
    opened.catch(() => {
      opened = null;
    });
    return opened;
  }

  /** The API driver once the SSH link is up (throws the link's RemoteError otherwise). */
  async function api(): Promise<NodeDriver> {
    const parts = await open();
    await parts.link.session();
    return parts.api;
  }

  async function session() {
    return (await open()).link.session();
  }

  /** Polls the API until the core answers after a (re)start. */
  async function waitForApi(): Promise<void> {
    const deadline = Date.now() + API_WAIT_MS;
    for (;;) {
      try {
        await (await api()).sysStats();
        return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  function settingsNow(): NodeCoreSettings {
    const settings = options.settings();
    if (!settings) throw new Error('the node is gone');
    return settings;
  }

  const core = options.core;
  const coreProcess: NodeCoreProcess | undefined = core
    ? {
        async ensureRunning() {
          // systemd restarts its own unit; a detached core is ours to watch.
          const state = core.mode === 'detached' ? await ensureRunning(await session(), core) : 'running';
          if (state === 'restarted') await waitForApi();
          return state;
        },
        async restart(users) {
          const written = await writeNodeConfig(await session(), core, settingsNow(), users);
          if (!written.ok) throw new Error(`the core refused the new config: ${written.message}`);
          await restartCore(await session(), core);
          await waitForApi();
        },
        async writeConfig(users: readonly CoreUser[]) {
          return writeNodeConfig(await session(), core, settingsNow(), users);
        },
      }
    : undefined;

  return {
    addUsers: async (users) => (await api()).addUsers(users),
    removeUsers: async (names) => (await api()).removeUsers(names),
    listUsers: async () => (await api()).listUsers(),
    readCounters: async (visit) => (await api()).readCounters(visit),
    sysStats: async () => (await api()).sysStats(),
    async version() {
      if (!core) return null;
      return coreVersionLabel(core.flavor, core.version);
    },
    // The node's /proc/stat over the same link, one short exec per health cycle.
    cpuPercent: createCpuMeter(async () => {
      const read = await (
        await session()
      ).exec('head -n 1 /proc/stat', { timeoutMs: options.timeoutMs ?? 5_000 });
      if (read.code !== 0) throw new Error(read.stderr.trim() || `exit ${read.code}`);
      return read.stdout;
    }),
    process: coreProcess,
    close() {
      if (closed) return;
      closed = true;
      void opened?.then(
        ({ api: driver, link: l }) => {
          driver.close();
          return l.close();
        },
        () => undefined,
      );
      void link?.close();
    },
  };
}
