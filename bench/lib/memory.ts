import { processTree, readKbFields } from './procs';

export interface MemoryPeak {
  /** Highest total resident set of the process tree seen in one sample, in MiB. */
  peakRssMb: number;
  /** Same, counting shared pages once across processes (proportional set size), in MiB. */
  peakPssMb: number;
  /** Highest number of processes in the tree at one time. */
  peakProcesses: number;
}

/**
 * Samples the memory of whole process trees (a server and every worker it forks) while a
 * benchmark runs. Postfix and Dovecot fork short-lived workers whose own VmHWM vanishes with
 * them, so the only fair "peak" across a tree is the largest simultaneous sum.
 */
export class TreeMemorySampler {
  private timer?: NodeJS.Timeout;
  private peak: MemoryPeak = { peakRssMb: 0, peakPssMb: 0, peakProcesses: 0 };

  constructor(
    private readonly roots: () => number[],
    private readonly intervalMs = 100,
  ) {}

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
  }

  stop(): MemoryPeak {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.sample();
    return { ...this.peak };
  }

  sample(): void {
    const pids = processTree(this.roots());
    let rss = 0;
    let pss = 0;
    for (const pid of pids) {
      // smaps_rollup has both figures; status is the fallback on kernels without it.
      const rollup = readKbFields(`/proc/${pid}/smaps_rollup`, ['Rss', 'Pss']);
      if (rollup && rollup.Rss !== undefined) {
        rss += rollup.Rss;
        pss += rollup.Pss ?? rollup.Rss;
        continue;
      }
      const status = readKbFields(`/proc/${pid}/status`, ['VmRSS']);
      rss += status?.VmRSS ?? 0;
      pss += status?.VmRSS ?? 0;
    }
    this.peak.peakRssMb = Math.max(this.peak.peakRssMb, rss / 1024);
    this.peak.peakPssMb = Math.max(this.peak.peakPssMb, pss / 1024);
    this.peak.peakProcesses = Math.max(this.peak.peakProcesses, pids.length);
  }
}

/** VmHWM of one process: the kernel's exact peak RSS, which sampling can only approach. */
export function highWaterMarkMb(pid: number): number | undefined {
  const status = readKbFields(`/proc/${pid}/status`, ['VmHWM']);
  return status?.VmHWM === undefined ? undefined : status.VmHWM / 1024;
}
