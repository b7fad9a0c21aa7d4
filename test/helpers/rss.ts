/** Memory of a process as Linux reports it in /proc/<pid>/status, in MiB. */
import { readFileSync, writeFileSync } from 'node:fs';

function statusMiB(pid: number | 'self', field: 'VmHWM' | 'VmRSS'): number {
  const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no ${field} for process ${pid}`);
  return Number(match[1]) / 1024;
}

/**
 * Runs `work` and returns how far this process's peak RSS rose above its RSS at the start
 * (the peak is reset first, so an earlier test's peak cannot hide this one's).
 */
export async function peakRssGrowth(work: () => Promise<unknown>): Promise<number> {
  writeFileSync('/proc/self/clear_refs', '5'); // resets VmHWM to the current RSS
  const start = statusMiB('self', 'VmRSS');
  await work();
  return statusMiB('self', 'VmHWM') - start;
}

/**
 * Follows another process's peak RSS until `stop()`, which returns the highest VmHWM seen.
 * Polled often: the peak is lost when the process exits.
 */
export function watchPeakRss(pid: number): { stop: () => number } {
  let peak = 0;
  const read = () => {
    try {
      peak = Math.max(peak, statusMiB(pid, 'VmHWM'));
    } catch {
      // the process has exited
    }
  };
  read();
  const timer = setInterval(read, 5);
  return {
    stop: () => {
      clearInterval(timer);
      return peak;
    },
  };
}
