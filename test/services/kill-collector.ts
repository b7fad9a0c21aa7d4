/**
 * xkeeper's collector killed with -9 at random moments, again and again: each time the
 * compiled stand-alone collector (collector-runner.mjs) starts on the app's DATA_DIR, collects
 * in a tight loop and is killed 20–220 ms after its first cycle. Build dist/ first.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { Config } from '../../src/config.ts';

const RUNNER = fileURLToPath(new URL('./collector-runner.mjs', import.meta.url));

/** Runs and kills the collector `kills` times; returns how many kills landed. */
export async function killCollectorRepeatedly(config: Readonly<Config>, kills: number): Promise<number> {
  const env = {
    ...process.env,
    DATA_DIR: config.dataDir,
    CORE_BIN: config.CORE_BIN,
    CORE_MANAGED: 'false',
    CORE_API_PORT: String(config.CORE_API_PORT),
    VLESS_PORT: String(config.VLESS_PORT),
    LOG_LEVEL: 'silent',
  };
  let landed = 0;
  for (let i = 0; i < kills; i++) {
    const child = spawn(process.execPath, [RUNNER], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
      child.once('exit', (code) => reject(new Error(`collector exited early (${code})`)));
    });
    await new Promise((r) => setTimeout(r, 20 + Math.random() * 200));
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
    landed++;
  }
  return landed;
}
