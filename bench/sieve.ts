import { performance } from 'node:perf_hooks';
import { compileSieve, runSieve, type SieveScript } from '../server/sieve/index';
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
  flags: ['--runs N         script runs (default 50000)'],
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
    return {
      benchmark: 'sieve',
      workload: { summary: `${runs} runs of a 12-rule script over ${raws.length} sample messages`, params: { runs, messages: raws.length } },
      columns: [
        { key: 'runsPerSecond', label: 'runs/s', decimals: 0 },
        { key: 'microsPerRun', label: 'µs/run', decimals: 1 },
        { key: 'compileMicros', label: 'compile µs', decimals: 1 },
        { key: 'cpuSeconds', label: 'CPU s', decimals: 2 },
      ],
      sides: [
        {
          system: 'pillarbox',
          ok: true,
          metrics: { runsPerSecond: runs / seconds, microsPerRun: (seconds * 1e6) / runs, compileMicros: compileMs * 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6 },
        },
      ],
      notes: ['Pigeonhole has no in-process equivalent (sieve-test is one process per message), so there is no peer column.'],
    };
  },
};
