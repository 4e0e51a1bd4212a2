import fs from 'node:fs';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Benchmark, BenchContext, BenchResult } from './types';
import { intFlag } from './lib/args';
import { alternatingRuns, medianNote, RUNS_FLAG } from './lib/alternating-runs';
import { registerCleanup } from './lib/cleanup';
import { DovecotInstance } from './lib/dovecot-instance';
import { freePort } from './lib/free-port';
import { PillarboxEngine } from './lib/pillarbox-engine';
import { PostfixInstance } from './lib/postfix-instance';
import { smtpSourceArgs, SMTP_SOURCE, type SmtpSourceLoad } from './lib/smtp-source';
import { deliverProbe, deliveryColumns, timedDelivery, type DeliveryFigures } from './lib/timed-delivery';
import { countFiles, fileSystemType, makeWorkDir, removeDir } from './lib/workdir';

const run = promisify(execFile);

const COLUMNS = deliveryColumns('stored');

/**
 * Inbound SMTP to a local mailbox: smtp-source sends N messages of S bytes over C parallel
 * sessions, timed until all are stored. Pillarbox (`pillarbox start`) against Postfix
 * handing over to Dovecot by LMTP, both with their default fsync durability.
 */
export const smtpBenchmark: Benchmark = {
  name: 'smtp',
  description: 'inbound SMTP, 5,000 × 4 KB over 20 sessions until stored: Pillarbox vs Postfix → LMTP → Dovecot',
  flags: [
    '--messages N     messages to send (default 5000)',
    '--sessions N     parallel SMTP sessions (default 20)',
    '--size BYTES     message body size (default 4096)',
    RUNS_FLAG,
    '--only SIDE      run one side only: pillarbox or peer',
    '--keep           keep the temporary data directories (paths are printed)',
    '--auth-checks    leave Pillarbox\'s SPF/DKIM/DMARC checks on (Postfix runs none; needs working DNS)',
    '--greeting-wait MS  Pillarbox\'s smtpEarlyTalkerWaitMs (default: the product default, 100 ms until a client has passed; Postfix\'s smtpd greets at once, so 0 compares like with like)',
  ],
  async run(ctx: BenchContext): Promise<BenchResult> {
    const load = smtpLoad(ctx);
    const only = ctx.flags.get('only');
    if (only !== undefined && only !== 'pillarbox' && only !== 'peer') throw new Error('--only takes "pillarbox" or "peer"');
    if (!fs.existsSync(SMTP_SOURCE)) throw new Error(`${SMTP_SOURCE} is missing: apt-get install postfix`);
    const keep = ctx.flags.has('keep');
    const authChecks = ctx.flags.has('auth-checks');
    const greetingWait = greetingWaitFlag(ctx.flags.get('greeting-wait'));
    const notes: string[] = [`load: smtp-source ${smtpSourceArgs(load, 0).join(' ').replace(':0', ':PORT')}`];
    const fsType = fileSystemType(ctx.workDir);
    if (!authChecks) notes.push('Pillarbox\'s SPF/DKIM/DMARC checks of inbound mail are off, as Postfix here has none (--auth-checks keeps them)');
    notes.push(
      greetingWait === undefined
        ? 'Pillarbox waits 100 ms before the greeting to catch early talkers (smtpEarlyTalkerWaitMs) until a client has passed, then greets it at once (smtpGreetingPassHours, like postscreen); Postfix greets at once (--greeting-wait 0 compares like with like)'
        : `Pillarbox's greeting wait for early talkers: ${greetingWait} ms`,
    );
    if (fsType === 'tmpfs') notes.push(`${ctx.workDir} is tmpfs: fsync costs nothing there, so these figures overstate both sides (use --dir)`);

    const runs = intFlag(ctx.flags, 'runs', 1);
    const plan: [string, () => Promise<DeliveryFigures>][] = [];
    if (only !== 'peer') plan.push(['pillarbox', () => runPillarbox(ctx, load, { keep, authChecks, greetingWait })]);
    if (only !== 'pillarbox') plan.push(['postfix+dovecot', () => runPeer(ctx, load, keep)]);
    const sides = await alternatingRuns(ctx, plan, runs, 'stored');
    if (runs > 1) notes.push(medianNote(runs, 'stored'));
    notes.push(await versions());
    return {
      benchmark: 'smtp',
      workload: {
        summary: `${load.messages} messages of ${load.size} bytes over ${load.sessions} sessions, timed until all are stored`,
        params: { messages: load.messages, sizeBytes: load.size, sessions: load.sessions, runs, fileSystem: fsType ?? 'unknown' },
      },
      columns: COLUMNS,
      sides,
      notes,
    };
  },
};

/** The load of --messages, --sessions and --size (5,000 × 4 KB over 20 sessions to alice by default). */
export function smtpLoad(ctx: BenchContext): SmtpSourceLoad {
  return {
    messages: intFlag(ctx.flags, 'messages', 5000),
    sessions: intFlag(ctx.flags, 'sessions', 20),
    size: intFlag(ctx.flags, 'size', 4096),
    from: 'bench@example.org',
    to: 'alice@example.test',
  };
}

/** --greeting-wait MS: a whole number of milliseconds, 0 allowed. */
function greetingWaitFlag(raw: string | true | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (raw === true || !Number.isInteger(value) || value < 0) throw new Error('--greeting-wait needs a whole number of milliseconds');
  return value;
}

/** How Pillarbox's side of an SMTP load is set up; the hooks let other benchmarks add their own work. */
export interface PillarboxRunOptions {
  keep: boolean;
  authChecks: boolean;
  greetingWait?: number;
  /** Fields of UpdateSettingsInput (e.g. `logLevelSmtp: HIGH`), set before the load, as the logs bench does. */
  settings?: string;
  /** Fills the fresh data directory before the engine starts (e.g. a log corpus). */
  prepareDir?: (dir: string) => Promise<void>;
  /** Runs once the engine is up and alice exists, before the probe (e.g. more users). */
  prepare?: (engine: PillarboxEngine) => Promise<void>;
  /** Starts work that runs beside the timed load; the function it returns stops it once the load is stored. */
  during?: (engine: PillarboxEngine) => () => Promise<void>;
}

/** Pillarbox's side: a fresh engine, alice, then the timed load. */
export async function runPillarbox(ctx: BenchContext, load: SmtpSourceLoad, options: PillarboxRunOptions): Promise<DeliveryFigures> {
  const { keep, authChecks, greetingWait, settings } = options;
  const dir = makeWorkDir(ctx.workDir, 'pillarbox-bench-engine');
  let engine: PillarboxEngine | undefined;
  const cleanup = registerCleanup(async () => {
    const warning = await engine?.stop();
    if (warning) ctx.log(`warning: ${warning}`);
    if (keep) ctx.log(`kept ${dir}`);
    else removeDir(dir);
  });
  try {
    await options.prepareDir?.(dir);
    ctx.log(`starting the engine in ${dir}`);
    engine = await PillarboxEngine.start(dir);
    const e = engine;
    ctx.log(`engine up (pid ${e.pid}, smtp ${e.ports.smtp}, http ${e.ports.http}); creating alice through GraphQL`);
    await e.login();
    await e.createUser('alice', 'alice-password-1', 'Alice');
    if (!authChecks) {
      // The Postfix side runs no SPF/DKIM/DMARC checks (no milter), and this machine's DNS
      // answers nothing for the sender's domain: the checks would measure DNS time-outs.
      await e.graphql('mutation { updateSettings(input: {inboundAuthChecks: false}) { inboundAuthChecks } }');
    }
    if (greetingWait !== undefined) {
      await e.graphql(`mutation { updateSettings(input: {smtpEarlyTalkerWaitMs: ${greetingWait}}) { smtpEarlyTalkerWaitMs } }`);
    }
    if (settings) await e.graphql(`mutation { updateSettings(input: {${settings}}) { __typename } }`);
    await options.prepare?.(e);
    const target = {
      smtpPort: e.ports.smtp,
      storedCount: () => e.inboxCount('alice'),
      processRoots: () => [e.pid],
      singleProcess: e.pid,
    };
    ctx.log('probe: one message through SMTP into the store');
    await deliverProbe(target, load).catch((err: Error) => {
      throw new Error(`probe delivery failed: ${err.message}; engine says: ${e.outputTail()}`);
    });
    ctx.log(`timed run: ${load.messages} messages`);
    const stopBeside = options.during?.(e);
    try {
      return await timedDelivery(target, load).catch((err: Error) => {
        throw new Error(`${err.message}; engine says: ${e.outputTail()}`);
      });
    } finally {
      await stopBeside?.();
    }
  } finally {
    await cleanup();
  }
}

async function runPeer(ctx: BenchContext, load: SmtpSourceLoad, keep: boolean): Promise<DeliveryFigures> {
  const dir = makeWorkDir(ctx.workDir, 'pillarbox-bench-peer');
  const dovecot = new DovecotInstance(path.join(dir, 'dovecot'));
  let postfix: PostfixInstance | undefined;
  const cleanup = registerCleanup(async () => {
    await postfix?.stop();
    await dovecot.stop();
    if (keep) ctx.log(`kept ${dir}`);
    else removeDir(dir);
  });
  try {
    await dovecot.start();
    const smtpPort = await freePort();
    postfix = new PostfixInstance({
      dir: path.join(dir, 'postfix'),
      smtpPort,
      domains: ['example.test'],
      lmtpSocket: dovecot.lmtpSocket,
    });
    const p = postfix;
    await p.start();
    ctx.log(`postfix (pid ${p.pid}, smtp ${smtpPort}) → lmtp → dovecot (pid ${dovecot.pid}) in ${dir}`);
    const maildir = dovecot.maildir('alice');
    const target = {
      smtpPort,
      storedCount: () => countFiles(path.join(maildir, 'new')) + countFiles(path.join(maildir, 'cur')),
      processRoots: () => [p.pid, dovecot.pid].filter((pid): pid is number => pid !== undefined),
    };
    const logs = (): string => `postfix log: ${p.logTail(2)}; dovecot log: ${dovecot.logTail(2)}`;
    ctx.log('probe: one message through Postfix and LMTP into the Maildir');
    await deliverProbe(target, load).catch((err: Error) => {
      throw new Error(`probe delivery failed: ${err.message}; ${logs()}`);
    });
    ctx.log(`timed run: ${load.messages} messages`);
    return await timedDelivery(target, load).catch((err: Error) => {
      throw new Error(`${err.message}; ${logs()}`);
    });
  } finally {
    await cleanup();
  }
}


async function versions(): Promise<string> {
  const ask = async (cmd: string, args: string[]): Promise<string> => {
    try {
      return (await run(cmd, args)).stdout.trim();
    } catch {
      return '?';
    }
  };
  const postfix = (await ask('/usr/sbin/postconf', ['-dh', 'mail_version'])) || '?';
  const dovecot = (await ask('/usr/sbin/dovecot', ['--version'])).split(' ')[0];
  return `node ${process.version}, Postfix ${postfix}, Dovecot ${dovecot}`;
}
