/**
 * `npm run fuzz`: the long run of every fuzz target (the same files CI runs with a short budget).
 *
 *   npm run fuzz                                  1,000,000 inputs per target
 *   npm run fuzz -- --seconds 600                 or at most 10 minutes per target
 *   npm run fuzz -- --runs 50000 --only 'imap|sieve-regex'
 *   npm run fuzz -- --no-save                     do not add counterexamples to the corpus
 *
 * Targets run one after the other on one core, each file in a plain process (run-file.ts). Shrunk counterexamples go into
 * tests/fuzz/corpus/<target>/ (commit them with the fix: every later run replays them). Each
 * target's figures are printed and appended to tests/fuzz/ledger.jsonl, whose totals are the
 * executions so far that docs/fuzzing.md reports.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FuzzStats } from './driver';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const LEDGER = path.join(ROOT, 'tests', 'fuzz', 'ledger.jsonl');

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const runs = option('runs') ?? '1000000';
const seconds = option('seconds');
const only = option('only');
const seed = option('seed');
const save = !process.argv.includes('--no-save');
const report = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pillarbox-fuzz-run-')), 'stats.jsonl');

const files = fs
  .readdirSync(__dirname)
  .filter((f) => f.endsWith('.test.js'))
  .sort()
  .map((f) => path.join(__dirname, f));

const env: NodeJS.ProcessEnv = { ...process.env, PILLARBOX_FUZZ_RUNS: runs, PILLARBOX_FUZZ_REPORT: report, PILLARBOX_FUZZ_SAVE: save ? '1' : '0' };
if (seconds) env.PILLARBOX_FUZZ_SECONDS = seconds;
if (only) env.PILLARBOX_FUZZ_ONLY = only;
if (seed) env.PILLARBOX_FUZZ_SEED = seed;

console.log(`fuzzing: ${runs} inputs per target${seconds ? `, at most ${seconds} s each` : ''}${only ? `, targets matching /${only}/` : ''}`);
const started = Date.now();
// Each file in a process of its own, without the test runner (see run-file.ts).
let status = 0;
for (const file of files) {
  const result = spawnSync(process.execPath, [path.join(__dirname, 'run-file.js'), file], { env, stdio: 'inherit', cwd: ROOT });
  if (result.status !== 0) status = result.status ?? 1;
}

const stats: FuzzStats[] = fs.existsSync(report) ? fs.readFileSync(report, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as FuzzStats) : [];
const when = new Date().toISOString();
const round = (v: number) => Math.round(v * 10) / 10;
for (const s of stats) {
  const entry = { when, ...s, seconds: round(s.seconds), slowestMs: round(s.slowestMs), peakHeapMb: round(s.peakHeapMb), retainedHeapMb: round(s.retainedHeapMb) };
  fs.appendFileSync(LEDGER, JSON.stringify(entry) + '\n');
}

const totals = new Map<string, number>();
for (const line of fs.existsSync(LEDGER) ? fs.readFileSync(LEDGER, 'utf8').trim().split('\n').filter(Boolean) : []) {
  const s = JSON.parse(line) as FuzzStats;
  totals.set(s.target, (totals.get(s.target) ?? 0) + s.executions);
}

const pad = (v: string | number, w: number) => String(v).padStart(w);
console.log('\ntarget                         executions      per s  crashes  hangs  memory  slowest ms  peak heap MB   all runs so far');
for (const s of stats) {
  console.log(
    `${s.target.padEnd(28)} ${pad(s.executions, 12)} ${pad(Math.round(s.executions / Math.max(s.seconds, 0.001)), 10)} ${pad(s.crashes, 8)} ${pad(s.hangs, 6)} ${pad(s.memory, 7)} ${pad(s.slowestMs.toFixed(1), 11)} ${pad(s.peakHeapMb.toFixed(0), 13)} ${pad(totals.get(s.target) ?? 0, 17)}`,
  );
}
const failed = stats.filter((s) => s.crashes + s.hangs + s.memory > 0).length;
console.log(`\n${stats.length} targets in ${Math.round((Date.now() - started) / 1000)} s; ${failed} with findings${status !== 0 ? ' (see the failures above; counterexamples are in tests/fuzz/corpus/<target>/)' : ''}.`);
process.exitCode = status;
