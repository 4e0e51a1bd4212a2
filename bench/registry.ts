import type { Benchmark } from './types';
import { smtpBenchmark } from './smtp';
import { sieveBenchmark } from './sieve';
import { junkBenchmark } from './junk';
import { imapIdleBenchmark } from './imap-idle';
import { imapBenchmark } from './imap';
import { outboundBenchmark } from './outbound';
import { logsBenchmark } from './logs';
import { migrationBenchmark } from './migration';
import { listsBenchmark } from './lists';
import { imapLargeBenchmark } from './imap-large';
import { graphqlBenchmark } from './graphql';
import { scaleLimitsBenchmark } from './scale-limits';
import { startupBenchmark } from './startup';

/** Every benchmark `npm run bench -- <name>` can run; add new ones here (one file each). */
export const BENCHMARKS: readonly Benchmark[] = [smtpBenchmark, sieveBenchmark, junkBenchmark, outboundBenchmark, imapBenchmark, imapLargeBenchmark, imapIdleBenchmark, logsBenchmark, migrationBenchmark, listsBenchmark, graphqlBenchmark, scaleLimitsBenchmark, startupBenchmark];

export function findBenchmark(name: string): Benchmark | undefined {
  return BENCHMARKS.find((b) => b.name === name);
}
