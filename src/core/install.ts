/**
 * `xkeeper core install`: downloads the official Xray-core release archive for this OS and CPU,
 * checks it against the SHA2-256 line of the release's `.dgst` file and installs `xray`,
 * `geoip.dat` and `geosite.dat` into DATA_DIR/bin. Nothing is replaced unless the archive is
 * intact and the new core passes `-test` on the current config; each file is swapped in with
 * a rename, so a running core and a crash never see half a file.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../services/errors.ts';
import { testConfigFile } from './config-file.ts';
import { detectFlavor, type Flavor } from './flavor.ts';
import { extractZipFiles } from './zip.ts';

/** Files of the archive xkeeper installs; the binary goes last, once its data files are in. */
const FILES = ['geoip.dat', 'geosite.dat', 'xray'] as const;
const MAX_ARCHIVE_BYTES = 256 * 1024 * 1024;
const MAX_DIGEST_BYTES = 64 * 1024;
const DOWNLOAD_TIMEOUT_MS = 10 * 60_000;
const LOOKUP_TIMEOUT_MS = 30_000;
export const RELEASE_TAG = /^v\d{1,4}\.\d{1,4}\.\d{1,4}$/;

/** Xray-core's names for Node's platform and CPU (its release assets `Xray-<name>.zip`). */
const PLATFORMS: Record<string, string> = { linux: 'linux', darwin: 'macos', freebsd: 'freebsd' };
const CPUS: Record<string, string> = {
  x64: '64',
  ia32: '32',
  arm64: 'arm64-v8a',
  arm: 'arm32-v7a',
  riscv64: 'riscv64',
  s390x: 's390x',
  ppc64: 'ppc64le',
  loong64: 'loong64',
  mips64el: 'mips64le',
};

/** The release asset for `platform`/`arch`, e.g. `Xray-linux-64.zip`. */
export function releaseAssetName(platform: string = process.platform, arch: string = process.arch): string {
  const os = PLATFORMS[platform];
  const cpu = CPUS[arch];
  if (!os || !cpu) {
    throw new AppError('CORE_INSTALL_FAILED', `Xray-core publishes no release for ${platform}/${arch}`);
  }
  return `Xray-${os}-${cpu}.zip`;
}

/** The SHA2-256 digest (hex) in the text of a `.dgst` file. */
export function parseDigestFile(text: string): string {
  const match = /^SHA2-256=\s*([0-9a-fA-F]{64})\s*$/m.exec(text);
  if (!match?.[1]) throw new AppError('CORE_INSTALL_FAILED', 'the digest file has no SHA2-256 line');
  return match[1].toLowerCase();
}

function failed(message: string): AppError {
  return new AppError('CORE_INSTALL_FAILED', message);
}

/** GETs `url`, reading at most `maxBytes` of the body. */
async function download(url: string, maxBytes: number, timeoutMs: number): Promise<Buffer> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    throw failed(`cannot download ${url}: ${(error as Error).message}`);
  }
  if (!response.ok || !response.body) {
    await response.body?.cancel();
    throw failed(`cannot download ${url}: HTTP ${response.status}`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of response.body) {
      size += chunk.length;
      if (size > maxBytes) throw failed(`${url} is larger than ${maxBytes} bytes`);
      chunks.push(Buffer.from(chunk));
    }
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw failed(`the download of ${url} broke off: ${(error as Error).message}`);
  }
  return Buffer.concat(chunks);
}

/** The tag of the latest release: `<base>/latest` redirects to `<base>/tag/<tag>`, as on GitHub. */
export async function latestReleaseTag(releasesUrl: string): Promise<string> {
  const url = `${releasesUrl}/latest`;
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(LOOKUP_TIMEOUT_MS) });
  } catch (error) {
    throw failed(`cannot find the latest release at ${url}: ${(error as Error).message}`);
  }
  await response.body?.cancel();
  const tag = decodeURIComponent(/\/tag\/([^/?#]+)\/?$/.exec(new URL(response.url).pathname)?.[1] ?? '');
  if (!response.ok || !RELEASE_TAG.test(tag)) {
    throw failed(`${url} did not lead to a release tag (ended at ${response.url}, HTTP ${response.status})`);
  }
  return tag;
}

export interface InstallCoreOptions {
  /** XRAY_RELEASES_URL. */
  releasesUrl: string;
  dataDir: string;
  /** `vX.Y.Z`; default the latest release. */
  version?: string;
}

export interface InstallCoreResult {
  /** The release tag installed. */
  version: string;
  /** The installed binary. */
  path: string;
  /** What the binary says it is. */
  core: { flavor: Flavor['name']; version: string };
  /** The version it replaced, or null. */
  previous_version: string | null;
}

/** Downloads, verifies, tests and installs a release. Throws AppError; then nothing changed. */
export async function installCore(options: InstallCoreOptions): Promise<InstallCoreResult> {
  const base = options.releasesUrl.replace(/\/+$/, '');
  const version = options.version ?? (await latestReleaseTag(base));
  if (!RELEASE_TAG.test(version)) {
    throw new AppError(
      'VALIDATION_FAILED',
      `--version must be a release tag such as v26.3.27, not "${version}"`,
    );
  }
  const assetUrl = `${base}/download/${encodeURIComponent(version)}/${releaseAssetName()}`;
  const archive = await download(assetUrl, MAX_ARCHIVE_BYTES, DOWNLOAD_TIMEOUT_MS);
  const digest = parseDigestFile(
    (await download(`${assetUrl}.dgst`, MAX_DIGEST_BYTES, LOOKUP_TIMEOUT_MS)).toString('utf8'),
  );
  const actual = createHash('sha256').update(archive).digest();
  if (!timingSafeEqual(actual, Buffer.from(digest, 'hex'))) {
    throw failed(`${assetUrl} does not match its digest (tampered or truncated): nothing was replaced`);
  }

  const binDir = path.join(options.dataDir, 'bin');
  await mkdir(binDir, { recursive: true, mode: 0o700 });
  await chmod(binDir, 0o700);
  const binPath = path.join(binDir, 'xray');
  const previous = existsSync(binPath) ? await detectFlavor(binPath) : null;
  // Beside its final place, so each rename stays on one file system.
  const staging = await mkdtemp(path.join(binDir, '.install-'));
  try {
    const written = await extractZipFiles(archive, FILES, staging, MAX_ARCHIVE_BYTES).catch(
      (error: Error) => {
        throw failed(`${assetUrl} is not a readable zip archive: ${error.message}`);
      },
    );
    const missing = FILES.filter((name) => !written.includes(name));
    if (missing.length > 0) throw failed(`${assetUrl} lacks ${missing.join(', ')}`);
    await chmod(path.join(staging, 'xray'), 0o700);

    const flavor = await detectFlavor(path.join(staging, 'xray'));
    if (!flavor.available) throw failed(`the downloaded core does not run here: ${flavor.reason}`);
    const configPath = path.join(options.dataDir, 'core.json');
    if (existsSync(configPath)) {
      const refusal = await testConfigFile(flavor, configPath);
      if (refusal !== null) {
        throw failed(`the new core refuses the current config (${refusal}): the installed core is kept`);
      }
    }
    for (const name of FILES) await rename(path.join(staging, name), path.join(binDir, name));
    return {
      version,
      path: binPath,
      core: { flavor: flavor.name, version: flavor.version },
      previous_version: previous?.available ? previous.version : null,
    };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
