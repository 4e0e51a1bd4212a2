import fs from 'node:fs';
import type { Benchmark, BenchContext, BenchResult, Column, SideResult } from './types';
import { hashPassword } from '../server/directory/passwords';
import { intFlag } from './lib/args';
import { consoleOperations } from './lib/console-operations';
import { DashboardLoad, type DashboardQuery, summarise } from './lib/dashboard';
import { logCorpus } from './lib/log-corpus';
import type { PillarboxEngine } from './lib/pillarbox-engine';
import { SMTP_SOURCE } from './lib/smtp-source';
import type { DeliveryFigures } from './lib/timed-delivery';
import { fileSystemType } from './lib/workdir';
import { runPillarbox, smtpLoad } from './smtp';
import { alternate, medianRun } from './lib/alternating-runs';

const DASHBOARD_USER = 'dashboard';
const DASHBOARD_PASSWORD = 'dashboard-password-1';

/**
 * What the console's panes ask, as it asks it (operation text read from its source): the
 * overview (service status, listeners, connection and message counts, queue counts, disk,
 * alerts, certificates, jobs), the queue pane's counts, the first page of the log pane and of
 * the accounts pane (usage and quota), and the connection list.
 */
const QUERIES: { name: string; variables: Record<string, unknown> }[] = [
  { name: 'ConsoleOverview', variables: {} },
  { name: 'ConsoleQueueSwitches', variables: {} },
  { name: 'ConsoleLogs', variables: { first: 200, after: null, filter: { severity: 'DEBUG' } } },
  { name: 'ConsoleAccountUsage', variables: { first: 100, after: null, order: 'NAME', reverse: false, search: null } },
  { name: 'ConsoleConnections', variables: { protocol: null } },
];

const COLUMNS: Column[] = [
  { key: 'messagesPerSecond', label: 'msgs/s stored', decimals: 1 },
  { key: 'cpuMsPerMessage', label: 'CPU ms/msg', decimals: 2 },
  { key: 'peakRssMb', label: 'peak RSS MiB', decimals: 1 },
  { key: 'queriesPerSecond', label: 'queries/s', decimals: 1 },
  { key: 'count', label: 'answers', decimals: 0 },
  { key: 'p50Ms', label: 'p50 ms', decimals: 1 },
  { key: 'p95Ms', label: 'p95 ms', decimals: 1 },
  { key: 'p99Ms', label: 'p99 ms', decimals: 1 },
  { key: 'maxMs', label: 'max ms', decimals: 1 },
  { key: 'errors', label: 'errors', decimals: 0 },
];

/**
 * The management API under mail load: `bench smtp`'s load against one engine holding 1,000
 * users and a log of 100,000 records, once alone and once while a dashboard sends the console's
 * queries 50 times a second. Reports the dashboard's latency per query and overall, and the
 * SMTP rate with and without it.
 */
export const graphqlBenchmark: Benchmark = {
  name: 'graphql',
  description: 'the console\u2019s dashboard queries at 50/s during bench smtp\u2019s load: latency, and the SMTP rate with and without them',
  flags: [
    '--rate N         dashboard queries a second (default 50)',
    '--users N        mail users besides alice (default 1000)',
    '--log-records N  log records in the engine\u2019s log before it starts (default 100000)',
    '--messages N     SMTP messages per run (default 5000)',
    '--sessions N     parallel SMTP sessions (default 20)',
    '--size BYTES     message body size (default 4096)',
    '--runs N         alternate "smtp alone" and "smtp + dashboard" N times; SMTP figures from each side\u2019s median run, latencies over all runs (default 1)',
    '--keep           keep the data directories',
  ],
  async run(ctx: BenchContext): Promise<BenchResult> {
    if (!fs.existsSync(SMTP_SOURCE)) throw new Error(`${SMTP_SOURCE} is missing: apt-get install postfix`);
    const load = smtpLoad(ctx);
    const rate = intFlag(ctx.flags, 'rate', 50);
    const users = intFlag(ctx.flags, 'users', 1000);
    const logRecords = intFlag(ctx.flags, 'log-records', 100_000);
    const runs = intFlag(ctx.flags, 'runs', 1);
    const keep = ctx.flags.has('keep');
    const texts = consoleOperations(QUERIES.map((q) => q.name));
    const queries: DashboardQuery[] = QUERIES.map((q) => ({ ...q, query: texts.get(q.name) as string }));
    const passwordHash = await hashPassword('bench-user-password-1');

    const dashboards: DashboardLoad[] = [];
    const options = (withDashboard: boolean) => ({
      keep,
      authChecks: false,
      prepareDir: async (dir: string) => {
        await logCorpus(dir, logRecords, ctx.log);
      },
      prepare: async (e: PillarboxEngine) => {
        await seed(ctx, e, users, passwordHash);
        const token = await dashboardToken(e);
        // Each query once before the clock, so the first timed answer does not pay for warm-up.
        const warm = new DashboardLoad(`http://127.0.0.1:${e.ports.http}/graphql`, token, queries, 1000);
        for (const q of queries) await warm.sendOne(q);
        if (warm.errors) throw new Error(`the dashboard's queries fail: ${warm.firstError}`);
        if (withDashboard) dashboards.push(new DashboardLoad(`http://127.0.0.1:${e.ports.http}/graphql`, token, queries, rate));
      },
      during: withDashboard
        ? () => {
            const d = dashboards[dashboards.length - 1];
            d.start();
            return () => d.stop();
          }
        : undefined,
    });
    const plan: [string, () => Promise<DeliveryFigures>][] = [
      ['smtp alone', () => runPillarbox(ctx, load, options(false))],
      ['smtp + dashboard', () => runPillarbox(ctx, load, options(true))],
    ];
    const outcomes = await alternate(ctx, plan, runs, 'stored', (system) => {
      const d = dashboards[dashboards.length - 1];
      if (system === 'smtp + dashboard' && d) ctx.log(`dashboard: ${d.answeredPerSecond.toFixed(1)} answers/s, overall p99 ${summarise(all(d)).p99Ms.toFixed(1)} ms, ${d.errors} errors`);
    });
    const [alone, loaded] = plan.map(([system]) => medianRun(outcomes.get(system) as SideResult[]));
    const sides: SideResult[] = [alone, loaded];
    const notes: string[] = [];
    if (dashboards.length) {
      const errors = dashboards.reduce((n, d) => n + d.errors, 0);
      const overall = summarise(dashboards.flatMap(all));
      loaded.metrics = { ...loaded.metrics, queriesPerSecond: median(dashboards.map((d) => d.answeredPerSecond)), ...overall, errors };
      for (const q of queries) {
        sides.push({ system: `  ${q.name}`, ok: true, metrics: summarise(dashboards.flatMap((d) => d.latencies().get(q.name) ?? [])) });
      }
      const firstError = dashboards.find((d) => d.firstError)?.firstError;
      if (firstError) notes.push(`first dashboard error: ${firstError}`);
    }
    if (alone.ok && loaded.ok) {
      const drop = 1 - (loaded.metrics.messagesPerSecond ?? 0) / (alone.metrics.messagesPerSecond ?? 1);
      notes.push(`SMTP rate with the dashboard: ${(drop * 100).toFixed(1)} % lower than alone (target: under 10 %); dashboard p99 target: under 50 ms`);
    }
    for (const [system] of plan) {
      const rates = (outcomes.get(system) as SideResult[]).map((o) => (o.ok ? (o.metrics.messagesPerSecond ?? 0).toFixed(1) : 'failed'));
      if (runs > 1) notes.push(`${system}: ${rates.join(', ')} msgs/s (runs in order)`);
    }
    notes.push(
      `dashboard: ${queries.map((q) => q.name).join(', ')} in turn, ${rate}/s, open loop, as the MONITOR account "${DASHBOARD_USER}"; latencies over all runs`,
      `data: ${users} users besides alice (importUsers), ${logRecords.toLocaleString('en')} log records over 30 days; Pillarbox's SPF/DKIM/DMARC checks off as in bench smtp`,
    );
    const fsType = fileSystemType(ctx.workDir);
    if (fsType === 'tmpfs') notes.push(`${ctx.workDir} is tmpfs: fsync costs nothing there (use --dir)`);
    return {
      benchmark: 'graphql',
      workload: {
        summary: `${load.messages} messages of ${load.size} bytes over ${load.sessions} SMTP sessions, alone and with ${rate} dashboard queries a second`,
        params: { messages: load.messages, sizeBytes: load.size, sessions: load.sessions, rate, users, logRecords, runs, fileSystem: fsType ?? 'unknown' },
      },
      columns: COLUMNS,
      sides,
      notes,
    };
  },
};

/** `users` mail users in one importUsers (a hash given, so the import does not run scrypt 1,000 times), and the dashboard's account. */
async function seed(ctx: BenchContext, e: PillarboxEngine, users: number, passwordHash: string): Promise<void> {
  const lines = ['address,name,passwordHash,quotaMb'];
  for (let i = 1; i <= users; i++) lines.push(`user${String(i).padStart(5, '0')}@example.test,Bench User ${i},"${passwordHash}",${(i % 4) * 500}`);
  const report = await e.graphql<{ importUsers: { applied: boolean; errors: { line: number; message: string }[] } }>(
    'mutation ($input: ImportDirectoryInput!) { importUsers(input: $input) { applied errors { line message } } }',
    { input: { text: lines.join('\n') } },
  );
  if (!report.importUsers.applied) throw new Error(`importUsers: ${report.importUsers.errors.slice(0, 3).map((x) => `line ${x.line}: ${x.message}`).join('; ')}`);
  await e.graphql('mutation ($input: CreateAdminInput!) { createAdmin(input: $input) { username } }', {
    input: { username: DASHBOARD_USER, password: DASHBOARD_PASSWORD, role: 'MONITOR' },
  });
  ctx.log(`seeded ${users} users and the MONITOR account "${DASHBOARD_USER}"`);
}

async function dashboardToken(e: PillarboxEngine): Promise<string> {
  const data = await e.graphql<{ login: { token: string } }>('mutation ($u: String!, $p: String!) { login(username: $u, password: $p) { token } }', {
    u: DASHBOARD_USER,
    p: DASHBOARD_PASSWORD,
  });
  return data.login.token;
}

function all(d: DashboardLoad): number[] {
  return [...d.latencies().values()].flat();
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? NaN;
}
