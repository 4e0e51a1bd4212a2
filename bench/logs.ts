import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setImmediate as yieldToEvents } from 'node:timers/promises';
import type { Benchmark, BenchContext, BenchResult, Column, SideResult } from './types';
import { intFlag } from './lib/args';
import { registerCleanup } from './lib/cleanup';
import { logCorpus, type LogCorpus } from './lib/log-corpus';
import { clientAddress, localAddress, localUser, logRecord, queueIdOf, remoteAddress } from './lib/log-records';
import { PillarboxEngine } from './lib/pillarbox-engine';
import { SMTP_SOURCE, type SmtpSourceLoad } from './lib/smtp-source';
import { fileSystemType, makeWorkDir, removeDir } from './lib/workdir';
import { runPillarbox } from './smtp';
import { LogIndex, type LogQuery } from '../server/logs/log-index';
import { LogHub, type LogService, type Severity } from '../server/logs/logger';

const COLUMNS: Column[] = [
  { key: 'recordsPerSecondWritten', label: 'rec/s written', decimals: 0 },
  { key: 'recordsPerSecondFiles', label: 'rec/s files', decimals: 0 },
  { key: 'recordsPerSecondIndex', label: 'rec/s index', decimals: 0 },
  { key: 'cpuUsPerRecord', label: 'CPU µs/rec', decimals: 1 },
  { key: 'messagesPerSecond', label: 'msgs/s', decimals: 1 },
  { key: 'cpuMsPerMessage', label: 'CPU ms/msg', decimals: 2 },
  { key: 'ratioToDefault', label: 'vs default', decimals: 3 },
  { key: 'medianMs', label: 'median ms', decimals: 1 },
  { key: 'worstMs', label: 'worst ms', decimals: 1 },
  { key: 'indexMedianMs', label: 'index ms', decimals: 1 },
  { key: 'indexCpuMs', label: 'index CPU ms', decimals: 1 },
  { key: 'rows', label: 'rows', decimals: 0 },
  { key: 'loadAverage', label: 'load', decimals: 2 },
];

const PARTS = ['write', 'smtp', 'query'] as const;
type Part = (typeof PARTS)[number];
const QUERY_BUDGET_MS = 200;
const ALL_HIGH = 'logLevelSmtp: HIGH, logLevelImapPop: HIGH, logLevelServer: HIGH, logLevelJunk: HIGH, logLevelJobs: HIGH';

/**
 * Issue 13's log figures: how fast records go into the files and the index; whether SMTP slows
 * down with every log at "high" (alternating runs at the default level and at high); and how
 * fast a filtered `logs` query answers over millions of records.
 */
export const logsBenchmark: Benchmark = {
  name: 'logs',
  description: 'log records/s into files and index; SMTP at default vs "high" logs; filtered `logs` queries over 10 M records',
  flags: [
    '--part P         run one part only: write, smtp or query (default: all three)',
    '--write-records N  records written for the write rate (default 100000; at most 200000, the index\'s queue)',
    '--runs N         SMTP runs per detail level, alternating default/high (default 3)',
    '--messages N     SMTP messages per run (default 5000); --sessions N (default 20)',
    '--records N      records in the query corpus (default 10000000)',
    '--repeat N       times each query runs (default 5)',
    '--keep           keep the corpus (reused by the next run with the same --records and --dir) and the temp dirs',
  ],
  async run(ctx: BenchContext): Promise<BenchResult> {
    const partFlag = ctx.flags.get('part');
    if (partFlag !== undefined && !PARTS.includes(partFlag as Part)) throw new Error(`--part takes one of ${PARTS.join(', ')}`);
    const parts = partFlag ? [partFlag as Part] : [...PARTS];
    const writeRecords = intFlag(ctx.flags, 'write-records', 100_000);
    if (writeRecords > 200_000) throw new Error('--write-records: at most 200000 (beyond, the engine leaves records out of the index)');
    const runs = intFlag(ctx.flags, 'runs', 3);
    const load: SmtpSourceLoad = {
      messages: intFlag(ctx.flags, 'messages', 5000),
      sessions: intFlag(ctx.flags, 'sessions', 20),
      size: 4096,
      from: 'bench@example.org',
      to: 'alice@example.test',
    };
    const records = intFlag(ctx.flags, 'records', 10_000_000);
    const repeat = intFlag(ctx.flags, 'repeat', 5);
    const keep = ctx.flags.has('keep');
    if (parts.includes('smtp') && !fs.existsSync(SMTP_SOURCE)) throw new Error(`${SMTP_SOURCE} is missing: apt-get install postfix`);

    const sides: SideResult[] = [];
    const notes: string[] = [];
    const fsType = fileSystemType(ctx.workDir);
    if (fsType === 'tmpfs') notes.push(`${ctx.workDir} is tmpfs: the figures say nothing about a disk (use --dir)`);
    if (parts.includes('write')) sides.push(await writeRate(ctx, writeRecords, notes));
    if (parts.includes('smtp')) sides.push(...(await smtpAtLevels(ctx, load, runs, keep, notes)));
    if (parts.includes('query')) sides.push(...(await queries(ctx, records, repeat, keep, notes)));
    notes.push('load: the 1-minute load average when each figure was taken (this machine is shared; above the CPU count, figures are low)');
    notes.push(`node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), ${Math.round(os.totalmem() / 2 ** 30)} GB RAM`);
    return {
      benchmark: 'logs',
      workload: {
        summary: `parts ${parts.join(', ')}: ${writeRecords} records written; SMTP ${load.messages} × 4 KB over ${load.sessions} sessions, ${runs} runs per level; ${records} records queried, each query ${repeat} times`,
        params: { parts: parts.join(','), writeRecords, smtpRuns: runs, smtpMessages: load.messages, sessions: load.sessions, records, repeat, fileSystem: fsType ?? 'unknown' },
      },
      columns: COLUMNS,
      sides,
      notes,
    };
  },
};

const load1 = (): number => os.loadavg()[0];

/**
 * The engine's own write path (LogHub: JSON line, file stream, batch to the index worker), all
 * detail levels at debug: time until the engine's thread has handed every record over, until
 * the files hold them, and until the index worker has committed them.
 */
async function writeRate(ctx: BenchContext, count: number, notes: string[]): Promise<SideResult> {
  const dir = makeWorkDir(ctx.workDir, 'pillarbox-bench-logwrite');
  const logs = path.join(dir, 'logs');
  const hub = new LogHub(logs);
  const cleanup = registerCleanup(async () => {
    await hub.close();
    removeDir(dir);
  });
  try {
    ctx.log(`write: ${count} records through the engine's LogHub into ${logs}`);
    const services = new Set<LogService>();
    const now = Date.now();
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    for (let i = 0; i < count; i++) {
      const entry = logRecord(i, now);
      hub.setLevel(entry.service, 'debug');
      services.add(entry.service);
      hub.write(entry);
      // Let the streams drain and the batches go, as between an engine's events.
      if (i % 5000 === 4999) await yieldToEvents();
    }
    const written = performance.now();
    for (const service of services) await hub.rotate(service, path.join(logs, `${service}.done`));
    const inFiles = performance.now();
    const stats = await (hub.search as NonNullable<LogHub['search']>).stats();
    const inIndex = performance.now();
    const cpu = process.cpuUsage(cpuBefore);
    const cpuUsPerRecord = (cpu.user + cpu.system) / count;
    if (stats.entries !== count || hub.search?.dropped) throw new Error(`the index holds ${stats.entries} of ${count} records (${hub.search?.dropped ?? 0} dropped)`);
    const bytes = [...services].reduce((sum, s) => sum + fs.statSync(path.join(logs, `${s}.done`)).size, 0);
    const rate = (until: number): number => count / ((until - started) / 1000);
    ctx.log(`write: ${rate(written).toFixed(0)} records/s handed over, ${rate(inFiles).toFixed(0)}/s in the files, ${rate(inIndex).toFixed(0)}/s in the index`);
    notes.push(`write: ${count} records of ${Math.round(bytes / count)} bytes on average; "rec/s written" is the engine thread's own cost, "files" until every line is in its file, "index" until the index worker has committed every record (the worker runs beside the engine's thread); "CPU µs/rec": the process's CPU time (both threads) per record, less swayed by other work on the machine`);
    return { system: 'log writes', ok: true, metrics: { recordsPerSecondWritten: rate(written), recordsPerSecondFiles: rate(inFiles), recordsPerSecondIndex: rate(inIndex), cpuUsPerRecord, loadAverage: load1() } };
  } catch (err) {
    return { system: 'log writes', ok: false, error: err instanceof Error ? err.message : String(err), metrics: {} };
  } finally {
    await cleanup();
  }
}

/** `bench smtp`'s Pillarbox side, alternating default / high detail so the machine's noise falls on both. */
async function smtpAtLevels(ctx: BenchContext, load: SmtpSourceLoad, runs: number, keep: boolean, notes: string[]): Promise<SideResult[]> {
  const levels = [
    { system: 'smtp, logs at default (medium)', settings: undefined },
    { system: 'smtp, every log at high', settings: ALL_HIGH },
  ];
  const rates = levels.map(() => [] as { rate: number; cpu: number; load: number }[]);
  for (let r = 1; r <= runs; r++) {
    for (const [k, level] of levels.entries()) {
      ctx.log(`--- ${level.system} (run ${r}/${runs}), load ${load1().toFixed(2)}`);
      try {
        // Auth checks off and the product's greeting wait, as `bench smtp` runs by default.
        const figures = await runPillarbox(ctx, load, { keep, authChecks: false, settings: level.settings });
        rates[k].push({ rate: figures.messagesPerSecond, cpu: figures.cpuMsPerMessage, load: load1() });
        ctx.log(`${level.system}: ${figures.messagesPerSecond.toFixed(1)} msgs/s, ${figures.cpuMsPerMessage.toFixed(2)} CPU ms/msg`);
      } catch (err) {
        return [{ system: level.system, ok: false, error: err instanceof Error ? err.message : String(err), metrics: {} }];
      }
    }
  }
  const median = (values: number[]): number => {
    const s = [...values].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  };
  const medians = rates.map((list) => median(list.map((x) => x.rate)));
  const cpuMedians = rates.map((list) => median(list.map((x) => x.cpu)));
  const pairRatios = rates[1].map((x, i) => x.rate / rates[0][i].rate);
  notes.push(`smtp: msgs/s of each run, in order (default, high): ${rates[0].map((x, i) => `${x.rate.toFixed(1)}/${rates[1][i].rate.toFixed(1)} (load ${x.load.toFixed(1)}/${rates[1][i].load.toFixed(1)})`).join(', ')}; ratio high/default per pair ${pairRatios.map((x) => x.toFixed(3)).join(', ')}, of the medians ${(medians[1] / medians[0]).toFixed(3)} (issue 13: at least 0.95)`);
  notes.push(`smtp: CPU ms per message of each run (default/high): ${rates[0].map((x, i) => `${x.cpu.toFixed(2)}/${rates[1][i].cpu.toFixed(2)}`).join(', ')}; the medians' ratio ${(cpuMedians[1] / cpuMedians[0]).toFixed(3)} (CPU time is less swayed by other work on the machine than msgs/s)`);
  return levels.map((level, k) => ({
    system: level.system,
    ok: true,
    metrics: { messagesPerSecond: medians[k], cpuMsPerMessage: cpuMedians[k], ratioToDefault: medians[k] / medians[0], loadAverage: median(rates[k].map((x) => x.load)) },
  }));
}

interface LogQueryCase {
  name: string;
  filter?: Record<string, unknown>;
  order?: 'NEWEST_FIRST' | 'OLDEST_FIRST';
  /**
   * Where the page starts: after the first page of this same query, or in the middle (after the
   * first page of this query with `until` the corpus's middle time, as a cursor given by the API).
   */
  after?: 'second page' | 'middle';
}

const LOGS_QUERY = `query ($filter: LogFilterInput, $order: LogOrder, $first: Int, $after: String) {
  logs(filter: $filter, order: $order, first: $first, after: $after) { nodes { time service severity text fields } pageInfo { hasNextPage endCursor } }
}`;
const PAGE = 50;

/** What an administrator looks for, about facts the corpus holds (log-records.ts). */
function queryCases(corpus: LogCorpus): LogQueryCase[] {
  const cycles = Math.floor(corpus.records / 10);
  const at = (fraction: number) => Math.floor(cycles * fraction);
  const iso = (ms: number) => new Date(ms).toISOString();
  const hour = corpus.first + Math.floor((corpus.last - corpus.first) * 0.6);
  return [
    { name: 'everything, newest first' },
    { name: 'SMTP, messages and errors', filter: { services: ['SMTP'], severity: 'MESSAGE' } },
    { name: 'SMTP, messages and errors, oldest first', filter: { services: ['SMTP'], severity: 'MESSAGE' }, order: 'OLDEST_FIRST' },
    { name: 'SMTP, messages and errors, 2nd page', filter: { services: ['SMTP'], severity: 'MESSAGE' }, after: 'second page' },
    { name: 'SMTP, messages and errors, from the middle', filter: { services: ['SMTP'], severity: 'MESSAGE' }, after: 'middle' },
    { name: 'SMTP errors', filter: { services: ['SMTP'], severity: 'ERROR' } },
    { name: 'POP errors (there are none)', filter: { services: ['POP'], severity: 'ERROR' } },
    { name: 'JOBS and AUDIT', filter: { services: ['JOBS', 'AUDIT'] } },
    { name: 'queue ID', filter: { queueId: queueIdOf(at(0.37)) } },
    { name: 'client IP', filter: { address: clientAddress(12_345) } },
    { name: 'local address', filter: { address: localAddress(1234) } },
    { name: 'remote sender, oldest first', filter: { address: remoteAddress(4321) }, order: 'OLDEST_FIRST' },
    { name: 'user', filter: { user: localUser(777) } },
    { name: 'text "relay denied"', filter: { text: 'relay denied' } },
    { name: 'text "TLS hand" (prefix)', filter: { text: 'TLS hand' } },
    { name: 'text "login", POP only', filter: { text: 'login', services: ['POP'] } },
    { name: 'text "delivery deferred", 2nd page', filter: { text: 'delivery deferred' }, after: 'second page' },
    { name: 'one hour, SMTP', filter: { services: ['SMTP'], since: iso(hour), until: iso(hour + 3_600_000) } },
    { name: 'one hour, oldest first', filter: { since: iso(hour), until: iso(hour + 3_600_000) }, order: 'OLDEST_FIRST' },
    { name: 'one hour, text "junk mail"', filter: { text: 'junk mail', since: iso(hour), until: iso(hour + 3_600_000) } },
    { name: 'last day, errors', filter: { severity: 'ERROR', since: iso(corpus.last - 86_400_000) } },
  ];
}

/** The corpus (made or reused), an engine on it, and each query `repeat` times through GraphQL. */
async function queries(ctx: BenchContext, records: number, repeat: number, keep: boolean, notes: string[]): Promise<SideResult[]> {
  const dataDir = path.join(ctx.workDir, `pillarbox-bench-logs-${records}`);
  let engine: PillarboxEngine | undefined;
  let index: LogIndex | undefined;
  const cleanup = registerCleanup(async () => {
    index?.close();
    const warning = await engine?.stop();
    if (warning) ctx.log(`warning: ${warning}`);
    if (keep) ctx.log(`kept ${dataDir} (the next run with --records ${records} reuses it)`);
    else removeDir(dataDir);
  });
  try {
    ctx.log(`query: corpus of ${records.toLocaleString('en')} records in ${dataDir}`);
    const { corpus, reused } = await logCorpus(dataDir, records, ctx.log);
    const made = `${(corpus.generationSeconds / 60).toFixed(1)} min (${Math.round(records / corpus.generationSeconds)} records/s)`;
    notes.push(`query: ${records.toLocaleString('en')} records over 30 days, index ${(corpus.indexBytes / 2 ** 30).toFixed(2)} GiB, files ${(corpus.fileBytes / 2 ** 30).toFixed(2)} GiB; ${reused ? `reused (making it took ${made})` : `made in ${made}`}`);
    engine = await PillarboxEngine.start(dataDir);
    const e = engine;
    await e.login();
    ctx.log(`engine up (pid ${e.pid}); ${repeat} runs of each query`);
    // The same queries on the index itself, in this process (a second reader beside the engine's worker).
    index = LogIndex.open(path.join(dataDir, 'logs', 'index.db'));
    const sides: SideResult[] = [];
    const misses: string[] = [];
    for (const c of queryCases(corpus)) {
      const variables = { filter: c.filter ?? null, order: c.order ?? 'NEWEST_FIRST', first: PAGE, after: null as string | null };
      if (c.after) {
        const middle = new Date((corpus.first + corpus.last) / 2).toISOString();
        const lead = c.after === 'middle' ? { ...variables, filter: { ...c.filter, until: middle } } : variables;
        const page = await e.graphql<{ logs: { pageInfo: { endCursor: string | null } } }>(LOGS_QUERY, lead);
        variables.after = page.logs.pageInfo.endCursor;
      }
      const times: number[] = [];
      let rows = 0;
      for (let r = 0; r < repeat; r++) {
        const started = performance.now();
        const data = await e.graphql<{ logs: { nodes: unknown[] } }>(LOGS_QUERY, variables);
        times.push(performance.now() - started);
        rows = data.logs.nodes.length;
      }
      const own = indexOnly(index, variables, repeat);
      times.sort((a, b) => a - b);
      const metrics = { medianMs: times[Math.floor((times.length - 1) / 2)], worstMs: times[times.length - 1], indexMedianMs: own.medianMs, indexCpuMs: own.cpuMs, rows, loadAverage: load1() };
      ctx.log(`${c.name}: median ${metrics.medianMs.toFixed(1)} ms, worst ${metrics.worstMs.toFixed(1)} ms, ${rows} rows; the index alone ${own.medianMs.toFixed(1)} ms, ${own.cpuMs.toFixed(1)} ms CPU`);
      if (metrics.worstMs > QUERY_BUDGET_MS) misses.push(c.name);
      sides.push({ system: `query: ${c.name}`, ok: true, metrics });
    }
    notes.push(`query: pages of ${PAGE} through GraphQL over HTTP (the whole round trip), each ${repeat} times, the first one included in "worst"; "index ms" and "index CPU ms" are the medians of the same query run ${repeat} times on the index alone in the bench's process (wall and CPU time: on a busy machine the CPU time is what an idle one would take)`);
    notes.push(misses.length ? `query: OVER ${QUERY_BUDGET_MS} ms at worst: ${misses.join('; ')}` : `query: every query under ${QUERY_BUDGET_MS} ms, worst run included`);
    return sides;
  } catch (err) {
    return [{ system: 'query', ok: false, error: err instanceof Error ? err.message : String(err), metrics: {} }];
  } finally {
    await cleanup();
  }
}

/** The query on the index alone: median wall and CPU milliseconds over `repeat` runs. */
function indexOnly(index: LogIndex | undefined, variables: { filter: Record<string, unknown> | null; order: string; first: number; after: string | null }, repeat: number): { medianMs: number; cpuMs: number } {
  if (!index) throw new Error('the index is not open');
  const f = variables.filter ?? {};
  const q: LogQuery = {
    services: (f.services as string[] | undefined)?.map((s) => s.toLowerCase() as LogService),
    severity: (f.severity as string | undefined)?.toLowerCase() as Severity | undefined,
    since: f.since ? new Date(f.since as string) : undefined,
    until: f.until ? new Date(f.until as string) : undefined,
    queueId: f.queueId as string | undefined,
    address: f.address as string | undefined,
    user: f.user as string | undefined,
    text: f.text as string | undefined,
    newestFirst: variables.order !== 'OLDEST_FIRST',
    // The API's cursor is "k:<entry id>" in base64url (graphql/pagination.ts).
    after: variables.after ? Number(Buffer.from(variables.after, 'base64url').toString('utf8').slice(2)) : undefined,
    limit: variables.first,
  };
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < repeat; r++) {
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    index.query(q);
    wall.push(performance.now() - started);
    const used = process.cpuUsage(cpuBefore);
    cpu.push((used.user + used.system) / 1000);
  }
  const median = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor((v.length - 1) / 2)];
  return { medianMs: median(wall), cpuMs: median(cpu) };
}
