import fs from 'node:fs';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import nodemailer from 'nodemailer';
import type { Benchmark, BenchContext, BenchResult, Column, SideResult } from './types';
import { intFlag } from './lib/args';
import { registerCleanup } from './lib/cleanup';
import { DovecotInstance } from './lib/dovecot-instance';
import { freePort } from './lib/free-port';
import { MailmanInstance } from './lib/mailman-instance';
import { highWaterMarkMb, type MemoryPeak, TreeMemorySampler } from './lib/memory';
import { withEngineAndSink } from './lib/engine-with-sink';
import { waitForCount } from './lib/poll';
import { PostfixInstance } from './lib/postfix-instance';
import { treeCpuSeconds } from './lib/procs';
import { SinkServer } from './lib/sink';
import { countFiles, fileSystemType, makeWorkDir, removeDir } from './lib/workdir';

const run = promisify(execFile);

const LIST = 'bench@lists.example.test';
const LOCAL_DOMAIN = 'example.test';

interface Roster {
  remote: string[];
  /** Local users' short names (u0…); u0 posts. */
  local: string[];
}

interface ListFigures extends Record<string, number | undefined> {
  seconds: number;
  deliveriesPerSecond: number;
  cpuSeconds: number;
  cpuMsPerMember: number;
  peakRssMb: number;
  peakPssMb: number;
  peakProcesses: number;
}

/** A list server under test, seen from outside. */
interface ListTarget {
  smtpPort: number;
  /** Copies of the post stored in the local members' INBOXes so far. */
  localCount(): number;
  /** Recipients of the post that smtp-sink has received so far. */
  remoteCount(marker: string): number;
  processRoots(): number[];
  singleProcess?: number;
}

const COLUMNS: Column[] = [
  { key: 'seconds', label: 'seconds', decimals: 2 },
  { key: 'deliveriesPerSecond', label: 'members/s', decimals: 0 },
  { key: 'cpuSeconds', label: 'CPU s', decimals: 2 },
  { key: 'cpuMsPerMember', label: 'CPU ms/member', decimals: 3 },
  { key: 'peakRssMb', label: 'peak RSS MiB', decimals: 1 },
  { key: 'peakPssMb', label: 'peak PSS MiB', decimals: 1 },
  { key: 'peakProcesses', label: 'processes', decimals: 0 },
];

/**
 * One post to a list of N members, most of them remote (relayed to smtp-sink, grouped in
 * domains) and some local (stored in their INBOXes), timed from the post's submission until
 * every member has its copy. Pillarbox against Mailman 3 handing over to Postfix, which relays
 * to the same smtp-sink and delivers the local members through LMTP to Dovecot.
 */
export const listsBenchmark: Benchmark = {
  name: 'lists',
  description: 'one post to a list of 10,000 members (9,000 remote to smtp-sink, 1,000 local) until all have it: Pillarbox vs Mailman 3 + Postfix + Dovecot',
  flags: [
    '--members N      members in all (default 10000)',
    '--local N        of them local users (default 1000)',
    '--domains N      remote domains the others are spread over (default 50)',
    '--size BYTES     the post\'s body size (default 4096)',
    '--only SIDE      run one side only: pillarbox or peer',
    '--keep           keep the temporary data directories (paths are printed)',
  ],
  async run(ctx: BenchContext): Promise<BenchResult> {
    const members = intFlag(ctx.flags, 'members', 10_000);
    const localCount = intFlag(ctx.flags, 'local', 1_000);
    const domains = intFlag(ctx.flags, 'domains', 50);
    const size = intFlag(ctx.flags, 'size', 4096);
    if (localCount < 1 || localCount > members) throw new Error('--local must be between 1 and --members');
    const only = ctx.flags.get('only');
    if (only !== undefined && only !== 'pillarbox' && only !== 'peer') throw new Error('--only takes "pillarbox" or "peer"');
    const keep = ctx.flags.has('keep');
    const roster: Roster = {
      local: Array.from({ length: localCount }, (_, i) => `u${i}`),
      remote: Array.from({ length: members - localCount }, (_, i) => `m${i}@d${i % domains}.remote.test`),
    };
    const fsType = fileSystemType(ctx.workDir);
    const notes = [
      `the list ${LIST}: ${roster.remote.length} remote members over ${domains} domains (relayed to one smtp-sink) and ${roster.local.length} local users; the poster, u0@${LOCAL_DOMAIN}, is a member and gets its own copy on both sides`,
      'both sides without archive, DKIM signing or personalisation; Mailman 3 at its defaults (bulk delivery, 500 recipients per SMTP transaction); Pillarbox at its defaults',
      'the clock runs from the post\'s submission until every member has it; CPU and memory are the whole system\'s: Pillarbox\'s one process, or Mailman\'s runners + Postfix + Dovecot',
    ];
    if (fsType === 'tmpfs') notes.push(`${ctx.workDir} is tmpfs: fsync costs nothing there, so these figures overstate both sides (use --dir)`);
    const sides: SideResult[] = [];
    if (only !== 'peer') sides.push(await side('pillarbox', () => runPillarbox(ctx, roster, size, keep), ctx));
    if (only !== 'pillarbox') sides.push(await side('mailman3+postfix+dovecot', () => runPeer(ctx, roster, size, keep), ctx));
    notes.push(await versions());
    return {
      benchmark: 'lists',
      workload: {
        summary: `one post of ${size} bytes to a list of ${members} members (${roster.remote.length} remote over ${domains} domains, ${roster.local.length} local), until all have it`,
        params: { members, local: roster.local.length, domains, sizeBytes: size, fileSystem: fsType ?? 'unknown' },
      },
      columns: COLUMNS,
      sides,
      notes,
    };
  },
};

async function side(system: string, work: () => Promise<ListFigures>, ctx: BenchContext): Promise<SideResult> {
  ctx.log(`--- ${system}`);
  try {
    const metrics = await work();
    ctx.log(`${system}: every member had the post after ${metrics.seconds.toFixed(2)} s`);
    return { system, ok: true, metrics };
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    ctx.log(`${system} FAILED: ${error}`);
    return { system, ok: false, error, metrics: {} };
  }
}

/** Sends the post (from u0, a member) and measures until every member has it. */
async function timedPost(target: ListTarget, roster: Roster, size: number): Promise<ListFigures> {
  await run('sync');
  const marker = `pillarbox-bench-post-${process.pid}-${Date.now()}`;
  const line = 'The quick brown fox jumps over the lazy dog, 0123456789.\r\n';
  const body = `${marker}\r\n${line.repeat(Math.max(1, Math.ceil(size / line.length)))}`.slice(0, Math.max(size, marker.length + 2));
  const localBefore = target.localCount();
  const sampler = new TreeMemorySampler(() => target.processRoots());
  const ticks = Number((await run('getconf', ['CLK_TCK'])).stdout.trim()) || 100;
  const cpuBefore = treeCpuSeconds(target.processRoots(), ticks);
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: target.smtpPort, secure: false, ignoreTLS: true });
  sampler.start();
  const started = process.hrtime.bigint();
  let memory: MemoryPeak;
  let seconds: number;
  try {
    await transport.sendMail({ from: `u0@${LOCAL_DOMAIN}`, to: LIST, subject: 'Benchmark post to the whole list', text: body });
    const all = roster.remote.length + roster.local.length;
    await waitForCount(() => target.remoteCount(marker) + (target.localCount() - localBefore), all, { stallMs: 120_000, what: 'members with the post', intervalMs: 100 });
    seconds = Number(process.hrtime.bigint() - started) / 1e9;
  } finally {
    memory = sampler.stop();
    transport.close();
  }
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const cpuSeconds = treeCpuSeconds(target.processRoots(), ticks) - cpuBefore;
  const members = roster.remote.length + roster.local.length;
  const hwm = target.singleProcess ? highWaterMarkMb(target.singleProcess) : undefined;
  return {
    seconds,
    deliveriesPerSecond: members / seconds,
    cpuSeconds,
    cpuMsPerMember: (cpuSeconds * 1000) / members,
    peakRssMb: Math.max(memory.peakRssMb, hwm ?? 0),
    peakPssMb: memory.peakPssMb,
    peakProcesses: memory.peakProcesses,
  };
}

async function runPillarbox(ctx: BenchContext, roster: Roster, size: number, keep: boolean): Promise<ListFigures> {
  return withEngineAndSink(ctx, 'pillarbox-bench-lists', keep, { listsEnabled: true, dkimSigningEnabled: false }, async (e, sink) => {
    await e.graphql('mutation { addLocalDomain(input: {name: "lists.example.test"}) { name } }');
    ctx.log(`engine (pid ${e.pid}, smtp ${e.ports.smtp}); creating ${roster.local.length} users`);
    await inBatches(roster.local, 4, (name) => e.createUser(name, `${name}-bench-password-1`, name));
    await e.graphql('mutation ($input: CreateListInput!) { createList(input: $input) { address } }', {
      input: { name: 'bench', domain: 'lists.example.test', owners: [`u0@${LOCAL_DOMAIN}`], archive: false },
    });
    const addresses = [...roster.local.map((u) => `${u}@${LOCAL_DOMAIN}`), ...roster.remote];
    ctx.log(`adding ${addresses.length} members`);
    for (let i = 0; i < addresses.length; i += 2000) {
      await e.graphql('mutation ($input: AddListMembersInput!) { addListMembers(input: $input) { added } }', {
        input: { list: LIST, welcome: false, members: addresses.slice(i, i + 2000).map((address) => ({ address })) },
      });
    }
    const target: ListTarget = {
      smtpPort: e.ports.smtp,
      localCount: () => e.inboxTotal(),
      remoteCount: (marker) => sink.recipientCount(marker),
      processRoots: () => [e.pid],
      singleProcess: e.pid,
    };
    ctx.log('timed run: one post');
    return await timedPost(target, roster, size).catch((err: Error) => {
      throw new Error(`${err.message}; engine says: ${e.outputTail()}`);
    });
  });
}

async function runPeer(ctx: BenchContext, roster: Roster, size: number, keep: boolean): Promise<ListFigures> {
  const dir = makeWorkDir(ctx.workDir, 'pillarbox-bench-lists-peer');
  const dovecot = new DovecotInstance(path.join(dir, 'dovecot'));
  let postfix: PostfixInstance | undefined;
  let mailman: MailmanInstance | undefined;
  let sink: SinkServer | undefined;
  const cleanup = registerCleanup(async () => {
    await mailman?.stop();
    await postfix?.stop();
    await dovecot.stop();
    await sink?.stop();
    if (keep) ctx.log(`kept ${dir}`);
    else removeDir(dir);
  });
  try {
    sink = await SinkServer.start(await freePort(), path.join(dir, 'sink'));
    await dovecot.start();
    const smtpPort = await freePort();
    const lmtpPort = await freePort();
    postfix = new PostfixInstance({
      dir: path.join(dir, 'postfix'),
      smtpPort,
      domains: [LOCAL_DOMAIN],
      lmtpSocket: dovecot.lmtpSocket,
      relayHost: `[127.0.0.1]:${sink.port}`,
      transports: { 'lists.example.test': `lmtp:inet:127.0.0.1:${lmtpPort}` },
    });
    const p = postfix;
    await p.start();
    fs.mkdirSync(path.join(dir, 'mailman'));
    mailman = new MailmanInstance({ dir: path.join(dir, 'mailman'), lmtpPort, restPort: await freePort(), smtpPort });
    const m = mailman;
    ctx.log('mailman: starting its runners');
    await m.start();
    ctx.log(`mailman (pid ${m.pid}): creating the list with ${roster.local.length + roster.remote.length} members`);
    await m.createList(LIST, `u0@${LOCAL_DOMAIN}`, [...roster.local.map((u) => `${u}@${LOCAL_DOMAIN}`), ...roster.remote]);
    const s = sink;
    const target: ListTarget = {
      smtpPort,
      localCount: () => roster.local.reduce((n, u) => n + countFiles(path.join(dovecot.maildir(u), 'new')) + countFiles(path.join(dovecot.maildir(u), 'cur')), 0),
      remoteCount: (marker) => s.recipientCount(marker),
      processRoots: () => [p.pid, dovecot.pid, m.pid].filter((pid): pid is number => pid !== undefined),
    };
    ctx.log(`timed run: one post through postfix (smtp ${smtpPort}) → mailman (lmtp ${lmtpPort}) → postfix → smtp-sink and dovecot`);
    return await timedPost(target, roster, size).catch((err: Error) => {
      throw new Error(`${err.message}; postfix log: ${p.logTail(2)}; mailman log: ${m.logTail(2)}; dovecot log: ${dovecot.logTail(2)}`);
    });
  } finally {
    await cleanup();
  }
}

async function inBatches<T>(items: T[], parallel: number, work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}


async function versions(): Promise<string> {
  const postfix = await run('/usr/sbin/postconf', ['-dh', 'mail_version']).then((r) => r.stdout.trim(), () => '?');
  const dovecot = await run('/usr/sbin/dovecot', ['--version']).then((r) => r.stdout.trim().split(' ')[0], () => '?');
  return `node ${process.version}, Mailman ${await MailmanInstance.version()}, Postfix ${postfix}, Dovecot ${dovecot}`;
}
