/**
 * The fuzzing driver (issue 17, "Standing tests"): every file in tests/fuzz/ declares its targets
 * with `fuzz()`, and this runs each one as a node:test test with fast-check.
 *
 * For every target: the corpus (tests/fuzz/corpus/<target>/, real transcripts and every
 * counterexample found so far) is replayed first, then `PILLARBOX_FUZZ_RUNS` generated inputs.
 * Each input must
 *   - not throw (the target catches the parser's own typed error; anything else is a crash),
 *   - finish within `hangMs` (measured per input; a slow input is run twice more and only the
 *     fastest of the three counts, the reruns by the CPU time the process used when that is less
 *     than the time that passed, so a busy machine or `nice` does not make hangs up),
 *   - not grow the heap (V8 heap plus external memory) by more than `heapMb` in one input;
 * and an input that never returns at all is caught by a watchdog thread, which writes it out and
 * ends the process. fast-check shrinks a failing input to a small one, which is printed (and, with
 * PILLARBOX_FUZZ_SAVE=1, added to the corpus so every later run replays it).
 *
 * Environment:
 *   PILLARBOX_FUZZ_RUNS     generated inputs per target (default 200: the CI budget), times the target's weight
 *   PILLARBOX_FUZZ_SECONDS  stop a target after this long even if runs are left (default: none)
 *   PILLARBOX_FUZZ_SEED     fast-check seed, to replay a run
 *   PILLARBOX_FUZZ_ONLY     a regular expression: only targets whose name matches
 *   PILLARBOX_FUZZ_SAVE     1: write shrunk counterexamples into the corpus
 *   PILLARBOX_FUZZ_REPORT   a file to which each target appends its figures as one JSON line
 *   PILLARBOX_FUZZ_STANDALONE  1: targets are not node:test tests but wait for `runTargets()` (the
 *                           long run, tests/fuzz/run-file.ts): node:test tracks every promise with an
 *                           async hook, which took about a third of the asynchronous targets' time
 */
import test from 'node:test';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { Worker } from 'node:worker_threads';
import fc from 'fast-check';

export { fc };

/** How a target's input is stored as a corpus file. */
export interface Codec<T> {
  encode(input: T): Buffer;
  decode(bytes: Buffer): T;
}

export const bytesCodec: Codec<Buffer> = { encode: (b) => b, decode: (b) => b };
/** Strings whose characters are bytes (protocol "wire strings"). */
export const latin1Codec: Codec<string> = { encode: (s) => Buffer.from(s, 'latin1'), decode: (b) => b.toString('latin1') };
/** Any JSON value (strings with lone surrogates survive, unlike UTF-8). */
export function jsonCodec<T>(): Codec<T> {
  return { encode: (v) => Buffer.from(JSON.stringify(v, null, 1)), decode: (b) => JSON.parse(b.toString('utf8')) as T };
}

export interface FuzzTarget<T> {
  /** Also the corpus folder name. */
  name: string;
  arbitrary: fc.Arbitrary<T>;
  codec: Codec<T>;
  /** Runs one input; throws only when a property does not hold. Returns a promise when `async` is set. */
  run(input: T): void | Promise<void>;
  /** The target is asynchronous (talks to a server); synchronous ones run without promises, faster. */
  async?: boolean;
  /** Inputs from code (in addition to the corpus files), replayed first. */
  seeds?: T[];
  /** Another target whose corpus this one replays too (a session target reached another way). */
  alsoReplays?: string;
  /** Time one input may take (default 50 ms). */
  hangMs?: number;
  /** Heap growth one input may cause (default 64 MB). */
  heapMb?: number;
  /** Share of PILLARBOX_FUZZ_RUNS this target runs (slow targets, such as whole sessions, less). */
  weight?: number;
  /** Set up before the first input (an engine to talk to), and torn down after the last. */
  before?(): Promise<void>;
  after?(): Promise<void>;
}

export interface FuzzStats {
  target: string;
  corpus: number;
  generated: number;
  executions: number;
  seconds: number;
  crashes: number;
  hangs: number;
  memory: number;
  slowestMs: number;
  peakHeapMb: number;
  retainedHeapMb: number;
  seed: number;
}

const env = process.env;
export const FUZZ_RUNS = positive(env.PILLARBOX_FUZZ_RUNS, 200);
const FUZZ_SECONDS = positive(env.PILLARBOX_FUZZ_SECONDS, 0);
const ONLY = env.PILLARBOX_FUZZ_ONLY ? new RegExp(env.PILLARBOX_FUZZ_ONLY) : undefined;
const SAVE = env.PILLARBOX_FUZZ_SAVE === '1';
const STANDALONE = env.PILLARBOX_FUZZ_STANDALONE === '1';

/** The repository's tests/fuzz/corpus (this file runs from dist/tests/fuzz). */
export const CORPUS_DIR = path.resolve(__dirname, '..', '..', '..', 'tests', 'fuzz', 'corpus');

function positive(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return value && Number.isFinite(n) && n > 0 ? n : fallback;
}

export class HangFound extends Error {}
export class MemoryFound extends Error {}

/** A property that does not hold: what the targets throw (anything else thrown is a crash too). */
export class PropertyFailed extends Error {}

/**
 * The time `fn` took, in ms: what passed, or the CPU time the process used if that is less (a
 * process waiting for a core on a busy machine, or niced, did not spend that time in `fn`).
 */
export function timeSpent(fn: () => void): number {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  fn();
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  return Math.min(wall, (cpu.user + cpu.system) / 1000);
}

export function check(condition: unknown, message: string | (() => string)): asserts condition {
  if (!condition) throw new PropertyFailed(typeof message === 'string' ? message : message());
}

// ---- memory -------------------------------------------------------------------------------------

function heapBytes(): number {
  const h = v8.getHeapStatistics();
  return h.used_heap_size + (h as { external_memory?: number }).external_memory!;
}

let gcFn: (() => void) | undefined;
function collect(): void {
  if (!gcFn) {
    v8.setFlagsFromString('--expose-gc');
    gcFn = vm.runInNewContext('gc') as () => void;
  }
  gcFn();
}

// ---- watchdog -----------------------------------------------------------------------------------

const WATCHDOG_BYTES = 1 << 20;

/**
 * A thread that watches the one running the inputs: if an input has not returned after
 * `stallMs`, it writes the input to a file, says so on stderr and kills the process, since a
 * synchronous parser stuck in a loop cannot be interrupted any other way.
 */
class Watchdog {
  private readonly control = new Int32Array(new SharedArrayBuffer(16));
  private readonly data = new Uint8Array(new SharedArrayBuffer(WATCHDOG_BYTES));
  private readonly worker: Worker;

  constructor(target: string, stallMs: number) {
    const dir = SAVE ? path.join(CORPUS_DIR, target) : path.join(os.tmpdir(), 'pillarbox-fuzz', target);
    this.worker = new Worker(WATCHDOG_SOURCE, {
      eval: true,
      workerData: { control: this.control, data: this.data, dir, target, stallMs },
    });
    this.worker.unref();
  }

  arm(input: Buffer): void {
    const n = Math.min(input.length, WATCHDOG_BYTES);
    this.data.set(n === input.length ? input : input.subarray(0, n));
    Atomics.store(this.control, 2, n);
    Atomics.add(this.control, 0, 1);
    Atomics.store(this.control, 1, 1);
  }

  disarm(): void {
    Atomics.store(this.control, 1, 0);
  }

  async stop(): Promise<void> {
    await this.worker.terminate();
  }
}

const WATCHDOG_SOURCE = `
const { workerData } = require('node:worker_threads');
const fs = require('node:fs'), path = require('node:path'), crypto = require('node:crypto');
const { control, data, dir, target, stallMs } = workerData;
let seen = -1, since = Date.now();
setInterval(() => {
  const seq = Atomics.load(control, 0);
  if (seq !== seen || Atomics.load(control, 1) === 0) { seen = seq; since = Date.now(); return; }
  if (Date.now() - since < stallMs) return;
  const input = Buffer.from(data.subarray(0, Atomics.load(control, 2)));
  const file = path.join(dir, 'hang-' + crypto.createHash('sha1').update(input).digest('hex').slice(0, 12));
  try { fs.mkdirSync(dir, { recursive: true }); fs.writeFileSync(file, input); } catch {}
  // Straight to the file descriptor: a worker's process.stderr goes through the (blocked) main thread.
  fs.writeSync(2, '\\nfuzz ' + target + ': HANG: an input has run for ' + (Date.now() - since) + ' ms; it is in ' + file +
    '\\n  input: ' + JSON.stringify(input.toString('latin1').slice(0, 2000)) + '\\n');
  process.kill(process.pid, 'SIGKILL');
}, Math.min(500, stallMs / 4));
`;

// ---- the driver ---------------------------------------------------------------------------------

function corpusFiles(target: string): { name: string; bytes: Buffer }[] {
  const dir = path.join(CORPUS_DIR, target);
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => !f.startsWith('.') && !f.endsWith('.md'))
    .sort()
    .map((f) => ({ name: f, bytes: fs.readFileSync(path.join(dir, f)) }));
}

function saveCounterexample(target: string, kind: string, bytes: Buffer): string {
  const dir = SAVE ? path.join(CORPUS_DIR, target) : path.join(os.tmpdir(), 'pillarbox-fuzz', target);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${kind}-${crypto.createHash('sha1').update(bytes).digest('hex').slice(0, 12)}`);
  fs.writeFileSync(file, bytes);
  return file;
}

/** The input as a reader sees it: printable, cut short. */
export function show(bytes: Buffer, max = 600): string {
  const s = JSON.stringify(bytes.toString('latin1').slice(0, max));
  return bytes.length > max ? `${s}… (${bytes.length} bytes)` : s;
}

/** The targets declared while STANDALONE, in order, each wrapped as in a test. */
const declared: { name: string; run: () => Promise<void> }[] = [];

/** Declares a target: a node:test test that replays the corpus and runs the generated inputs. */
export function fuzz<T>(target: FuzzTarget<T>): void {
  const skip = ONLY !== undefined && !ONLY.test(target.name);
  const run = async () => {
    const stats = newStats(target.name);
    try {
      await runTarget(target, stats);
    } finally {
      report(stats);
    }
  };
  if (STANDALONE) {
    if (!skip) declared.push({ name: target.name, run });
    return;
  }
  test(`fuzz ${target.name}`, { skip }, run);
}

/** Runs the targets declared so far (STANDALONE), one after the other; returns how many failed. */
export async function runTargets(): Promise<number> {
  let failed = 0;
  for (const { name, run } of declared.splice(0)) {
    try {
      await run();
    } catch (err) {
      failed++;
      console.error(`not ok: fuzz ${name}\n${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return failed;
}

function report(stats: FuzzStats): void {
  console.log(
    `fuzz ${stats.target}: ${stats.executions} inputs (${stats.corpus} corpus + ${stats.generated} generated) in ${stats.seconds.toFixed(1)} s, ` +
      `${Math.round(stats.executions / Math.max(stats.seconds, 0.001))}/s; crashes ${stats.crashes}, hangs ${stats.hangs}, memory ${stats.memory}; ` +
      `slowest ${stats.slowestMs.toFixed(1)} ms, peak heap ${stats.peakHeapMb.toFixed(0)} MB, retained ${stats.retainedHeapMb.toFixed(1)} MB; seed ${stats.seed}`,
  );
  if (env.PILLARBOX_FUZZ_REPORT) fs.appendFileSync(env.PILLARBOX_FUZZ_REPORT, JSON.stringify(stats) + '\n');
}

function newStats(target: string): FuzzStats {
  return {
    target,
    corpus: 0,
    generated: 0,
    executions: 0,
    seconds: 0,
    crashes: 0,
    hangs: 0,
    memory: 0,
    slowestMs: 0,
    peakHeapMb: 0,
    retainedHeapMb: 0,
    seed: env.PILLARBOX_FUZZ_SEED ? Number(env.PILLARBOX_FUZZ_SEED) : Date.now() ^ (Math.random() * 0x100000000),
  };
}

async function runTarget<T>(target: FuzzTarget<T>, stats: FuzzStats): Promise<void> {
  const hangMs = target.hangMs ?? 50;
  const heapLimit = (target.heapMb ?? 64) * 1024 * 1024;
  const watchdog = new Watchdog(target.name, Math.max(10_000, hangMs * 20));
  const seed = stats.seed;
  const started = performance.now();
  await target.before?.();
  collect();
  const baseline = heapBytes();
  let peak = baseline;

  /**
   * One execution, timed and weighed; `done` after the target returned (or its promise settled).
   * With `cpu`, the time is at most the CPU time the process used meanwhile: a process that waited
   * for a core (the machine busy, the fuzzer niced) did not spend that time on the input.
   */
  const begin = (input: T, cpu = false): { h0: number; t0: number; c0?: NodeJS.CpuUsage } => {
    watchdog.arm(target.codec.encode(input));
    return { h0: heapBytes(), t0: performance.now(), c0: cpu ? process.cpuUsage() : undefined };
  };
  const done = (m: { h0: number; t0: number; c0?: NodeJS.CpuUsage }): { ms: number; grew: number } => {
    let ms = performance.now() - m.t0;
    if (m.c0) {
      const used = process.cpuUsage(m.c0);
      ms = Math.min(ms, (used.user + used.system) / 1000);
    }
    watchdog.disarm();
    const h1 = heapBytes();
    if (h1 > peak) peak = h1;
    stats.executions++;
    return { ms, grew: h1 - m.h0 };
  };
  const measureSync = (input: T, cpu = false): { ms: number; grew: number } => {
    const m = begin(input, cpu);
    try {
      void target.run(input);
    } finally {
      watchdog.disarm();
    }
    return done(m);
  };
  const measureAsync = async (input: T, cpu = false): Promise<{ ms: number; grew: number }> => {
    const m = begin(input, cpu);
    try {
      await target.run(input);
    } finally {
      watchdog.disarm();
    }
    return done(m);
  };

  /** The checks after a first run: a slow input is run again (twice at most), a heavy one once after a GC. */
  const judge = (first: { ms: number; grew: number }, again: () => { ms: number; grew: number }): void => {
    let { ms, grew } = first;
    for (let i = 0; i < 2 && ms > hangMs; i++) ms = Math.min(ms, again().ms);
    if (ms > hangMs) throw new HangFound(`took ${ms.toFixed(1)} ms (limit ${hangMs} ms)`);
    if (ms > stats.slowestMs) stats.slowestMs = ms;
    if (grew > heapLimit) {
      collect();
      grew = again().grew;
      if (grew > heapLimit) throw new MemoryFound(`grew the heap by ${(grew / 1048576).toFixed(0)} MB (limit ${heapLimit / 1048576} MB)`);
    }
  };
  const onceSync = (input: T): void => judge(measureSync(input), () => measureSync(input, true));
  const onceAsync = async (input: T): Promise<void> => {
    const first = await measureAsync(input);
    // Async targets are re-measured before judging, so judge itself can stay synchronous.
    const extra: { ms: number; grew: number }[] = [];
    if (first.ms > hangMs) for (let i = 0; i < 2; i++) extra.push(await measureAsync(input, true));
    if (first.grew > heapLimit) {
      collect();
      extra.push(await measureAsync(input));
    }
    judge(first, () => extra.shift() ?? first);
  };
  const once = async (input: T): Promise<void> => (target.async ? onceAsync(input) : onceSync(input));

  const classify = (err: unknown): 'hangs' | 'memory' | 'crashes' => (err instanceof HangFound ? 'hangs' : err instanceof MemoryFound ? 'memory' : 'crashes');
  const describe = (err: unknown) => (err instanceof Error ? (err instanceof PropertyFailed || err instanceof HangFound || err instanceof MemoryFound ? err.message : err.stack ?? err.message) : String(err));

  try {
    // 1. Regression inputs: code seeds and the corpus, each must pass as it is.
    const replay: { name: string; input: T }[] = [
      ...(target.seeds ?? []).map((input, i) => ({ name: `seed #${i}`, input })),
      ...[target.alsoReplays, target.name].flatMap((t) => (t ? corpusFiles(t) : [])).map((f) => ({ name: f.name, input: target.codec.decode(f.bytes) })),
    ];
    for (const { name, input } of replay) {
      try {
        await once(input);
      } catch (err) {
        stats[classify(err)]++;
        throw new Error(`fuzz ${target.name}: corpus input ${name} fails: ${describe(err)}\n  input: ${show(target.codec.encode(input))}`);
      }
      stats.corpus++;
    }

    // 2. Generated inputs.
    const numRuns = Math.max(1, Math.round(FUZZ_RUNS * (target.weight ?? 1)));
    const params: fc.Parameters<[T]> = { numRuns, seed, endOnFailure: false };
    if (FUZZ_SECONDS > 0) Object.assign(params, { interruptAfterTimeLimit: FUZZ_SECONDS * 1000, markInterruptAsFailure: false });
    const details = target.async
      ? await fc.check(fc.asyncProperty(target.arbitrary, onceAsync), params)
      : fc.check(fc.property(target.arbitrary, onceSync), params);
    stats.generated = details.numRuns;
    if (details.failed) {
      const input = details.counterexample?.[0] as T;
      const err = details.errorInstance;
      const kind = classify(err);
      stats[kind]++;
      const bytes = target.codec.encode(input);
      const file = saveCounterexample(target.name, kind === 'crashes' ? 'crash' : kind === 'hangs' ? 'hang' : 'memory', bytes);
      throw new Error(
        `fuzz ${target.name}: ${kind === 'crashes' ? 'CRASH' : kind === 'hangs' ? 'HANG' : 'MEMORY'} after ${details.numRuns} inputs and ${details.numShrinks} shrinks ` +
          `(seed ${details.seed}, path "${details.counterexamplePath}"): ${describe(err)}\n  input: ${show(bytes)}\n  saved as ${file}`,
      );
    }
  } finally {
    await target.after?.();
    await watchdog.stop();
    collect();
    stats.retainedHeapMb = (heapBytes() - baseline) / 1048576;
    stats.peakHeapMb = peak / 1048576;
    stats.seconds = (performance.now() - started) / 1000;
  }
}
