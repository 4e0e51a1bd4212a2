/**
 * Prints the "Executions so far" table of docs/fuzzing.md from tests/fuzz/ledger.jsonl:
 *
 *   npm run build && node dist/tests/fuzz/ledger-table.js           print it
 *   node dist/tests/fuzz/ledger-table.js --write                     put it into docs/fuzzing.md
 *
 * Per target: the inputs of every long run, how many runs, their time, the findings they reported
 * (crashes, hangs, memory; each fixed before the next run, see "Defects found"), the slowest
 * input of any run, and the rate of the latest run.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { FuzzStats } from './driver';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const LEDGER = path.join(ROOT, 'tests', 'fuzz', 'ledger.jsonl');
const DOC = path.join(ROOT, 'docs', 'fuzzing.md');
/** The table sits between these two lines of the page. */
const BEGIN = '<!-- ledger-table -->';
const END = '<!-- /ledger-table -->';

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
const out = ['| target | inputs run | long runs | time | findings | slowest input | latest run, inputs/s |', '|---|---:|---:|---:|---:|---:|---:|'];
let total = 0;
for (const [target, r] of [...rows].sort(([a], [b]) => a.localeCompare(b))) {
  total += r.inputs;
  const rate = r.latest.executions / Math.max(r.latest.seconds, 0.001);
  out.push(`| \`${target}\` | ${n(r.inputs)} | ${r.runs} | ${duration(r.seconds)} | ${r.findings} | ${n(r.slowestMs)} ms | ${n(rate)} |`);
}
out.push(`| all ${rows.size} targets | ${n(total)} | | | | | |`);

if (process.argv.includes('--write')) {
  const doc = fs.readFileSync(DOC, 'utf8');
  const a = doc.indexOf(BEGIN);
  const b = doc.indexOf(END);
  if (a < 0 || b < a) throw new Error(`${DOC} has no ${BEGIN} … ${END} lines`);
  fs.writeFileSync(DOC, `${doc.slice(0, a + BEGIN.length)}\n${out.join('\n')}\n${doc.slice(b)}`);
  console.log(`${DOC}: ${rows.size} targets, ${n(total)} inputs`);
} else {
  console.log(out.join('\n'));
}
