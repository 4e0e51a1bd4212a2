/** What every benchmark in the registry implements; run.ts prints the result the same way for all. */
export interface Benchmark {
  /** The name given on the command line: `npm run bench -- <name>`. */
  readonly name: string;
  /** One line for the list printed by `npm run bench` without an argument. */
  readonly description: string;
  /** Extra flags this benchmark understands, for the usage text ("--messages N  …"). */
  readonly flags?: string[];
  run(context: BenchContext): Promise<BenchResult>;
}

export interface BenchContext {
  /** Flags after the benchmark name, already parsed (`--messages 100` → messages: "100"). */
  readonly flags: Map<string, string | true>;
  /** Progress lines on stderr, so stdout keeps only the report. */
  log(message: string): void;
  /** Where temporary data directories go (default: the OS temp dir; must be a real disk for fsync to mean anything). */
  readonly workDir: string;
}

/** A figure every side reports, shown as one column of the table. */
export interface Column {
  key: string;
  label: string;
  /** Decimals shown in the table; the JSON line keeps full precision. */
  decimals: number;
}

/** One system's run: Pillarbox, or the peer doing the same work. */
export interface SideResult {
  system: string;
  ok: boolean;
  /** Why this side failed, in one line, when ok is false. */
  error?: string;
  metrics: Record<string, number | undefined>;
}

export interface BenchResult {
  benchmark: string;
  /** The workload in words and as parameters, so figures from different runs can be compared. */
  workload: { summary: string; params: Record<string, string | number> };
  columns: Column[];
  sides: SideResult[];
  notes?: string[];
  /** Filled in by run.ts: the machine and how busy it was, since other work skews every figure. */
  machine?: { cpus: number; loadAverageBefore: number; loadAverageAfter: number };
}
