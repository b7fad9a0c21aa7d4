/**
 * Extracts chosen files from a zip archive held in memory (yauzl), with the size of each file
 * checked while it decompresses: a hostile archive cannot fill the disk or memory.
 */
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import yauzl from 'yauzl';

const fromBuffer = promisify(yauzl.fromBuffer) as (
  buffer: Buffer,
  options: yauzl.Options,
) => Promise<yauzl.ZipFile>;

/** A byte counter that fails the stream past `limit`. */
function limitBytes(limit: number, name: string): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length;
      if (seen > limit) done(new Error(`${name} is larger than ${limit} bytes`));
      else done(null, chunk);
    },
  });
}

/**
 * Writes each entry of `archive` whose name (at the archive's root) is in `names` into `dir`.
 * Resolves with the names written; rejects on a corrupt archive or a file over `maxFileBytes`.
 */
export async function extractZipFiles(
  archive: Buffer,
  names: readonly string[],
  dir: string,
  maxFileBytes: number,
): Promise<string[]> {
  const zip = await fromBuffer(archive, { lazyEntries: true, validateEntrySizes: true });
  const openReadStream = promisify(zip.openReadStream.bind(zip)) as (
    entry: yauzl.Entry,
  ) => Promise<NodeJS.ReadableStream>;
  const written: string[] = [];
  try {
    for (;;) {
      const entry = await new Promise<yauzl.Entry | null>((resolve, reject) => {
        zip.once('entry', resolve);
        zip.once('end', () => resolve(null));
        zip.once('error', reject);
        zip.readEntry();
      });
      zip.removeAllListeners();
      if (entry === null) return written;
      // Only plain files at the root: no directories, no paths that could leave `dir`.
      if (!names.includes(entry.fileName) || written.includes(entry.fileName)) continue;
      if (entry.uncompressedSize > maxFileBytes) {
        throw new Error(`${entry.fileName} is larger than ${maxFileBytes} bytes`);
      }
      await pipeline(
        await openReadStream(entry),
        limitBytes(maxFileBytes, entry.fileName),
        createWriteStream(path.join(dir, entry.fileName), { mode: 0o600 }),
      );
      written.push(entry.fileName);
    }
  } finally {
    zip.close();
  }
}
