/**
 * CPU use of a machine from the first line of its `/proc/stat` ("cpu user nice system idle
 * iowait irq softirq steal …", in clock ticks since boot), read twice: the share of ticks
 * between the two readings that were not idle. Xray's SysStats has no CPU figure.
 */

interface CpuSample {
  busy: number;
  total: number;
}

/** The busy and total ticks of `/proc/stat`'s `cpu` line; null when the text has none. */
export function parseProcStat(text: string): CpuSample | null {
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) return null;
  // user nice system idle iowait irq softirq steal (guest time is already counted in user).
  const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number);
  if (ticks.length < 4 || ticks.some((n) => !Number.isFinite(n))) return null;
  const total = ticks.reduce((sum, n) => sum + n, 0);
  const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
  return { busy: total - idle, total };
}

/**
 * A meter over `read` (which returns `/proc/stat`'s text): each call reads once and answers
 * the CPU use in percent since the previous call, so one cheap read per health cycle gives
 * the load over that cycle. Null on the first call and whenever a reading fails.
 */
export function createCpuMeter(read: () => Promise<string>): () => Promise<number | null> {
  let last: CpuSample | null = null;
  return async () => {
    let now: CpuSample | null;
    try {
      now = parseProcStat(await read());
    } catch {
      now = null;
    }
    const before = last;
    last = now;
    if (!now || !before || now.total <= before.total) return null;
    const percent = ((now.busy - before.busy) / (now.total - before.total)) * 100;
    return Math.round(Math.min(100, Math.max(0, percent)) * 10) / 10;
  };
}
