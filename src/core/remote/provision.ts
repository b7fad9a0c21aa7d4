/**
 * The steps of `node add` over an open SSH session: check the node, upload Xray when it has
 * none (or an older one), render and upload its config, validate it with the core ON THE NODE,
 * start the core (systemd unit, or a detached process where systemd does not run) and wait
 * for its API through the SSH forward. Each step reports progress. Everything is written
 * under temp names first and moved into place only once validated; a failure after that
 * undoes the move, so a failed run leaves the node as it was. Writing the node's row is the
 * caller's job (the result says what to keep).
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { type CoreSettings, type CoreUser, renderCoreConfig, serializeCoreConfig } from '../config.ts';
import { coreErrorMessage } from '../config-file.ts';
import {
  compareVersions,
  detectFlavor,
  type Flavor,
  type FlavorName,
  parseVersionOutput,
  testArgs,
} from '../flavor.ts';
import { RemoteError, shellQuote } from './errors.ts';
import {
  DEFAULT_REMOTE_DIR,
  isRunning,
  type RemoteCore,
  remotePaths,
  renderSystemdUnit,
  runChecked,
  type ServiceMode,
  startCore,
  stopCore,
  waitForApi,
} from './remote-core.ts';
import type { SshSession } from './ssh.ts';

export type ProvisionStep = 'check' | 'upload-core' | 'config' | 'validate' | 'start' | 'api';
export type ProvisionStatus = 'running' | 'done' | 'skipped' | 'failed';

/** One line of progress: a step starting, done, skipped or failed, with what it found. */
export interface ProvisionProgress {
  step: ProvisionStep;
  status: ProvisionStatus;
  detail: string | null;
}

/** The node's core settings: the local core's shape without the flavor (the node's core decides it). */
export type NodeCoreSettings = Omit<CoreSettings, 'flavor'>;

export interface ProvisionOptions {
  /** A session logged in as root (or a user allowed to write `remoteDir` and run the core). */
  session: SshSession;
  settings: NodeCoreSettings;
  /** Every key the node serves, written into its config. */
  users: readonly CoreUser[];
  /** The node's directory (default /usr/local/etc/xkeeper). */
  remoteDir?: string;
  /** `--core-bin`: the core binary on the node to use (nothing is uploaded then). */
  coreBin?: string;
  /** DATA_DIR/bin: its `xray` is uploaded when the node has none or an older one. */
  localBinDir?: string;
  /** `auto` (default): systemd where it runs, else detached. */
  serviceMode?: 'auto' | ServiceMode;
  onProgress?: (progress: ProvisionProgress) => void;
  /** How long the started core's API may take to answer (default 15 s). */
  apiTimeoutMs?: number;
}

/** What the node turned out to be, and how its core now runs. */
export interface ProvisionResult {
  core: RemoteCore;
  /** `uname -s` / `uname -m` of the node. */
  os: string;
  arch: string;
  /** True when xkeeper uploaded its own Xray binary. */
  uploadedCore: boolean;
  /** The API's uptime when it first answered (seconds). */
  uptimeSeconds: number;
}

/** `uname -m` names → Node's `process.arch` names (to know whether our binary runs there). */
const ARCHES: Record<string, string> = {
  x86_64: 'x64',
  amd64: 'x64',
  aarch64: 'arm64',
  arm64: 'arm64',
  armv7l: 'arm',
  i686: 'ia32',
  i386: 'ia32',
  riscv64: 'riscv64',
  s390x: 's390x',
  ppc64le: 'ppc64',
  loongarch64: 'loong64',
  mips64: 'mips64el',
};

/** Ports in LISTEN state in /proc/net/tcp{,6} text. */
export function listeningPorts(procNetTcp: string): Set<number> {
  const ports = new Set<number>();
  for (const line of procNetTcp.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields[3] !== '0A') continue;
    const port = Number.parseInt(fields[1]?.split(':')[1] ?? '', 16);
    if (Number.isInteger(port)) ports.add(port);
  }
  return ports;
}

class StepFailure extends Error {}

/** The mode asked for, or systemd where it runs. */
function serviceModeFor(options: ProvisionOptions, systemdRuns: boolean): ServiceMode {
  if (options.serviceMode && options.serviceMode !== 'auto') return options.serviceMode;
  return systemdRuns ? 'systemd' : 'detached';
}

/** The facts the check step gathers. */
interface NodeFacts {
  os: string;
  arch: string;
  systemd: boolean;
  dirExisted: boolean;
  nodeCore: Flavor | null;
  local: Flavor | null;
}

async function nodeCoreAt(session: SshSession, bin: string): Promise<Flavor | { reason: string }> {
  const result = await session.exec(`${shellQuote(bin)} -version`, { timeoutMs: 10_000 });
  if (result.code === 127 || /not found|No such file/.test(result.stderr)) {
    return { reason: `no core binary at ${bin} on the node` };
  }
  const parsed = parseVersionOutput(bin, result.stdout);
  return parsed.available ? parsed : { reason: parsed.reason };
}

async function gatherFacts(options: ProvisionOptions, remoteDir: string): Promise<NodeFacts> {
  const { session } = options;
  const info = await runChecked(
    session,
    `echo "os=$(uname -s)"; echo "arch=$(uname -m)"; ` +
      `if [ -d /run/systemd/system ]; then echo systemd=yes; else echo systemd=no; fi; ` +
      `if [ -e ${shellQuote(remoteDir)} ]; then echo dir=yes; else echo dir=no; fi; ` +
      // One name per `command -v`: dash (a plain account's /bin/sh) looks up only the first.
      `echo "found=$(for c in xray v2ray; do command -v "$c"; done 2>/dev/null | tr '\\n' ' ')"`,
    'reading the node',
  );
  const fact = (name: string) => new RegExp(`^${name}=(.*)$`, 'm').exec(info)?.[1]?.trim() ?? '';
  const os = fact('os');
  const arch = fact('arch');
  if (os !== 'Linux') throw new StepFailure(`the node runs ${os || 'an unknown OS'}, not Linux`);

  let nodeCore: Flavor | null = null;
  if (options.coreBin) {
    const found = await nodeCoreAt(session, options.coreBin);
    if (!('available' in found)) throw new StepFailure(`--core-bin ${options.coreBin}: ${found.reason}`);
    nodeCore = found;
  } else {
    const candidates = [remotePaths(remoteDir).bin, ...fact('found').split(' ').filter(Boolean)];
    for (const bin of candidates) {
      const found = await nodeCoreAt(session, bin);
      if ('available' in found) {
        nodeCore = found;
        break;
      }
    }
  }

  let local: Flavor | null = null;
  const localBin = options.localBinDir && path.join(options.localBinDir, 'xray');
  if (localBin && existsSync(localBin) && ARCHES[arch] === process.arch) {
    const detected = await detectFlavor(localBin);
    if (detected.available && detected.name === 'xray') local = detected;
  }
  return { os, arch, systemd: fact('systemd') === 'yes', dirExisted: fact('dir') === 'yes', nodeCore, local };
}

/** Refuses ports another program already listens on (ours, re-provisioned, may keep them). */
async function checkPorts(
  session: SshSession,
  settings: NodeCoreSettings,
  oursRunning: boolean,
): Promise<void> {
  if (oursRunning) return;
  const listening = listeningPorts(
    await runChecked(session, 'cat /proc/net/tcp /proc/net/tcp6 2>/dev/null', 'reading ports'),
  );
  for (const [name, port] of [
    ['VLESS', settings.vlessPort],
    ['API', settings.apiPort],
  ] as const) {
    if (listening.has(port)) throw new StepFailure(`the ${name} port ${port} is already in use on the node`);
  }
}

/**
 * Provisions a node (see the module comment). Resolves with what to keep about its core;
 * rejects with RemoteError NODE_PROVISION_FAILED whose `details.step` names the failed step
 * (or the session's own error code when the connection failed).
 */
export async function provisionNode(options: ProvisionOptions): Promise<ProvisionResult> {
  const { session, settings } = options;
  const remoteDir = (options.remoteDir ?? DEFAULT_REMOTE_DIR).replace(/\/+$/, '');
  if (!remoteDir.startsWith('/') || remoteDir.includes('\n')) {
    throw new RemoteError(
      'NODE_PROVISION_FAILED',
      `--remote-dir must be an absolute path, not "${remoteDir}"`,
      {
        step: 'check',
      },
    );
  }
  const paths = remotePaths(remoteDir);
  const stage = `${remoteDir}/.staging-${randomBytes(4).toString('hex')}`;
  const report = (step: ProvisionStep, status: ProvisionStatus, detail: string | null = null) =>
    options.onProgress?.({ step, status, detail });
  // Mutable across the steps' closures: the step running, the undo once files moved.
  const state: { step: ProvisionStep; facts: NodeFacts | null; moved: Committed | null; ok: boolean } = {
    step: 'check',
    facts: null,
    moved: null,
    ok: false,
  };
  const step = async <T>(name: ProvisionStep, run: () => Promise<T>, detail: (value: T) => string | null) => {
    state.step = name;
    report(name, 'running');
    const value = await run();
    report(name, 'done', detail(value));
    return value;
  };

  let previous: RemoteCore | null = null;
  try {
    const facts = await step(
      'check',
      async () => {
        const found = await gatherFacts(options, remoteDir);
        if (!found.nodeCore && !found.local) {
          throw new StepFailure(
            'no usable core on the node: install Xray there, give --core-bin, or run "xkeeper core install" so xkeeper can upload it',
          );
        }
        const mode = serviceModeFor(options, found.systemd);
        if (found.nodeCore) {
          const { bin, name, version } = found.nodeCore;
          const probe: RemoteCore = { bin, flavor: name, version, mode, remoteDir };
          if (await isRunning(session, probe)) previous = probe;
        }
        await checkPorts(session, settings, previous !== null);
        return found;
      },
      (found: NodeFacts) =>
        `${found.os} ${found.arch}; core: ${found.nodeCore ? `${found.nodeCore.bin} ${found.nodeCore.version}` : 'none'}`,
    );
    state.facts = facts;
    const { nodeCore, local } = facts;
    const upload =
      !options.coreBin &&
      local !== null &&
      (nodeCore === null ||
        (nodeCore.name === 'xray' && compareVersions(nodeCore.version, local.version) < 0));
    const mode = serviceModeFor(options, facts.systemd);
    await runChecked(
      session,
      `umask 077 && mkdir -p ${shellQuote(remoteDir)} && mkdir ${shellQuote(stage)}`,
      'making the node directory',
    );

    let flavor = nodeCore as Flavor;
    let testBin = nodeCore?.bin ?? '';
    if (upload && local) {
      flavor = await step(
        'upload-core',
        async () => {
          await session.upload(`${stage}/xray`, { file: local.bin }, { mode: 0o755 });
          const uploaded = await nodeCoreAt(session, `${stage}/xray`);
          if (!('available' in uploaded))
            throw new StepFailure(`the uploaded Xray does not run on the node: ${uploaded.reason}`);
          return { ...uploaded, bin: paths.bin };
        },
        (core) => `Xray ${core.version} → ${paths.bin}`,
      );
      testBin = `${stage}/xray`;
    } else {
      report('upload-core', 'skipped', `the node has ${nodeCore?.bin} ${nodeCore?.version}`);
    }

    const config = serializeCoreConfig(
      renderCoreConfig({ settings: { ...settings, flavor: flavor.name }, users: options.users }),
    );
    await step(
      'config',
      () => session.upload(`${stage}/config.json`, { data: config }, { mode: 0o600 }),
      () => `${options.users.length} users`,
    );
    await step(
      'validate',
      async () => {
        const refusal = await testConfigOnNode(session, testBin, flavor.name, `${stage}/config.json`);
        if (refusal !== null) throw new StepFailure(`the core refused the config: ${refusal}`);
      },
      () => 'Configuration OK',
    );

    const core: RemoteCore = {
      bin: flavor.bin,
      flavor: flavor.name,
      version: flavor.version,
      mode,
      remoteDir,
    };
    await step(
      'start',
      async () => {
        state.moved = await commit(session, core, previous, stage, upload);
        await startCore(session, core);
      },
      () => (mode === 'systemd' ? 'systemd unit xkeeper-core' : `detached, pid file ${paths.pid}`),
    );
    const uptimeSeconds = await step(
      'api',
      () => waitForApi(session, flavor.name, settings.apiPort, options.apiTimeoutMs),
      (uptime) => `answered (uptime ${uptime} s)`,
    );
    await state.moved?.finish();
    state.ok = true;
    return { core, os: facts.os, arch: facts.arch, uploadedCore: upload, uptimeSeconds };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    report(state.step, 'failed', message);
    await state.moved?.undo().catch(() => undefined);
    throw new RemoteError('NODE_PROVISION_FAILED', `${state.step}: ${message}`, {
      step: state.step,
      ...(error instanceof RemoteError && error.code !== 'NODE_PROVISION_FAILED'
        ? { cause: error.code }
        : {}),
    });
  } finally {
    // A directory that was not there before goes again with a failure.
    const leftover = !state.ok && state.facts && !state.facts.dirExisted ? remoteDir : stage;
    await session.exec(`rm -rf ${shellQuote(leftover)}`).catch(() => undefined);
  }
}

/** Runs the core's config test ON THE NODE; null when it passes, else the core's words. */
async function testConfigOnNode(
  session: SshSession,
  bin: string,
  flavor: FlavorName,
  file: string,
): Promise<string | null> {
  const command = [bin, ...testArgs(flavor, file)].map(shellQuote).join(' ');
  const result = await session.exec(command, { timeoutMs: 30_000 });
  return result.code === 0 ? null : coreErrorMessage(`${result.stdout}\n${result.stderr}`);
}

/**
 * Rewrites a provisioned node's config with the current users (coalesced by the caller, not
 * per change), so the node keeps serving them across a restart while xkeeper is away. The
 * running core is not restarted: users change over the API. Validated on the node unless
 * `validate: false` (only users changed since a config with the same settings passed);
 * written atomically. Resolves false when the core refused it (the old file stays).
 */
export async function writeNodeConfig(
  session: SshSession,
  core: RemoteCore,
  settings: NodeCoreSettings,
  users: readonly CoreUser[],
  { validate = true }: { validate?: boolean } = {},
): Promise<{ ok: true } | { ok: false; message: string }> {
  const text = serializeCoreConfig(
    renderCoreConfig({ settings: { ...settings, flavor: core.flavor }, users }),
  );
  const { config } = remotePaths(core.remoteDir);
  // Xray picks its parser by the extension: the temp file keeps `.json`.
  const temp = `${core.remoteDir}/.config-${randomBytes(4).toString('hex')}.json`;
  try {
    await session.upload(temp, { data: text }, { mode: 0o600 });
    const refusal = validate ? await testConfigOnNode(session, core.bin, core.flavor, temp) : null;
    if (refusal !== null) return { ok: false, message: refusal };
    await session.rename(temp, config);
    // On the node's disk before xkeeper counts on it: a core that restarts (the node lost
    // power, say) is trusted to hold this file's users, so only what changed since is re-sent.
    const flushed = await session.exec(
      `sync ${shellQuote(config)} ${shellQuote(core.remoteDir)} 2>/dev/null || sync`,
    );
    if (flushed.code !== 0) {
      return {
        ok: false,
        message: `the new config is in place but not flushed to disk: ${flushed.stderr.trim()}`,
      };
    }
    return { ok: true };
  } finally {
    await session.exec(`rm -f ${shellQuote(temp)}`).catch(() => undefined);
  }
}

/** Files moved into place: `finish` drops the markers, `undo` puts the node back as it was. */
interface Committed {
  finish(): Promise<void>;
  undo(): Promise<void>;
}

/**
 * Stops the old core (`previous`, when one runs) and moves the validated files into place,
 * keeping what was there as `.prev`. The undo stops the new core, puts the old files back
 * and starts the old core again.
 */
async function commit(
  session: SshSession,
  core: RemoteCore,
  previous: RemoteCore | null,
  stage: string,
  uploadedCore: boolean,
): Promise<Committed> {
  const paths = remotePaths(core.remoteDir);
  const q = shellQuote;
  if (previous?.mode === 'detached') await stopCore(session, previous);
  const files: [string, string][] = [[`${stage}/config.json`, paths.config]];
  if (uploadedCore) files.push([`${stage}/xray`, paths.bin]);
  if (core.mode === 'systemd') {
    await session.upload(`${stage}/unit`, { data: renderSystemdUnit(core) }, { mode: 0o644 });
    files.push([`${stage}/unit`, paths.unit]);
  }
  // Each old file is kept as `.prev`, or marked as new (`.new`), so the undo knows which is which.
  const moves = files
    .map(
      ([from, to]) =>
        `mkdir -p "$(dirname ${q(to)})" && if [ -e ${q(to)} ]; then cp -p ${q(to)} ${q(`${to}.prev`)}; else : > ${q(`${to}.new`)}; fi && mv -f ${q(from)} ${q(to)}`,
    )
    .join(' && ');
  await runChecked(session, moves, 'moving the files into place');
  const markers = files.map(([, to]) => q(`${to}.new`)).join(' ');
  const finish = async () => {
    await session.exec(`rm -f ${markers}`);
  };
  const undo = async () => {
    if (core.mode === 'detached') await stopCore(session, core).catch(() => undefined);
    const restore = files
      .map(
        ([, to]) =>
          `if [ -e ${q(`${to}.new`)} ]; then rm -f ${q(to)} ${q(`${to}.new`)}; elif [ -e ${q(`${to}.prev`)} ]; then mv -f ${q(`${to}.prev`)} ${q(to)}; fi`,
      )
      .join('; ');
    await session.exec(restore);
    if (core.mode === 'systemd') {
      await session.exec(
        previous
          ? 'systemctl daemon-reload; systemctl restart xkeeper-core'
          : 'systemctl disable --now xkeeper-core; systemctl daemon-reload',
      );
    } else if (previous) {
      await startCore(session, previous).catch(() => undefined);
    }
  };
  return { finish, undo };
}
