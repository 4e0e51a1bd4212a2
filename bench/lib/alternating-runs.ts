import type { BenchContext, SideResult } from '../types';
import type { DeliveryFigures } from './timed-delivery';

/** The `--runs N` flag's help line, shared by the delivery benchmarks. */
export const RUNS_FLAG = '--runs N         alternate the sides N times, report each side\'s median run (default 1)';

/**
 * Runs each side of `plan` `runs` times, alternating the sides (so noise from other work on
 * the machine spreads over both), and gives each side's median run. `verb` ends the log line
 * ("stored", "relayed"). A side whose run failed is not run again.
 */
export async function alternatingRuns(ctx: BenchContext, plan: [string, () => Promise<DeliveryFigures>][], runs: number, verb: string): Promise<SideResult[]> {
  const outcomes = await alternate(ctx, plan, runs, verb);
  return plan.map(([system]) => medianRun(outcomes.get(system) as SideResult[]));
}

/** alternatingRuns' runs, every one of them per side; `after` sees each run as it ends. */
export async function alternate(
  ctx: BenchContext,
  plan: [string, () => Promise<DeliveryFigures>][],
  runs: number,
  verb: string,
  after?: (system: string) => void,
): Promise<Map<string, SideResult[]>> {
  const outcomes = new Map<string, SideResult[]>(plan.map(([system]) => [system, []]));
  for (let r = 1; r <= runs; r++) {
    for (const [system, work] of plan) {
      const previous = outcomes.get(system) as SideResult[];
      if (previous.some((o) => !o.ok)) continue;
      previous.push(await side(runs > 1 ? `${system} (run ${r}/${runs})` : system, system, work, ctx, verb));
      after?.(system);
    }
  }
  return outcomes;
}

/** The note a report carries when each side's figures are a median. */
export function medianNote(runs: number, by: string): string {
  return `each side's figures are from its median run of ${runs} (by msgs/s ${by}); memory is the highest of all runs`;
}

async function side(label: string, system: string, work: () => Promise<DeliveryFigures>, ctx: BenchContext, verb: string): Promise<SideResult> {
  ctx.log(`--- ${label}`);
  try {
    const metrics = await work();
    ctx.log(`${label}: ${metrics.messagesPerSecond.toFixed(1)} msgs/s ${verb} in ${metrics.seconds.toFixed(2)} s`);
    return { system, ok: true, metrics };
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    ctx.log(`${label} FAILED: ${error}`);
    return { system, ok: false, error, metrics: {} };
  }
}

/** The run with the median throughput, with the peak memory of all runs; a failed run fails the side. */
export function medianRun(results: SideResult[]): SideResult {
  const failed = results.find((r) => !r.ok);
  if (failed) return failed;
  const rate = (r: SideResult): number => r.metrics.messagesPerSecond ?? 0;
  const sorted = [...results].sort((a, b) => rate(a) - rate(b));
  const median = sorted[Math.floor((sorted.length - 1) / 2)];
  const peak = (key: string): number => Math.max(...results.map((r) => r.metrics[key] ?? 0));
  return {
    ...median,
    metrics: { ...median.metrics, peakRssMb: peak('peakRssMb'), peakPssMb: peak('peakPssMb'), peakProcesses: peak('peakProcesses') },
  };
}
