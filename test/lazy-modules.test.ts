/**
 * Dependencies of rarely used features (SSH to nodes, backups' tar, QR codes, charts, proxy
 * agents) load on first use, not with the product: each costs every process code and heap.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const LAZY = ['ssh2', 'tar', 'qrcode', '@resvg/resvg-js', 'https-proxy-agent', 'socks-proxy-agent'];

/**
 * Runs `body` (ES module code, in ROOT, sources through tsx) in a fresh process; `loaded()`
 * there lists the packages under node_modules it has loaded so far.
 */
function run(body: string): unknown {
  const script = `
    import { createRequire } from 'node:module';
    const loaded = () => [...new Set(Object.keys(createRequire(import.meta.url).cache)
      .map((file) => /node_modules\\/((?:@[^/]+\\/)?[^/]+)/.exec(file)?.[1])
      .filter(Boolean))];
    ${body}
  `;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  return JSON.parse(out);
}

describe('lazily loaded dependencies', () => {
  it('are not loaded with the product, and load when a feature is used', () => {
    const { atStart, afterQr } = run(`
      await import('./src/main.ts');
      const atStart = loaded();
      const { qrPng } = await import('./src/services/qr.ts');
      const png = await qrPng('vless://example');
      if (png.subarray(1, 4).toString() !== 'PNG') throw new Error('not a PNG');
      process.stdout.write(JSON.stringify({ atStart, afterQr: loaded() }));
    `) as { atStart: string[]; afterQr: string[] };
    // The product's own graph did load (CommonJS packages it always needs).
    expect(atStart).toEqual(expect.arrayContaining(['better-sqlite3', '@grpc/grpc-js', 'grammy']));
    expect(atStart.filter((name) => LAZY.includes(name))).toEqual([]);
    expect(afterQr).toContain('qrcode');
  });
});
