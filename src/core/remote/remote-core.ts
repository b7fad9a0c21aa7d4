/**
 * The core process on a node, driven over SSH: started as a systemd unit where systemd runs,
 * else as a detached process (setsid + nohup) with a pid file in the node's directory, which
 * the health cycle checks with {@link ensureRunning}. Also waits for the node's API through
 * the SSH forward.
 */
import { CoreApi } from '../api.ts';
import { type FlavorName, runArgs } from '../flavor.ts';
import { RemoteError, shellQuote } from './errors.ts';
import type { SshSession } from './ssh.ts';

/** Where a node's files live unless `--remote-dir` says otherwise. */
export const DEFAULT_REMOTE_DIR = '/usr/local/etc/xkeeper';
/** The systemd unit's name on a node. */
export const CORE_UNIT_NAME = 'xkeeper-core';
const UNIT_DIR = '/etc/systemd/system';

/** How the core runs on a node. */
export type ServiceMode = 'systemd' | 'detached';

/** What xkeeper keeps about a node's core to drive it later (store it with the node). */
export interface RemoteCore {
  /** The core binary on the node. */
  bin: string;
  flavor: FlavorName;
  version: string;
  mode: ServiceMode;
  /** The node's directory (config.json, core.pid, core.log, bin/). */
  remoteDir: string;
}

export function remotePaths(remoteDir: string) {
  return {
    config: `${remoteDir}/config.json`,
    pid: `${remoteDir}/core.pid`,
    log: `${remoteDir}/core.log`,
    bin: `${remoteDir}/bin/xray`,
    unit: `${UNIT_DIR}/${CORE_UNIT_NAME}.service`,
  };
}

/** The systemd unit that runs the core on a node (snapshot-tested). */
export function renderSystemdUnit(core: Pick<RemoteCore, 'bin' | 'flavor' | 'remoteDir'>): string {
  const { config } = remotePaths(core.remoteDir);
  const command = [core.bin, ...runArgs(core.flavor, config)].join(' ');
  return [
    '# Managed by xkeeper: the VPN core of this node. Users change over its API (loopback only).',
    '[Unit]',
    'Description=Xray core managed by xkeeper',
    'After=network-online.target',
    'Wants=network-online.target',
    '',
    '[Service]',
    `ExecStart=${command}`,
    // No reload exists and SIGHUP kills the core: stop it with SIGTERM only.
    'KillSignal=SIGTERM',
    'Restart=always',
    'RestartSec=2',
    'LimitNOFILE=1048576',
    'NoNewPrivileges=true',
    'PrivateTmp=true',
    'ProtectHome=true',
    'ProtectSystem=full',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

/** Throws NODE_PROVISION_FAILED with the command's own words when it exits non-zero. */
export async function runChecked(
  session: SshSession,
  command: string,
  what: string,
  timeoutMs?: number,
): Promise<string> {
  const result = await session.exec(command, { timeoutMs });
  if (result.code !== 0) {
    const detail = (result.stderr.trim() || result.stdout.trim()).split('\n').slice(-3).join('; ');
    throw new RemoteError('NODE_PROVISION_FAILED', `${what}: ${detail || `exit ${result.code}`}`);
  }
  return result.stdout;
}

/**
 * Shell test: the pid in the pid file is alive and is ours. The core is started inside the
 * node's directory, so its working directory tells it from a process that reused the pid.
 */
function aliveTest(core: RemoteCore): string {
  const { pid } = remotePaths(core.remoteDir);
  return (
    `pid=$(cat ${shellQuote(pid)} 2>/dev/null) && [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && ` +
    `[ "$(readlink /proc/$pid/cwd)" = ${shellQuote(core.remoteDir)} ]`
  );
}

/** True when the node's core process runs (unit active, or the pid file's process alive). */
export async function isRunning(session: SshSession, core: RemoteCore): Promise<boolean> {
  const command = core.mode === 'systemd' ? `systemctl is-active --quiet ${CORE_UNIT_NAME}` : aliveTest(core);
  return (await session.exec(command)).code === 0;
}

/** Stops the core (SIGTERM, then SIGKILL after 5 s); nothing running is fine. */
export async function stopCore(session: SshSession, core: RemoteCore): Promise<void> {
  if (core.mode === 'systemd') {
    await runChecked(session, `systemctl stop ${CORE_UNIT_NAME}`, 'stopping the core');
    return;
  }
  const { pid } = remotePaths(core.remoteDir);
  await runChecked(
    session,
    `if ${aliveTest(core)}; then kill -TERM "$pid"; i=0; while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done; kill -KILL "$pid" 2>/dev/null; fi; rm -f ${shellQuote(pid)}`,
    'stopping the core',
  );
}

/** Starts the core in its mode; in detached mode it survives the SSH session. */
export async function startCore(session: SshSession, core: RemoteCore): Promise<void> {
  if (core.mode === 'systemd') {
    await runChecked(
      session,
      `systemctl daemon-reload && systemctl enable --quiet ${CORE_UNIT_NAME} && systemctl restart ${CORE_UNIT_NAME}`,
      'starting the core (systemd)',
    );
    return;
  }
  const { pid, log, config } = remotePaths(core.remoteDir);
  const command = [core.bin, ...runArgs(core.flavor, config)].map(shellQuote).join(' ');
  // setsid: a session of its own, so the SSH session's end sends it no SIGHUP; all three
  // streams redirected, so the exec channel closes at once. `$!` is the core itself.
  await runChecked(
    session,
    `cd ${shellQuote(core.remoteDir)} || exit 1; setsid nohup ${command} >> ${shellQuote(log)} 2>&1 < /dev/null & ` +
      `echo $! > ${shellQuote(`${pid}.tmp`)} && mv -f ${shellQuote(`${pid}.tmp`)} ${shellQuote(pid)}`,
    'starting the core',
  );
}

/** Restarts the core (after a settings change or on request). */
export async function restartCore(session: SshSession, core: RemoteCore): Promise<void> {
  if (core.mode === 'detached') await stopCore(session, core);
  await startCore(session, core);
}

/**
 * For the health cycle: starts the core again when it is gone (detached mode; systemd
 * restarts its own, but a stopped unit is started too). Tells whether it had to.
 */
export async function ensureRunning(session: SshSession, core: RemoteCore): Promise<'running' | 'restarted'> {
  if (await isRunning(session, core)) return 'running';
  if (core.mode === 'detached') await stopCore(session, core); // clears a stale pid file
  await startCore(session, core);
  return 'restarted';
}

/** Waits until the node's API answers through an SSH forward; resolves with its uptime (s). */
export async function waitForApi(
  session: SshSession,
  flavor: FlavorName,
  apiPort: number,
  timeoutMs = 15_000,
): Promise<number> {
  const forward = await session.forward(apiPort);
  const api = new CoreApi({ flavor, socketPath: forward.path, timeoutMs: 2_000 });
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  try {
    for (;;) {
      try {
        return (await api.getSysStats()).uptimeSeconds;
      } catch (error) {
        last = error;
      }
      if (Date.now() > deadline) {
        const why = last instanceof Error ? last.message : String(last);
        throw new RemoteError(
          'NODE_PROVISION_FAILED',
          `the core's API did not answer within ${timeoutMs} ms: ${why}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } finally {
    api.close();
    await forward.close();
  }
}
