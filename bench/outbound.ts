import fs from 'node:fs';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Benchmark, BenchContext, BenchResult } from './types';
import { intFlag } from './lib/args';
import { alternatingRuns, medianNote, RUNS_FLAG } from './lib/alternating-runs';
import { registerCleanup } from './lib/cleanup';
import { freePort } from './lib/free-port';
import { withEngineAndSink } from './lib/engine-with-sink';
import { PostfixInstance } from './lib/postfix-instance';
import { SinkServer } from './lib/sink';
import { smtpSourceArgs, SMTP_SOURCE, type SmtpSourceLoad } from './lib/smtp-source';
import { deliverProbe, deliveryColumns, timedDelivery, type DeliveryFigures, type DeliveryTarget } from './lib/timed-delivery';
import { fileSystemType, makeWorkDir, removeDir } from './lib/workdir';

const run = promisify(execFile);

const COLUMNS = deliveryColumns('relayed');

/**
 * Outbound: smtp-source submits N messages from an approved relay network (127.0.0.0/8)
 * for a remote recipient; the server queues them (fsynced before the 250) and relays
 * each to smtp-sink through its relay host setting. Timed until smtp-sink has them all,
 * which is when the queue is empty. Pillarbox against a private Postfix doing the same.
 */
export const outboundBenchmark: Benchmark = {
  name: 'outbound',
  description: 'outbound relay, 5,000 × 4 KB over 20 sessions, relayed to smtp-sink until the queue is empty: Pillarbox vs Postfix',
  flags: [
    '--messages N     messages to send (default 5000)',
    '--sessions N     parallel SMTP sessions (default 20)',
    '--size BYTES     message body size (default 4096)',
    RUNS_FLAG,
    '--dkim on|off    Pillarbox signs the messages with DKIM (default on; Postfix has no signer)',
    '--only SIDE      run one side only: pillarbox or peer',
    '--keep           keep the temporary data directories (paths are printed)',
  ],
  async run(ctx: BenchContext): Promise<BenchResult> {
    const load: SmtpSourceLoad = {
      messages: intFlag(ctx.flags, 'messages', 5000),
      sessions: intFlag(ctx.flags, 'sessions', 20),
      size: intFlag(ctx.flags, 'size', 4096),
      from: 'bench@example.test',
      to: 'friend@remote.test',
    };
    const dkim = ctx.flags.get('dkim') ?? 'on';
    if (dkim !== 'on' && dkim !== 'off') throw new Error('--dkim takes "on" or "off"');
    const only = ctx.flags.get('only');
    if (only !== undefined && only !== 'pillarbox' && only !== 'peer') throw new Error('--only takes "pillarbox" or "peer"');
    if (!fs.existsSync(SMTP_SOURCE)) throw new Error(`${SMTP_SOURCE} is missing: apt-get install postfix`);
    const keep = ctx.flags.has('keep');
    const fsType = fileSystemType(ctx.workDir);
    const notes: string[] = [
      `load: smtp-source ${smtpSourceArgs(load, 0).join(' ').replace(':0', ':PORT')}; both relay to smtp-sink on 127.0.0.1 (-d, one file per message)`,
      dkim === 'on' ? 'Pillarbox DKIM-signs every message (RSA 2048, relaxed/relaxed); Postfix has no signer configured (--dkim off for the same work)' : 'DKIM signing off on Pillarbox',
    ];
    if (fsType === 'tmpfs') notes.push(`${ctx.workDir} is tmpfs: fsync costs nothing there, so these figures overstate both sides (use --dir)`);
    const runs = intFlag(ctx.flags, 'runs', 1);
    const plan: [string, () => Promise<DeliveryFigures>][] = [];
    if (only !== 'peer') plan.push(['pillarbox', () => runPillarbox(ctx, load, dkim === 'on', keep)]);
    if (only !== 'pillarbox') plan.push(['postfix', () => runPostfix(ctx, load, keep)]);
    const sides = await alternatingRuns(ctx, plan, runs, 'relayed');
    if (runs > 1) notes.push(medianNote(runs, 'relayed'));
    notes.push(await versions());
    return {
      benchmark: 'outbound',
      workload: {
        summary: `${load.messages} messages of ${load.size} bytes over ${load.sessions} sessions, relayed to smtp-sink, timed until the queue is empty`,
        params: { messages: load.messages, sizeBytes: load.size, sessions: load.sessions, dkim, runs, fileSystem: fsType ?? 'unknown' },
      },
      columns: COLUMNS,
      sides,
      notes,
    };
  },
};

/** The timed part shared by both sides: probe one message, then the load, counted at the sink. */
async function measure(ctx: BenchContext, sink: SinkServer, target: Omit<DeliveryTarget, 'storedCount'>, load: SmtpSourceLoad, logs: () => string): Promise<DeliveryFigures> {
  const full = { ...target, storedCount: () => sink.count() };
  ctx.log('probe: one message through the queue to smtp-sink');
  await deliverProbe(full, load).catch((err: Error) => {
    throw new Error(`probe delivery failed: ${err.message}; ${logs()}`);
  });
  ctx.log(`timed run: ${load.messages} messages`);
  return timedDelivery(full, load).catch((err: Error) => {
    throw new Error(`${err.message}; ${logs()}`);
  });
}

async function runPillarbox(ctx: BenchContext, load: SmtpSourceLoad, dkim: boolean, keep: boolean): Promise<DeliveryFigures> {
  const settings = { relayRestricted: true, relayAllowedHosts: ['127.0.0.0/8'], dkimSigningEnabled: dkim };
  return withEngineAndSink(ctx, 'pillarbox-bench-outbound', keep, settings, async (e, sink, dir) => {
    ctx.log(`engine (pid ${e.pid}, smtp ${e.ports.smtp}) relaying to smtp-sink on ${sink.port}, in ${dir}`);
    const figures = await measure(ctx, sink, { smtpPort: e.ports.smtp, processRoots: () => [e.pid], singleProcess: e.pid }, load, () => `engine says: ${e.outputTail()}`);
    if (dkim && !sink.sample()?.includes('DKIM-Signature:')) throw new Error('the relayed messages are not DKIM-signed');
    return figures;
  });
}

async function runPostfix(ctx: BenchContext, load: SmtpSourceLoad, keep: boolean): Promise<DeliveryFigures> {
  const dir = makeWorkDir(ctx.workDir, 'pillarbox-bench-outbound-peer');
  let postfix: PostfixInstance | undefined;
  let sink: SinkServer | undefined;
  const cleanup = registerCleanup(async () => {
    await postfix?.stop();
    await sink?.stop();
    if (keep) ctx.log(`kept ${dir}`);
    else removeDir(dir);
  });
  try {
    sink = await SinkServer.start(await freePort(), path.join(dir, 'sink'));
    const smtpPort = await freePort();
    postfix = new PostfixInstance({ dir: path.join(dir, 'postfix'), smtpPort, domains: [], relayHost: `[127.0.0.1]:${sink.port}` });
    const p = postfix;
    await p.start();
    ctx.log(`postfix (pid ${p.pid}, smtp ${smtpPort}) relaying to smtp-sink on ${sink.port}, in ${dir}`);
    return await measure(ctx, sink, { smtpPort, processRoots: () => (p.pid ? [p.pid] : []) }, load, () => `postfix log: ${p.logTail(2)}`);
  } finally {
    await cleanup();
  }
}

async function versions(): Promise<string> {
  const postfix = await run('/usr/sbin/postconf', ['-dh', 'mail_version']).then((r) => r.stdout.trim(), () => '?');
  return `node ${process.version}, Postfix ${postfix}`;
}
