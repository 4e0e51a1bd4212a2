import type { BenchResult } from '../types';

/** The side-by-side table: one row per system, one column per figure. */
export function formatTable(result: BenchResult): string {
  const header = ['system', ...result.columns.map((c) => c.label)];
  const rows = result.sides.map((side) => [
    side.system,
    ...result.columns.map((c) => {
      if (!side.ok) return 'FAILED';
      const value = side.metrics[c.key];
      return value === undefined ? 'n/a' : value.toFixed(c.decimals);
    }),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
  const out = [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
  return out.join('\n');
}

export function formatReport(result: BenchResult): string {
  const lines = [`benchmark ${result.benchmark}: ${result.workload.summary}`, '', formatTable(result), ''];
  for (const side of result.sides) {
    if (!side.ok) lines.push(`!! ${side.system} FAILED: ${side.error ?? 'unknown error'}`);
  }
  for (const note of result.notes ?? []) lines.push(`note: ${note}`);
  const m = result.machine;
  if (m) {
    lines.push(`note: ${m.cpus} CPUs, load average ${m.loadAverageBefore.toFixed(2)} before and ${m.loadAverageAfter.toFixed(2)} after`);
    // Only the figure before counts: during the run, processes waiting on fsync raise it too.
    if (m.loadAverageBefore > m.cpus) lines.push('note: the machine was busy before the run started: figures are noisy, compare the sides only within one run');
  }
  lines.push(JSON.stringify(toJson(result)));
  return lines.join('\n') + '\n';
}

/** The machine-readable line that ends every report: one object, sides keyed by system. */
export function toJson(result: BenchResult): Record<string, unknown> {
  const sides: Record<string, unknown> = {};
  for (const side of result.sides) {
    sides[side.system] = side.ok ? { ok: true, ...roundAll(side.metrics) } : { ok: false, error: side.error };
  }
  return { benchmark: result.benchmark, workload: result.workload.params, machine: result.machine, results: sides };
}

function roundAll(metrics: Record<string, number | undefined>): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const [key, value] of Object.entries(metrics)) out[key] = value === undefined ? null : Math.round(value * 1000) / 1000;
  return out;
}
