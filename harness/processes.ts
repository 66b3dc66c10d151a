/**
 * Processes as /proc shows them (Linux, where CI runs): their state and CPU times, and by their
 * parent links what a command started, even in process groups of its own. The Pulumi CLI starts
 * each plugin (our provider host among them) in a group of its own, so killing the CLI's group
 * leaves the host running, an orphan that outlives the test; a runner that is killed takes its
 * whole tree with it, and so must we.
 */
import { readdirSync, readFileSync } from "node:fs";

/**
 * The fields of /proc/PID/stat after "pid (comm) ", the command name skipped whole (it may hold
 * spaces and parentheses): state is [0], ppid [1], utime [11], stime [12].
 */
export function statFields(pid: string | number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined; // gone meanwhile
  }
}

/** `pid` and every process descended from it, parents before their children. */
export function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(entry);
    if (fields === undefined) continue;
    const ppid = Number(fields[1]);
    children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i]) ?? []));
  return tree;
}

/** Running: it exists and is not a zombie (killed, waiting for a parent that may never reap it). */
function isRunning(pid: number): boolean {
  const fields = statFields(pid);
  return fields !== undefined && fields[0] !== "Z";
}

/**
 * Which of `pids` still run once a SIGKILL sent to them has had `graceMs` to take effect: the
 * signal is delivered when the process is next scheduled, which on a loaded machine is not at
 * once, so a check made right after the kill can still see it running.
 */
export async function stillRunning(pids: readonly number[], graceMs = 5_000): Promise<number[]> {
  const until = Date.now() + graceMs;
  for (;;) {
    const running = pids.filter(isRunning);
    if (running.length === 0 || Date.now() > until) return running;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A process's command line, its arguments joined by spaces ("" once it is gone). */
function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim();
  } catch {
    return "";
  }
}

/** SIGKILLs `pid`'s whole tree, whatever groups it spans; returns what it found, read before the kill. */
export function killTree(pid: number): { pid: number; command: string }[] {
  const tree = processTree(pid).map((member) => ({ pid: member, command: commandLine(member) }));
  for (const member of tree) {
    try {
      process.kill(member.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  return tree;
}
