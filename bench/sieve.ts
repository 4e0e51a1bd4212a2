import { performance } from 'node:perf_hooks';
import { compileSieve, runSieve, type SieveScript } from '../server/sieve/index';
import { SievePool, sharedBytes } from '../server/sieve/sieve-pool';
import { MESSAGES } from '../tests/sieve/corpus/messages';
import { intFlag } from './lib/args';
import type { Benchmark, BenchContext, BenchResult } from './types';

/** A realistic personal script: list sorting with variables, the seed's anti-junk rules, vacation. */
const SCRIPT = `require ["fileinto", "envelope", "variables", "imap4flags", "relational", "comparator-i;ascii-numeric",
         "spamtest", "vacation", "subaddress", "body", "regex", "date"];
if spamtest :value "ge" :comparator "i;ascii-numeric" "8" { fileinto "Junk"; stop; }
if header :contains ["X-Spam-Flag"] ["YES"] { discard; stop; }
if header :matches "List-Id" "*<*.*>" { fileinto "Lists.\${2}"; stop; }
if envelope :detail :matches "to" "*" { set :lower "box" "\${1}"; if not string :is "\${box}" "" { fileinto "Tags.\${box}"; } }
if anyof (address :domain :is "from" ["family.example", "example.org"], header :contains "subject" ["urgent", "asap"]) {
  addflag "\\\\Flagged";
}
if header :regex "subject" "^\\\\[(dev|ops)\\\\]" { fileinto "Work"; }
if allof (size :over 16K, not exists "x-keep-big") { fileinto "Big"; }
if body :text :contains "unsubscribe" { addflag "$Newsletter"; }
if date :value "lt" :originalzone "date" "year" "2010" { fileinto "Old"; }
vacation :days 7 :subject "Away" "I am away until Monday.";
`;

export const sieveBenchmark: Benchmark = {
  name: 'sieve',
  description: 'Sieve: a realistic script (lists, junk, flags, regex, body, vacation) evaluated on sample messages',
  flags: ['--runs N         script runs in-process (default 50000)', '--worker-runs N  script runs through the worker pool, as at delivery (default 10000)'],
  async run(ctx: BenchContext): Promise<BenchResult> {
    const runs = intFlag(ctx.flags, 'runs', 50_000);
    const compiled = compileSieve(SCRIPT);
    if (compiled.errors) throw new Error(`benchmark script does not compile: ${JSON.stringify(compiled.errors)}`);
    const script: SieveScript = compiled.script;
    const raws = Object.values(MESSAGES).map((m) => Buffer.from(m));
    const compileStart = performance.now();
    for (let i = 0; i < 1000; i++) compileSieve(SCRIPT);
    const compileMs = (performance.now() - compileStart) / 1000;
    ctx.log(`evaluating ${runs} runs over ${raws.length} messages`);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < runs; i++) {
      // A fresh message each run: header parsing is part of the cost, as at delivery.
      await runSieve(script, { raw: raws[i % raws.length], envelope: { from: 'joe@example.org', to: 'me+tag@example.com' } }, { userAddresses: ['me@example.com'], spamScore: 3 });
    }
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);

    // At delivery the run happens in a worker thread (SievePool): the same runs one after the other,
    // each message copied into shared memory first as the Sieve stage does. The worker hop's cost is
    // the wall time over the in-process run; the main thread's share is its event loop's busy time.
    const workerRuns = intFlag(ctx.flags, 'worker-runs', 10_000);
    const pool = new SievePool({ size: 1 });
    const input = (i: number) => ({
      script: { name: 'bench', source: SCRIPT },
      raw: sharedBytes(raws[i % raws.length]),
      envelope: { from: 'joe@example.org', to: 'me+tag@example.com' },
      userAddresses: ['me@example.com'],
      spamScore: 3,
    });
    for (let i = 0; i < 500; i++) await pool.run(input(i)); // start the worker, compile, warm up
    ctx.log(`evaluating ${workerRuns} runs through the worker pool`);
    const elu0 = performance.eventLoopUtilization();
    const w0 = performance.now();
    for (let i = 0; i < workerRuns; i++) await pool.run(input(i));
    const workerSeconds = (performance.now() - w0) / 1000;
    const mainBusyMs = performance.eventLoopUtilization(elu0).active;
    await pool.close();
    return {
      benchmark: 'sieve',
      workload: {
        summary: `${runs} runs (in-process) and ${workerRuns} (worker pool) of a 12-rule script over ${raws.length} sample messages`,
        params: { runs, workerRuns, messages: raws.length },
      },
      columns: [
        { key: 'runsPerSecond', label: 'runs/s', decimals: 0 },
        { key: 'microsPerRun', label: 'µs/run', decimals: 1 },
        { key: 'workerMicrosPerRun', label: 'µs/run in worker', decimals: 1 },
        { key: 'hopMicros', label: 'worker hop µs', decimals: 1 },
        { key: 'mainMicrosPerRun', label: 'main-thread µs/run', decimals: 1 },
        { key: 'compileMicros', label: 'compile µs', decimals: 1 },
        { key: 'cpuSeconds', label: 'CPU s', decimals: 2 },
      ],
      sides: [
        {
          system: 'pillarbox',
          ok: true,
          metrics: {
            runsPerSecond: runs / seconds,
            microsPerRun: (seconds * 1e6) / runs,
            workerMicrosPerRun: (workerSeconds * 1e6) / workerRuns,
            hopMicros: (workerSeconds * 1e6) / workerRuns - (seconds * 1e6) / runs,
            mainMicrosPerRun: (mainBusyMs * 1000) / workerRuns,
            compileMicros: compileMs * 1000,
            cpuSeconds: (cpu.user + cpu.system) / 1e6,
          },
        },
      ],
      notes: [
        'Pigeonhole has no in-process equivalent (sieve-test is one process per message), so there is no peer column.',
        'µs/run in worker: one run through SievePool as at delivery (message into shared memory, post, run, answer); worker hop = that minus µs/run; main-thread µs/run: the event loop\'s busy time per run (the rest is in the worker).',
      ],
    };
  },
};
