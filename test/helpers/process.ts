/** Liveness of child processes the tests start. Signal 0 only checks that the target exists. */

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Whether the process group led by `pid` (a child spawned `detached`) has a member left. */
export const groupAlive = (pid: number): boolean => processAlive(-pid);
