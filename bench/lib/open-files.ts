import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

/**
 * Raises a running process's open-file limit to at least `n` with prlimit(1) (util-linux), soft
 * and hard: 10,000 connections need 10,000 descriptors on each side, more than the usual 1,024.
 * Raising the hard limit needs root (the benchmarks run as root); prlimit's own message says
 * why when it cannot.
 */
export function raiseOpenFiles(pid: number, n: number): void {
  const { soft, hard } = openFilesLimit(pid);
  if (soft >= n) return;
  try {
    execFileSync('prlimit', ['--pid', String(pid), `--nofile=${n}:${Math.max(n, hard)}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(`cannot raise the open-file limit of process ${pid} to ${n} (now ${soft}): ${stderr || (err as Error).message}`);
  }
}

/** "Max open files" of /proc/PID/limits. */
export function openFilesLimit(pid: number): { soft: number; hard: number } {
  const line = fs.readFileSync(`/proc/${pid}/limits`, 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
  const [soft, hard] = (line ?? '').split(/\s{2,}/).slice(1, 3).map((v) => (v === 'unlimited' ? Infinity : Number(v)));
  return { soft: soft || 0, hard: hard || 0 };
}
