/**
 * An in-memory stand-in for a core, for service edge cases that need exact control of
 * counters and uptime. The main paths run against the real core binary (test/core).
 */
import type { CorePort, CoreUser } from '../../src/services/core-port.ts';

export function createMemoryCore() {
  const users = new Map<string, string>();
  const counters = new Map<string, number>();
  const applied: Array<{ add: CoreUser[]; remove: string[] }> = [];
  let uptimeSeconds = 100;
  let reachable = true;

  const core: CorePort & Record<string, unknown> = {
    id: 'local',
    async apply(change) {
      if (!reachable) throw new Error('core unreachable');
      const add = change.add ?? [];
      const remove = change.remove ?? [];
      applied.push({ add, remove });
      for (const name of remove) users.delete(name.toLowerCase());
      for (const u of add) users.set(u.name.toLowerCase(), u.uuid);
      return 'applied';
    },
    async readCounters(visit) {
      if (!reachable) return null;
      counters.forEach((value, name) => {
        const bytes = Buffer.from(name);
        visit(bytes, 0, bytes.length, value);
      });
      return { uptimeSeconds };
    },
    shareLink: (u) =>
      `vless://${u.uuid}@127.0.0.1:443?type=tcp&encryption=none&security=none#${encodeURIComponent(u.name)}`,
  };

  return {
    core,
    users,
    applied,
    /** Adds traffic to a user's counters, as the core would. */
    traffic(name: string, up: number, down: number) {
      const u = `user>>>${name}>>>traffic>>>uplink`;
      const d = `user>>>${name}>>>traffic>>>downlink`;
      counters.set(u, (counters.get(u) ?? 0) + up);
      counters.set(d, (counters.get(d) ?? 0) + down);
    },
    /** The core restarts: counters back to zero, uptime too. */
    restart() {
      counters.clear();
      uptimeSeconds = 1;
    },
    /** The counters go back to zero while the reported uptime does not (two quick restarts). */
    resetCounters() {
      counters.clear();
    },
    tick(seconds: number) {
      uptimeSeconds += seconds;
    },
    setReachable(value: boolean) {
      reachable = value;
    },
  };
}
