/**
 * Prints the "Executions so far" table of docs/fuzzing.md from tests/fuzz/ledger.jsonl:
 *
 *   npm run build && node dist/tests/fuzz/ledger-table.js
 *
 * Per target: the inputs of every long run, how many runs, their time, the findings they reported
 * (crashes, hangs, memory; each fixed before the next run, see "Defects found"), the slowest
 * input of any run, and the rate of the latest run.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { FuzzStats } from './driver';

const LEDGER = path.resolve(__dirname, '..', '..', '..', 'tests', 'fuzz', 'ledger.jsonl');

interface Row {
  inputs: number;
  runs: number;
  seconds: number;
  findings: number;
  slowestMs: number;
  latest: FuzzStats;
}

const rows = new Map<string, Row>();
for (const line of fs.readFileSync(LEDGER, 'utf8').split('\n')) {
  if (!line.trim()) continue;
  const s = JSON.parse(line) as FuzzStats;
  const r = rows.get(s.target) ?? { inputs: 0, runs: 0, seconds: 0, findings: 0, slowestMs: 0, latest: s };
  r.inputs += s.executions;
  r.runs++;
  r.seconds += s.seconds;
  r.findings += s.crashes + s.hangs + s.memory;
  r.slowestMs = Math.max(r.slowestMs, s.slowestMs);
  r.latest = s;
  rows.set(s.target, r);
}

const n = (v: number) => Math.round(v).toLocaleString('en-US');
const duration = (s: number) => (s < 120 ? `${n(s)} s` : s < 7200 ? `${n(s / 60)} min` : `${(s / 3600).toFixed(1)} h`);
console.log('| target | inputs run | long runs | time | findings | slowest input | latest run, inputs/s |');
console.log('|---|---:|---:|---:|---:|---:|---:|');
let total = 0;
for (const [target, r] of [...rows].sort(([a], [b]) => a.localeCompare(b))) {
  total += r.inputs;
  const rate = r.latest.executions / Math.max(r.latest.seconds, 0.001);
  console.log(`| \`${target}\` | ${n(r.inputs)} | ${r.runs} | ${duration(r.seconds)} | ${r.findings} | ${n(r.slowestMs)} ms | ${n(rate)} |`);
}
console.log(`| all ${rows.size} targets | ${n(total)} | | | | | |`);
