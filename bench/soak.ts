import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fork, type ChildProcess } from 'node:child_process';
import { LISTENERS } from '../server/config/bootstrap';
import { intFlag, parseFlags } from './lib/args';
import { type AttackService, type Ports, attack, connectionCounts, dashboard, graphql, imapSession, pop3Session, smtpIn, smtpOut } from './soak/clients';
import { CountingSink } from './soak/sink';
import type { EngineSample } from './soak/engine-child';

/**
 * `npm run soak -- [--minutes N]`: hours of mixed, bounded load against one engine, and
 * whether it comes back to where it started once the load stops (issue 17, "Soak").
 *
 * An engine in its own process (forked, with --expose-gc so the soak can ask for a full
 * collection before it compares heaps), an SMTP sink as the next hop, and from loopback:
 * SMTP in to local users, submissions out to the sink, IMAPS sessions (SELECT, FETCH,
 * IDLE), POP3S sessions, GraphQL dashboard queries, and an attacker on 127.0.0.2 guessing
 * passwords on IMAP, POP3, submission and GraphQL. Every few seconds a CSV row: the
 * engine's RSS, heap, open file descriptors, connections, and the load's counters. After
 * the load, a pause, a full GC, and the verdict: file descriptors, connections, activity
 * slots, heap and RSS back near the baseline taken before the load. Exit code 0 = pass.
 */

const ADMIN_PASSWORD = 'soak-admin-password-1';
const USERS = ['soak1', 'soak2', 'soak3', 'soak4'];
const PASSWORD = 'soak-user-password-1';

interface Options {
  minutes: number;
  sampleSeconds: number;
  settleSeconds: number;
  csv: string;
  dir: string;
  keep: boolean;
  attach?: string;
  pid?: number;
  adminPassword: string;
}

function usage(): string {
  return [
    'usage: npm run soak -- [--minutes N] [--sample-seconds S] [--settle-seconds S] [--csv FILE] [--dir DIR] [--keep]',
    '  --minutes N         load duration (default 240: four hours)',
    '  --sample-seconds S  one CSV row every S seconds (default 10)',
    '  --settle-seconds S  pause after the load before the final comparison (default 120)',
    '  --csv FILE          where the samples go (default soak-<time>.csv in the current directory)',
    '  --dir DIR           where the engine\'s data directory goes (default: the OS temp dir)',
    '  --keep              keep the data directory afterwards',
    '  --attach DATA_DIR --pid PID',
    '                      soak an engine that is already running (ports from DATA_DIR/run/ports.json; the admin',
    '                      password in PILLARBOX_ADMIN_PASSWORD): it gets users soak1..soak4 (left in place) and',
    '                      its relayHost points at the soak\'s sink during the run (put back afterwards); its heap',
    '                      cannot be seen, so only RSS, descriptors and connections are judged',
  ].join('\n');
}

class Counters {
  readonly ok = new Map<string, number>();
  readonly failed = new Map<string, number>();
  readonly lastError = new Map<string, string>();
  readonly answers = new Map<string, number>();

  success(kind: string): void {
    this.ok.set(kind, (this.ok.get(kind) ?? 0) + 1);
  }

  failure(kind: string, err: unknown): void {
    this.failed.set(kind, (this.failed.get(kind) ?? 0) + 1);
    this.lastError.set(kind, err instanceof Error ? err.message : String(err));
  }

  answer(text: string): void {
    this.answers.set(text, (this.answers.get(text) ?? 0) + 1);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs `task` every `everyMs` (waiting for the previous run first) until `running()` says no. */
async function loop(kind: string, counters: Counters, everyMs: number, running: () => boolean, task: (seq: number) => Promise<void>): Promise<void> {
  let seq = 0;
  while (running()) {
    const started = Date.now();
    try {
      await task(seq++);
      counters.success(kind);
    } catch (err) {
      counters.failure(kind, err);
    }
    const rest = everyMs - (Date.now() - started);
    // In steps, so the end of the load is not held up by a long pause.
    for (let waited = 0; waited < rest && running(); waited += 250) await sleep(Math.min(250, rest - waited));
  }
}

/** The engine under soak: one this script started, or one already running (--attach). */
interface SoakTarget {
  readonly ports: Record<string, number>;
  readonly pid: number;
  /** False for an attached engine: its heap and activity slots cannot be seen from outside. */
  readonly insight: boolean;
  sample(gc?: boolean): Promise<EngineSample>;
  openFds(): number;
  /** Stops an engine the soak started (its exit code); leaves an attached one running (undefined). */
  stop(): Promise<number | null | undefined>;
}

function openFdsOf(pid: number): number {
  try {
    return fs.readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return -1;
  }
}

/** An engine started by someone else: RSS and descriptors from /proc, connections from GraphQL. */
class AttachedEngine implements SoakTarget {
  readonly insight = false;
  token?: string;

  constructor(
    readonly ports: Record<string, number>,
    readonly pid: number,
  ) {}

  async sample(): Promise<EngineSample> {
    const status = fs.readFileSync(`/proc/${this.pid}/status`, 'utf8');
    const rss = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? NaN) * 1024;
    const connections = this.token ? await connectionCounts(this.ports as unknown as Ports, this.token).catch(() => NaN) : NaN;
    return { type: 'sample', rss, heapUsed: NaN, heapTotal: NaN, external: NaN, arrayBuffers: NaN, connections, activities: NaN, stalls: NaN, engineStalls: NaN, longestStallMs: NaN, longestEngineStallCpuMs: NaN };
  }

  openFds(): number {
    return openFdsOf(this.pid);
  }

  async stop(): Promise<undefined> {
    return undefined;
  }
}

class EngineProcess implements SoakTarget {
  readonly insight = true;
  private pending?: (s: EngineSample) => void;

  private constructor(
    readonly child: ChildProcess,
    readonly ports: Record<string, number>,
  ) {
    child.on('message', (m: { type?: string }) => {
      if (m.type === 'sample' && this.pending) {
        const p = this.pending;
        this.pending = undefined;
        p(m as EngineSample);
      }
    });
  }

  static async start(dataDir: string): Promise<EngineProcess> {
    const env: NodeJS.ProcessEnv = { ...process.env, PILLARBOX_DATA_DIR: dataDir, PILLARBOX_HOSTNAME: 'mail.example.test', PILLARBOX_ADMIN_PASSWORD: ADMIN_PASSWORD };
    for (const l of LISTENERS) env[`PILLARBOX_${l.toUpperCase()}_PORT`] = '0';
    const out = fs.openSync(path.join(dataDir, 'engine-output.log'), 'a');
    const child = fork(path.join(__dirname, 'soak', 'engine-child.js'), [], { env, execArgv: ['--expose-gc'], stdio: ['ignore', out, out, 'ipc'] });
    fs.closeSync(out);
    const ports = await new Promise<Record<string, number>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the engine did not start within 60 s')), 60_000);
      child.once('exit', (code) => reject(new Error(`the engine exited at start (code ${code})`)));
      child.on('message', (m: { type?: string; ports?: Record<string, number> }) => {
        if (m.type === 'ready' && m.ports) {
          clearTimeout(timer);
          resolve(m.ports);
        }
      });
    });
    return new EngineProcess(child, ports);
  }

  get pid(): number {
    return this.child.pid as number;
  }

  /** The engine's own view of itself; `gc` runs a full collection first. */
  sample(gc = false): Promise<EngineSample> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the engine did not answer a sample request within 30 s')), 30_000);
      this.pending = (s) => {
        clearTimeout(timer);
        resolve(s);
      };
      this.child.send({ type: gc ? 'gc' : 'sample' });
    });
  }

  openFds(): number {
    return openFdsOf(this.pid);
  }

  /** SIGTERM; the exit code (null after a SIGKILL 20 s later). */
  async stop(): Promise<number | null> {
    if (this.child.exitCode !== null) return this.child.exitCode;
    const exited = new Promise<number | null>((resolve) => this.child.once('exit', (code) => resolve(code)));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 20_000);
    const code = await exited;
    clearTimeout(timer);
    return code;
  }
}

interface Row {
  t: number;
  phase: string;
  rssMb: number;
  heapUsedMb: number;
  heapTotalMb: number;
  externalMb: number;
  fds: number;
  connections: number;
  graphqlConnections: number;
  activities: number;
  stalls: number;
  engineStalls: number;
  longestStallMs: number;
  smtpIn: number;
  smtpOut: number;
  sinkReceived: number;
  imap: number;
  pop3: number;
  graphql: number;
  attacks: number;
  failures: number;
}

const MB = 1024 * 1024;

function toRow(t: number, phase: string, s: EngineSample, fds: number, graphqlConnections: number, counters: Counters, sink: CountingSink): Row {
  const ok = (k: string) => counters.ok.get(k) ?? 0;
  let failures = 0;
  for (const [k, n] of counters.failed) if (k !== 'attack') failures += n;
  return {
    t,
    phase,
    rssMb: s.rss / MB,
    heapUsedMb: s.heapUsed / MB,
    heapTotalMb: s.heapTotal / MB,
    externalMb: s.external / MB,
    fds,
    connections: s.connections,
    graphqlConnections,
    activities: s.activities,
    stalls: s.stalls,
    engineStalls: s.engineStalls,
    longestStallMs: s.longestStallMs,
    smtpIn: ok('smtp-in'),
    smtpOut: ok('smtp-out'),
    sinkReceived: sink.received,
    imap: ok('imap'),
    pop3: ok('pop3'),
    graphql: ok('graphql'),
    attacks: ok('attack') + (counters.failed.get('attack') ?? 0),
    failures,
  };
}

const COLUMNS: (keyof Row)[] = ['t', 'phase', 'rssMb', 'heapUsedMb', 'heapTotalMb', 'externalMb', 'fds', 'connections', 'graphqlConnections', 'activities', 'stalls', 'engineStalls', 'longestStallMs', 'smtpIn', 'smtpOut', 'sinkReceived', 'imap', 'pop3', 'graphql', 'attacks', 'failures'];

function csvLine(r: Row): string {
  return COLUMNS.map((c) => (typeof r[c] === 'number' ? Number((r[c] as number).toFixed(2)) : r[c])).join(',') + '\n';
}

/** Least-squares slope of y over x. */
function slope(points: [number, number][]): number {
  if (points.length < 2) return 0;
  const n = points.length;
  const mx = points.reduce((a, p) => a + p[0], 0) / n;
  const my = points.reduce((a, p) => a + p[1], 0) / n;
  const num = points.reduce((a, p) => a + (p[0] - mx) * (p[1] - my), 0);
  const den = points.reduce((a, p) => a + (p[0] - mx) ** 2, 0);
  return den === 0 ? 0 : num / den;
}

async function main(): Promise<void> {
  let flags: Map<string, string | true>;
  try {
    flags = parseFlags(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${usage()}\n`);
    process.exitCode = 2;
    return;
  }
  if (flags.has('help')) {
    process.stdout.write(usage() + '\n');
    return;
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const opts: Options = {
    minutes: intFlag(flags, 'minutes', 240),
    sampleSeconds: intFlag(flags, 'sample-seconds', 10),
    settleSeconds: intFlag(flags, 'settle-seconds', 120),
    csv: typeof flags.get('csv') === 'string' ? path.resolve(flags.get('csv') as string) : path.resolve(`soak-${stamp}.csv`),
    dir: typeof flags.get('dir') === 'string' ? path.resolve(flags.get('dir') as string) : os.tmpdir(),
    keep: flags.get('keep') === true,
    attach: typeof flags.get('attach') === 'string' ? path.resolve(flags.get('attach') as string) : undefined,
    pid: flags.has('pid') ? intFlag(flags, 'pid', 0) : undefined,
    adminPassword: process.env.PILLARBOX_ADMIN_PASSWORD ?? ADMIN_PASSWORD,
  };
  if (opts.attach && !opts.pid) {
    process.stderr.write(`--attach needs --pid\n${usage()}\n`);
    process.exitCode = 2;
    return;
  }
  const log = (m: string) => process.stderr.write(`[soak ${new Date().toISOString().slice(11, 19)}] ${m}\n`);
  const dataDir = opts.attach ?? fs.mkdtempSync(path.join(opts.dir, 'pillarbox-soak-'));
  const sink = new CountingSink();
  const sinkPort = await sink.start();
  log(`engine data in ${dataDir}; sink on 127.0.0.1:${sinkPort}; samples to ${opts.csv}`);
  const engine: SoakTarget = opts.attach
    ? new AttachedEngine(JSON.parse(fs.readFileSync(path.join(opts.attach, 'run', 'ports.json'), 'utf8')) as Record<string, number>, opts.pid as number)
    : await EngineProcess.start(dataDir);
  const ports = engine.ports as unknown as Ports;
  const counters = new Counters();
  let exitCode = 1;
  let token = '';
  let relayHostBefore: string | undefined;
  try {
    // Set-up through the public API, as an administrator would.
    const { login } = await graphql<{ login: { token: string } }>(ports.http, 'mutation ($u: String!, $p: String!) { login(username: $u, password: $p) { token } }', { u: 'admin', p: opts.adminPassword });
    token = login.token;
    if (engine instanceof AttachedEngine) {
      engine.token = token;
      relayHostBefore = (await graphql<{ settings: { relayHost: string } }>(ports.http, '{ settings { relayHost } }', {}, token)).settings.relayHost;
    }
    await graphql(ports.http, 'mutation ($input: UpdateSettingsInput!) { updateSettings(input: $input) { relayHost } }', { input: { relayHost: `[127.0.0.1]:${sinkPort}` } }, token);
    for (const u of USERS) {
      // An attached engine may have them from an earlier soak: the password is set again.
      const existing = (await graphql<{ user: { id: string } | null }>(ports.http, 'query ($n: String!) { user(shortName: $n) { id } }', { n: u }, token)).user;
      if (existing) await graphql(ports.http, 'mutation ($input: SetUserPasswordInput!) { setUserPassword(input: $input) { id } }', { input: { id: existing.id, password: PASSWORD } }, token);
      else await graphql(ports.http, 'mutation ($input: CreateUserInput!) { createUser(input: $input) { id } }', { input: { shortName: u, password: PASSWORD, fullName: `Soak ${u}` } }, token);
    }

    const csv = fs.openSync(opts.csv, 'w');
    fs.writeSync(csv, COLUMNS.join(',') + '\n');
    const t0 = Date.now();
    const rows: Row[] = [];
    const record = async (phase: string, gc = false): Promise<Row> => {
      const s = await engine.sample(gc);
      let gqlConns = -1;
      try {
        gqlConns = await connectionCounts(ports, token);
      } catch {
        // counted as -1 in the CSV
      }
      const row = toRow((Date.now() - t0) / 1000, phase, s, engine.openFds(), gqlConns, counters, sink);
      rows.push(row);
      fs.writeSync(csv, csvLine(row));
      return row;
    };

    // Baseline: the idle engine with its users, after a full GC.
    await sleep(10_000);
    const baseline = await record('baseline', true);
    log(`baseline: RSS ${baseline.rssMb.toFixed(1)} MB, heap ${baseline.heapUsedMb.toFixed(1)} MB, ${baseline.fds} fds, ${baseline.connections} connections`);

    let loading = true;
    const running = () => loading;
    const attackServices: AttackService[] = ['imap', 'pop3', 'submission', 'graphql'];
    const loops = [
      loop('smtp-in', counters, 2_000, running, (i) => smtpIn(ports, USERS[i % USERS.length], i)),
      loop('smtp-out', counters, 5_000, running, (i) => smtpOut(ports, USERS[i % 2], PASSWORD, i)),
      loop('imap', counters, 2_000, running, () => imapSession(ports, 'soak1', PASSWORD, 15_000)),
      loop('imap', counters, 3_000, running, () => imapSession(ports, 'soak2', PASSWORD, 8_000)),
      loop('pop3', counters, 10_000, running, () => pop3Session(ports, 'soak3', PASSWORD)),
      loop('graphql', counters, 5_000, running, () => dashboard(ports, token)),
      // One guessing loop per service, each a guess every 2 s at most (the engine's throttle slows them further).
      ...attackServices.map((service) =>
        loop('attack', counters, 2_000, running, async (i) => {
          try {
            counters.answer(`${service}: ${await attack(ports, service, USERS[i % 3], i)}`);
          } catch (err) {
            counters.answer(`${service}: ${err instanceof Error ? err.message : String(err)}`);
          }
        }),
      ),
    ];
    const loadEnds = Date.now() + opts.minutes * 60_000;
    const gcProbes: [number, number][] = [];
    let lastProbe = Date.now();
    while (Date.now() < loadEnds) {
      await sleep(Math.min(opts.sampleSeconds * 1000, Math.max(0, loadEnds - Date.now())));
      // Every 5 minutes a full GC first: the heap that survives is what a leak would grow.
      const probe = Date.now() - lastProbe >= 5 * 60_000;
      const row = await record(probe ? 'load-gc' : 'load', probe);
      if (probe) {
        lastProbe = Date.now();
        gcProbes.push([row.t / 3600, row.heapUsedMb]);
      }
      if (rows.length % 6 === 0) log(`t=${Math.round(row.t)} s RSS ${row.rssMb.toFixed(1)} MB heap ${row.heapUsedMb.toFixed(1)} MB fds ${row.fds} conns ${row.connections} in ${row.smtpIn} out ${row.smtpOut}/${row.sinkReceived} imap ${row.imap} pop ${row.pop3} gql ${row.graphql} attacks ${row.attacks} failures ${row.failures}`);
    }
    loading = false;
    log('load stopped; waiting for the clients to finish');
    await Promise.all(loops);
    const peak = rows.reduce((m, r) => (r.rssMb > m.rssMb ? r : m), rows[0]);
    const settleEnds = Date.now() + opts.settleSeconds * 1000;
    while (Date.now() < settleEnds) {
      await sleep(Math.min(opts.sampleSeconds * 1000, Math.max(0, settleEnds - Date.now())));
      await record('settle');
    }
    const final = await record('final', true);
    fs.closeSync(csv);

    // The verdict.
    const checks: { name: string; ok: boolean; detail: string }[] = [];
    const check = (name: string, ok: boolean, detail: string) => checks.push({ name, ok, detail });
    const heapAllowance = Math.max(24, baseline.heapUsedMb * 0.5);
    const rssAllowance = Math.max(96, baseline.rssMb * 0.75);
    check('file descriptors back to baseline', final.fds <= baseline.fds + 5, `${baseline.fds} → ${final.fds} (allowed +5)`);
    check('no connections left', final.connections <= baseline.connections, `${baseline.connections} → ${final.connections}`);
    if (engine.insight) {
      check('no activity slots left (watchdog tracker)', final.activities <= baseline.activities, `${baseline.activities} → ${final.activities}`);
      check('heap after a full GC near baseline', final.heapUsedMb <= baseline.heapUsedMb + heapAllowance, `${baseline.heapUsedMb.toFixed(1)} → ${final.heapUsedMb.toFixed(1)} MB (allowed +${heapAllowance.toFixed(0)} MB)`);
    }
    check('RSS near baseline', final.rssMb <= baseline.rssMb + rssAllowance, `${baseline.rssMb.toFixed(1)} → ${final.rssMb.toFixed(1)} MB, peak ${peak.rssMb.toFixed(1)} MB (allowed +${rssAllowance.toFixed(0)} MB)`);
    const heapSlope = slope(gcProbes);
    if (engine.insight && opts.minutes >= 60) check('heap after GC does not grow during the load', heapSlope <= 10, `${heapSlope.toFixed(1)} MB/h over ${gcProbes.length} probes (allowed 10 MB/h)`);
    let legitFailures = 0;
    let legitTotal = 0;
    for (const k of ['smtp-in', 'smtp-out', 'imap', 'pop3', 'graphql']) {
      const ok = counters.ok.get(k) ?? 0;
      const failed = counters.failed.get(k) ?? 0;
      legitFailures += failed;
      legitTotal += ok + failed;
      check(`${k} ran`, ok > 0, `${ok} ok, ${failed} failed${failed ? ` (last: ${counters.lastError.get(k)})` : ''}`);
    }
    check('legitimate clients kept working during the attack', legitFailures <= Math.max(1, legitTotal * 0.01), `${legitFailures} of ${legitTotal} failed (allowed 1 %)`);
    // The sink may still be receiving the last few when the load stops.
    const sent = counters.ok.get('smtp-out') ?? 0;
    check('outbound mail reached the sink', sink.received >= sent * 0.95, `${sink.received} received of ${sent} submitted`);
    if (relayHostBefore !== undefined) {
      await graphql(ports.http, 'mutation ($input: UpdateSettingsInput!) { updateSettings(input: $input) { relayHost } }', { input: { relayHost: relayHostBefore } }, token);
      relayHostBefore = undefined;
    }
    const code = await engine.stop();
    if (engine.insight) check('engine stops cleanly on SIGTERM', code === 0, `exit ${code}`);

    const attacks = [...counters.answers.entries()].sort((a, b) => b[1] - a[1]).slice(0, 10).map(([a, n]) => `${n}× ${a}`);
    const summary = {
      minutes: opts.minutes,
      samples: rows.length,
      csv: opts.csv,
      baseline: { rssMb: baseline.rssMb, heapUsedMb: baseline.heapUsedMb, fds: baseline.fds, connections: baseline.connections },
      peak: { rssMb: peak.rssMb, heapUsedMb: Math.max(...rows.map((r) => r.heapUsedMb)), fds: Math.max(...rows.map((r) => r.fds)), connections: Math.max(...rows.map((r) => r.connections)) },
      final: { rssMb: final.rssMb, heapUsedMb: final.heapUsedMb, fds: final.fds, connections: final.connections, activities: final.activities },
      heapSlopeMbPerHour: heapSlope,
      load: Object.fromEntries([...counters.ok.keys(), ...counters.failed.keys()].map((k) => [k, { ok: counters.ok.get(k) ?? 0, failed: counters.failed.get(k) ?? 0 }])),
      sinkReceived: sink.received,
      stalls: { all: final.stalls, engine: final.engineStalls, longestMs: final.longestStallMs },
      pass: checks.every((c) => c.ok),
    };
    const lines = [
      '',
      `Soak: ${opts.minutes} min of load, ${rows.length} samples in ${opts.csv}`,
      ...checks.map((c) => `  ${c.ok ? 'PASS' : 'FAIL'}  ${c.name}: ${c.detail}`),
      `  attacker answers (most frequent): ${attacks.join('; ')}`,
      ...(engine.insight ? [`  event-loop stalls over 100 ms: ${final.stalls} (${final.engineStalls} with an engine activity), longest ${final.longestStallMs} ms`] : []),
      `  verdict: ${summary.pass ? 'PASS' : 'FAIL'}`,
      '',
    ];
    process.stdout.write(lines.join('\n') + '\n' + JSON.stringify(summary) + '\n');
    exitCode = summary.pass ? 0 : 1;
  } finally {
    if (relayHostBefore !== undefined) {
      await graphql(ports.http, 'mutation ($input: UpdateSettingsInput!) { updateSettings(input: $input) { relayHost } }', { input: { relayHost: relayHostBefore } }, token).catch(() => undefined);
    }
    await engine.stop().catch(() => undefined);
    await sink.stop();
    if (!opts.keep && !opts.attach) fs.rmSync(dataDir, { recursive: true, force: true });
    process.exitCode = exitCode;
  }
}

main().catch((err) => {
  process.stderr.write(`soak: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 2;
});
