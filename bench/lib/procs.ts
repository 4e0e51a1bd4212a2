import fs from 'node:fs';
import { sleep } from './poll';

/** Parent of every live process, read from /proc/<pid>/stat (field 4, after the command in parentheses). */
function parentMap(): Map<number, number> {
  const parents = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parents.set(Number(entry), Number(fields[1]));
    } catch {
      // the process exited while we were listing
    }
  }
  return parents;
}

/**
 * CPU time used so far by a process tree, in seconds: user + system time of every process in it,
 * plus what the children it already reaped used (cutime/cstime), so short-lived workers that
 * came and went (Postfix smtpd, Dovecot lmtp) are counted too. Take the difference of two calls.
 */
export function treeCpuSeconds(roots: number[], ticksPerSecond = 100): number {
  let ticks = 0;
  for (const pid of processTree(roots)) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // fields[0] is stat field 3 (state); utime, stime, cutime, cstime are fields 14-17.
      for (const i of [11, 12, 13, 14]) ticks += Number(fields[i]);
    } catch {
      // exited between listing and reading
    }
  }
  return ticks / ticksPerSecond;
}

/** The given processes and all their descendants that are alive now. */
export function processTree(roots: number[]): number[] {
  const parents = parentMap();
  const children = new Map<number, number[]>();
  for (const [pid, ppid] of parents) {
    const list = children.get(ppid) ?? [];
    list.push(pid);
    children.set(ppid, list);
  }
  const out: number[] = [];
  const todo = roots.filter((pid) => parents.has(pid));
  while (todo.length) {
    const pid = todo.pop() as number;
    out.push(pid);
    todo.push(...(children.get(pid) ?? []));
  }
  return out;
}

export function isAlive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Waits up to `timeoutMs` for every pid to exit; returns the ones still alive. */
export async function waitForExit(pids: number[], timeoutMs: number): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  let alive = pids.filter(isAlive);
  while (alive.length && Date.now() < deadline) {
    await sleep(50);
    alive = alive.filter(isAlive);
  }
  return alive;
}

export function signal(pids: number[], sig: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, sig);
    } catch {
      // already gone
    }
  }
}

/** Reads "Key:   1234 kB" lines of a /proc file into kB numbers. */
export function readKbFields(file: string, keys: string[]): Record<string, number> | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const out: Record<string, number> = {};
  for (const key of keys) {
    const match = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text);
    if (match) out[key] = Number(match[1]);
  }
  return out;
}
