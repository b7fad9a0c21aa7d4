/**
 * Unpacks a backup archive (gzip'd tar) in bounded memory, with hard limits checked WHILE
 * decompressing, so a decompression bomb is refused after a few MiB instead of filling the
 * memory or the disk. Streams all the way: file → gunzip → byte counter → tar's parser →
 * one file per known entry. Only the named plain files come out; everything else is read
 * past (and counted), never written.
 */
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import { pipeline } from 'node:stream';
import { finished } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import type * as Tar from 'tar';
import { lazyModule } from '../lazy-module.ts';

const tar = lazyModule<typeof Tar>('tar');

const MiB = 2 ** 20;
const GiB = 2 ** 30;

export interface ExtractLimits {
  /** Decompressed bytes of the whole tar stream (headers and padding included). */
  totalBytes: number;
  /** Entries (files, directories, anything with a header) the archive may hold. */
  entries: number;
  /** Decompressed / compressed bytes read so far, checked once past `ratioFloorBytes`. */
  ratio: number;
  ratioFloorBytes: number;
  /** Largest PAX/long-name header tar's parser keeps in memory. */
  metaBytes: number;
}

/**
 * Sized from what a real install holds. The database is the bulk: a key is ~0.5 KB, a
 * day of one key's traffic ~60 B, so 10 000 keys with a year of daily usage and events
 * stay well under 1 GiB; 2 GiB leaves room and still fits the disk of a small VPS twice
 * (the unpacked copy and the pre-restore archive). A SQLite file of real rows compresses
 * 3-20:1 (a tiny database, mostly empty pages, more: hence the floor), while gzip of a run
 * of zeros reaches ~1030:1, so a ratio cap of 100 stops a bomb within its first
 * `ratioFloorBytes` of output.
 */
export const BACKUP_LIMITS: ExtractLimits = {
  totalBytes: 2 * GiB + 32 * MiB,
  entries: 8,
  ratio: 100,
  ratioFloorBytes: 16 * MiB,
  metaBytes: 64 * 1024,
};

/** Refusal of an archive; `message` says which limit or rule it broke. */
export class ArchiveRefused extends Error {}

/**
 * Extracts the entries named in `wanted` (name → largest size allowed) into `dir`, as
 * owner-only files. Rejects with `ArchiveRefused` (or zlib/tar's own error for a damaged
 * stream) as soon as a limit is crossed; the caller removes `dir`.
 */
export async function extractArchive(
  file: string,
  dir: string,
  wanted: ReadonlyMap<string, number>,
  limits: ExtractLimits = BACKUP_LIMITS,
): Promise<void> {
  const input = createReadStream(file, { highWaterMark: 64 * 1024 });
  let compressed = 0;
  input.on('data', (chunk) => (compressed += chunk.length));
  const gunzip = pipeline(input, createGunzip(), (error) => error && fail(error));
  const outputs: WriteStream[] = [];
  let failure: Error | undefined;
  let refuse!: (error: Error) => void;
  const failed = new Promise<never>((_, reject) => (refuse = reject));
  failed.catch(() => undefined); // awaited in a race below; no unhandled rejection
  const fail = (error: Error): void => {
    if (failure) return;
    failure = error;
    refuse(error);
    gunzip.destroy();
    for (const out of outputs) out.destroy();
    parser.abort(error);
  };

  const seen = new Set<string>();
  let entries = 0;
  const parser = new (tar().Parser)({
    strict: true,
    // Decompression is ours (with limits): tar must not sniff for another codec.
    brotli: false,
    zstd: false,
    maxMetaEntrySize: limits.metaBytes,
    filter: (entryPath) => {
      if (++entries > limits.entries) {
        fail(new ArchiveRefused(`the archive holds more than ${limits.entries} entries`));
        return false;
      }
      return wanted.has(entryPath);
    },
  });
  parser.on('entry', (entry: Tar.ReadEntry) => {
    const name = entry.path;
    const max = wanted.get(name)!;
    if (entry.type !== 'File') return fail(new ArchiveRefused(`${name} is not a plain file`));
    if (seen.has(name)) return fail(new ArchiveRefused(`${name} appears twice`));
    seen.add(name);
    if ((entry.size ?? 0) > max) return fail(new ArchiveRefused(`${name} is larger than ${max} bytes`));
    const out = createWriteStream(path.join(dir, name), { flags: 'wx', mode: 0o600 });
    outputs.push(out);
    out.on('error', fail);
    entry.pipe(out); // backpressure: a slow disk pauses the entry, which pauses the parser
  });
  parser.on('error', fail);
  parser.on('abort', fail);
  const ended = once(parser, 'end');
  ended.catch(() => undefined);

  let total = 0;
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > limits.totalBytes) {
        fail(new ArchiveRefused(`the archive unpacks to more than ${limits.totalBytes} bytes`));
      } else if (total > limits.ratioFloorBytes && total > compressed * limits.ratio) {
        fail(new ArchiveRefused(`the archive unpacks to more than ${limits.ratio} times its size`));
      }
      if (failure) break;
      if (!parser.write(chunk)) await Promise.race([once(parser, 'drain'), failed]);
    }
    parser.end();
    await Promise.race([ended, failed]);
    await Promise.race([Promise.all(outputs.map((out) => finished(out))), failed]);
  } catch (error) {
    fail(error as Error);
  }
  if (failure) {
    await Promise.allSettled(outputs.map((out) => finished(out)));
    throw failure;
  }
}
