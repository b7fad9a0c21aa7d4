/**
 * Which core binary is installed: Xray or V2Fly 4.x. Everything that differs between the two
 * (type-name prefix, command lines, features) is decided here from `<bin> -version`.
 */
import { execFile } from 'node:child_process';

/** The two core families xkeeper can drive. */
export type FlavorName = 'xray' | 'v2fly';

/** A core binary that answered `-version` with a version xkeeper understands. */
export interface Flavor {
  available: true;
  name: FlavorName;
  /** "26.3.27", "4.34.0". */
  version: string;
  bin: string;
}

/** No usable core: the binary is missing, fails, or is something else. */
export interface FlavorUnavailable {
  available: false;
  bin: string;
  reason: string;
}

export type FlavorResult = Flavor | FlavorUnavailable;

const VERSION_TIMEOUT_MS = 5_000;

/**
 * Parses the first line of `<bin> -version`. V2Ray 5 is refused: its CLI and config
 * format differ from V2Ray 4 and it is not a target of xkeeper.
 */
export function parseVersionOutput(bin: string, output: string): FlavorResult {
  const firstLine = output.split('\n', 1)[0]?.trim() ?? '';
  const match = /^(Xray|V2Ray) (\d+\.\d+\.\d+)\b/.exec(firstLine);
  if (!match) {
    return {
      available: false,
      bin,
      reason: `"${bin} -version" printed "${firstLine}", not an Xray or V2Ray version`,
    };
  }
  const [, family, version = ''] = match;
  if (family === 'Xray') return { available: true, name: 'xray', version, bin };
  if (version.startsWith('4.')) return { available: true, name: 'v2fly', version, bin };
  return {
    available: false,
    bin,
    reason: `V2Ray ${version} is not supported (Xray, or V2Ray 4.x for development)`,
  };
}

/** Runs `<bin> -version` and classifies the answer. Never throws. */
export function detectFlavor(bin: string): Promise<FlavorResult> {
  return new Promise((resolve) => {
    execFile(bin, ['-version'], { timeout: VERSION_TIMEOUT_MS }, (error, stdout, stderr) => {
      if (error && (error as NodeJS.ErrnoException).code === 'ENOENT') {
        resolve({
          available: false,
          bin,
          reason: `core binary "${bin}" not found (CORE_BIN): run "npx xkeeper core install" to install Xray`,
        });
        return;
      }
      if (error && !stdout) {
        const detail = stderr.trim().split('\n', 1)[0] || error.message;
        resolve({ available: false, bin, reason: `"${bin} -version" failed: ${detail}` });
        return;
      }
      resolve(parseVersionOutput(bin, stdout));
    });
  });
}

/** Compares dotted versions numerically: negative, zero or positive like a sort comparator. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const diff = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

/** Prefix of every protobuf full name in this core: `xray.` or `v2ray.core.`. */
function protoPrefix(flavor: FlavorName): string {
  return flavor === 'xray' ? 'xray.' : 'v2ray.core.';
}

/** Full protobuf name for a name relative to the core's root, e.g. `proxy.vless.Account`. */
export function protoName(flavor: FlavorName, relative: string): string {
  return protoPrefix(flavor) + relative;
}

/** Arguments that validate a config file without starting the core (exit 0 = OK, 23 = bad). */
export function testArgs(flavor: FlavorName, configFile: string): string[] {
  return flavor === 'xray' ? ['run', '-test', '-c', configFile] : ['-test', '-config', configFile];
}

/** Arguments that run the core with a config file. */
export function runArgs(flavor: FlavorName, configFile: string): string[] {
  return flavor === 'xray' ? ['run', '-c', configFile] : ['-config', configFile];
}

/** How a node's core version is shown: "Xray 26.1.13", "V2Ray 4.34.0". */
export function coreVersionLabel(flavor: FlavorName, version: string): string {
  return `${flavor === 'xray' ? 'Xray' : 'V2Ray'} ${version}`;
}

/** REALITY exists only in Xray; V2Fly serves plain VLESS (development and tests). */
export function supportsReality(flavor: FlavorName): boolean {
  return flavor === 'xray';
}

/** HandlerService.GetInboundUsers/GetInboundUsersCount appeared in Xray 24.11.5. */
export function canListUsers(flavor: Flavor): boolean {
  return flavor.name === 'xray' && compareVersions(flavor.version, '24.11.5') >= 0;
}
