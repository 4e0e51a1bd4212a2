import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import BetterSqlite3 from 'better-sqlite3';
import { intFlag, onlyFlag } from './lib/args';
import { withDovecotImap } from './lib/dovecot-imap-instance';
import { ImapTimer } from './lib/imap-timer';
import { CORPUS_TERMS, type CorpusInfo, writeLargeCorpus } from './lib/large-corpus';
import { TreeMemorySampler } from './lib/memory';
import { withImapEngine } from './lib/pillarbox-engine';
import { sleep } from './lib/poll';
import { makeWorkDir, removeDir } from './lib/workdir';
import type { Benchmark, BenchContext, BenchResult, Column, SideResult } from './types';

/**
 * Issue 16 target 3: one mailbox of 100,000 messages and 1,000 folders, the same Maildir
 * loaded into Pillarbox (its disk migration) and served by a private Dovecot (which indexes
 * the Maildir on first use). One client times each command, round after round: the first
 * round is reported apart (cold: Dovecot builds its index and cache then), the others as
 * their median.
 */

const USER = 'bench';
const PASSWORD = 'bench-imap-large-password';

interface Op {
  key: string;
  label: string;
  /** Runs the operation on a logged-in client; returns what the answer holds, to compare the sides. */
  run(c: ImapTimer, folders: string[]): Promise<{ ms: number; answer: string }>;
}

async function single(c: ImapTimer, command: string, answer: (lines: string[]) => string): Promise<{ ms: number; answer: string }> {
  const { ms, lines } = await c.timed(command);
  return { ms, answer: answer(lines) };
}

const count = (prefix: string) => (lines: string[]) => String(lines.filter((l) => l.startsWith(prefix)).length);
const numbers = (prefix: string) => (lines: string[]) => String(lines.find((l) => l.startsWith(prefix))?.slice(prefix.length).trim().split(/\s+/).filter(Boolean).length ?? 0);

const OPS: Op[] = [
  { key: 'select', label: 'SELECT', run: (c) => single(c, 'SELECT INBOX', (l) => l.find((x) => / EXISTS$/.test(x)) ?? '') },
  { key: 'fetchFlags', label: 'FETCH 1:* FLAGS', run: (c) => single(c, 'UID FETCH 1:* (FLAGS)', count('* ')) },
  { key: 'searchSubject', label: 'SEARCH SUBJECT', run: (c) => single(c, `UID SEARCH SUBJECT ${CORPUS_TERMS.subject}`, numbers('* SEARCH')) },
  { key: 'searchBody', label: 'SEARCH BODY', run: (c) => single(c, `UID SEARCH BODY ${CORPUS_TERMS.body}`, numbers('* SEARCH')) },
  { key: 'sortDate', label: 'SORT (DATE)', run: (c) => single(c, 'UID SORT (DATE) US-ASCII ALL', numbers('* SORT')) },
  { key: 'thread', label: 'THREAD REFS', run: (c) => single(c, 'UID THREAD REFERENCES US-ASCII ALL', (l) => String((l.find((x) => x.startsWith('* THREAD')) ?? '').length > 0)) },
  { key: 'list', label: 'LIST "" *', run: (c) => single(c, 'LIST "" *', count('* LIST')) },
  {
    key: 'statusAll',
    label: 'STATUS all',
    async run(c, folders) {
      let ms = 0;
      for (const f of folders) ms += (await c.timed(`STATUS ${quote(f)} (MESSAGES UNSEEN UIDNEXT)`)).ms;
      return { ms, answer: String(folders.length) };
    },
  },
];

const COLUMNS: Column[] = [
  ...OPS.map((o) => ({ key: o.key, label: `${o.label} ms`, decimals: 1 })),
  { key: 'peakRssMb', label: 'RSS MiB', decimals: 1 },
  { key: 'loadSeconds', label: 'load s', decimals: 1 },
];

function quote(name: string): string {
  return `"${name.replace(/[\\"]/g, (c) => '\\' + c)}"`;
}

/** Selectable mailbox names from LIST "" * lines, as the server spells them. */
function selectable(lines: string[]): string[] {
  const out: string[] = [];
  for (const line of lines) {
    const m = /^\* LIST \(([^)]*)\) (?:"(?:[^"\\]|\\.)*"|NIL) (.*)$/i.exec(line);
    if (!m || /\\noselect|\\nonexistent/i.test(m[1])) continue;
    const raw = m[2];
    out.push(raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw);
  }
  return out;
}

/** Bytes of the files under a directory. */
function dirBytes(dir: string): number {
  let total = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) if (e.isFile()) total += fs.statSync(path.join(e.parentPath ?? e.path, e.name)).size;
  return total;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

interface Served {
  cold: Record<string, number>;
  warm: Record<string, number>;
  answers: Record<string, string>;
  peakRssMb: number;
}

/** Logs in, then runs every operation `runs` times, sampling the server's memory meanwhile. */
async function serve(ctx: BenchContext, system: string, port: number, roots: () => number[], runs: number): Promise<Served> {
  const c = await ImapTimer.connect(port);
  const sampler = new TreeMemorySampler(roots, 200);
  sampler.start();
  try {
    await c.command(`LOGIN ${USER} ${PASSWORD}`);
    const folders = selectable(await c.command('LIST "" *'));
    const times = new Map<string, number[]>();
    const answers: Record<string, string> = {};
    for (let round = 1; round <= runs; round++) {
      for (const op of OPS) {
        const { ms, answer } = await op.run(c, folders);
        if (!times.has(op.key)) times.set(op.key, []);
        times.get(op.key)!.push(ms);
        answers[op.key] = answer;
      }
      ctx.log(`${system} round ${round}: ${OPS.map((o) => `${o.key} ${times.get(o.key)!.at(-1)!.toFixed(0)} ms`).join(', ')}`);
    }
    const cold = Object.fromEntries(OPS.map((o) => [o.key, times.get(o.key)![0]]));
    const warm = Object.fromEntries(OPS.map((o) => [o.key, median(times.get(o.key)!.slice(runs > 1 ? 1 : 0))]));
    return { cold, warm, answers, peakRssMb: sampler.stop().peakRssMb };
  } finally {
    sampler.stop();
    c.close();
  }
}

function runPillarbox(ctx: BenchContext, corpus: string, runs: number, keep: boolean): Promise<Served & { loadSeconds: number; indexSeconds: number }> {
  return withImapEngine(ctx, { prefix: 'pillarbox-bench-imap-large', user: USER, password: PASSWORD, keep }, async (e, dir) => {
    ctx.log('importing the Maildir');
    const started = performance.now();
    const { startDiskMigration } = await e.graphql<{ startDiskMigration: { id: string } }>('mutation ($p: String!) { startDiskMigration(input: {user: "bench", path: $p}) { id } }', { p: corpus });
    for (let failures = 0; ; ) {
      let migration: { state: string; copied: number; error: string | null };
      try {
        ({ migration } = await e.graphql<{ migration: typeof migration }>('query ($id: String!) { migration(id: $id) { state copied error } }', { id: startDiskMigration.id }));
      } catch (err) {
        // On a loaded machine the engine's event loop stalled for seconds while the import began,
        // and a poll failed ("fetch failed": a keep-alive connection closed under it); ask again.
        if (++failures > 20) throw err;
        await sleep(1000);
        continue;
      }
      if (migration.state !== 'RUNNING') {
        if (migration.state !== 'SUCCEEDED') throw new Error(`import ${migration.state}: ${migration.error ?? ''}`);
        ctx.log(`imported ${migration.copied} messages in ${((performance.now() - started) / 1000).toFixed(1)} s`);
        break;
      }
      await sleep(500);
    }
    const loadSeconds = (performance.now() - started) / 1000;
    // The full-text index is built in the background; SEARCH is correct without it, but the figures are for a built one.
    const db = new BetterSqlite3(path.join(dir, 'db', 'pillarbox.db'), { readonly: true, fileMustExist: true });
    try {
      while ((db.prepare('SELECT count(*) FROM messages WHERE text_indexed = 0').pluck().get() as number) > 0) await sleep(500);
    } finally {
      db.close();
    }
    const indexSeconds = (performance.now() - started) / 1000 - loadSeconds;
    ctx.log(`text index complete ${indexSeconds.toFixed(1)} s after the import`);
    return { ...(await serve(ctx, 'pillarbox', e.ports.imap, () => [e.pid], runs)), loadSeconds, indexSeconds };
  });
}

function runDovecot(ctx: BenchContext, corpus: string, runs: number, keep: boolean): Promise<Served> {
  // The same files, hard-linked: Dovecot reads the Maildir as it is and builds its index on first use.
  const prepare = (dir: string) => {
    const mail = path.join(dir, 'mail');
    fs.mkdirSync(mail, { recursive: true });
    execFileSync('cp', ['-al', corpus, path.join(mail, USER)]);
    execFileSync('chown', ['-R', '65534:65534', mail]);
  };
  return withDovecotImap(ctx, { prefix: 'dovecot-bench-imap-large', password: PASSWORD, keep, prepare }, (dovecot) =>
    serve(ctx, 'dovecot', dovecot.port, () => (dovecot.pid ? [dovecot.pid] : []), runs),
  );
}

export const imapLargeBenchmark: Benchmark = {
  name: 'imap-large',
  description: 'IMAP on a big mailbox: 100,000 messages and 1,000 folders, SELECT/FETCH/SEARCH/SORT/THREAD/LIST/STATUS timed, Pillarbox vs Dovecot',
  flags: [
    '--messages N     messages in INBOX (default 100000)',
    '--folders N      folders of one message each (default 1000)',
    '--runs N         rounds of every command; the first is reported as cold, the median of the rest (default 5)',
    '--only SIDE      pillarbox or peer',
    '--keep           keep the temporary data directories',
    '--corpus DIR     use the Maildir DIR a kept run wrote (same --messages and --folders) instead of writing it again',
  ],
  async run(ctx: BenchContext): Promise<BenchResult> {
    const messages = intFlag(ctx.flags, 'messages', 100_000);
    const folderCount = intFlag(ctx.flags, 'folders', 1000);
    const runs = intFlag(ctx.flags, 'runs', 5);
    const only = onlyFlag(ctx.flags);
    const keep = ctx.flags.has('keep');
    // --corpus: a Maildir this benchmark wrote before (kept with --keep); the generator is seeded, so it is the same one.
    const given = ctx.flags.get('corpus');
    const corpusDir = typeof given === 'string' ? path.dirname(path.resolve(given)) : makeWorkDir(ctx.workDir, 'imap-large-corpus');
    const corpus = typeof given === 'string' ? path.resolve(given) : path.join(corpusDir, 'Maildir');
    const sides: SideResult[] = [];
    const notes: string[] = [];
    let info: CorpusInfo | undefined;
    try {
      ctx.log(`${typeof given === 'string' ? 'using' : 'writing'} ${messages} messages and ${folderCount} folders ${typeof given === 'string' ? 'in' : 'into'} ${corpus}`);
      if (typeof given === 'string') info = { messages, folders: folderCount, bytes: dirBytes(corpus), folderNames: [] };
      else info = writeLargeCorpus(corpus, messages, folderCount);
      const plan: [string, () => Promise<Served & { loadSeconds?: number; indexSeconds?: number }>][] = [];
      if (only !== 'peer') plan.push(['pillarbox', () => runPillarbox(ctx, corpus, runs, keep)]);
      if (only !== 'pillarbox') plan.push(['dovecot', () => runDovecot(ctx, corpus, runs, keep)]);
      for (const [system, work] of plan) {
        ctx.log(`--- ${system}`);
        try {
          const r = await work();
          sides.push({ system: `${system} (first run)`, ok: true, metrics: { ...r.cold } });
          sides.push({ system: `${system} (median)`, ok: true, metrics: { ...r.warm, peakRssMb: r.peakRssMb, loadSeconds: r.loadSeconds } });
          notes.push(`${system} answers: ${OPS.map((o) => `${o.key}=${r.answers[o.key]}`).join(', ')}`);
          if (r.indexSeconds !== undefined) notes.push(`${system}: the full-text index was complete ${r.indexSeconds.toFixed(1)} s after the import ended`);
        } catch (err) {
          const error = err instanceof Error ? err.message : String(err);
          ctx.log(`${system} FAILED: ${error}`);
          sides.push({ system, ok: false, error, metrics: {} });
        }
      }
    } finally {
      if (keep || typeof given === 'string') ctx.log(`kept ${corpusDir}`);
      else removeDir(corpusDir);
    }
    return {
      benchmark: 'imap-large',
      workload: {
        summary: `one INBOX of ${messages} messages (${info ? (info.bytes / 2 ** 20).toFixed(0) : '?'} MiB) and ${folderCount} folders, ${runs} rounds of every command on one connection; figures in ms`,
        params: { messages, folders: folderCount, runs },
      },
      columns: COLUMNS,
      sides,
      notes: [
        `SEARCH SUBJECT ${CORPUS_TERMS.subject}, SEARCH BODY ${CORPUS_TERMS.body} (UID SEARCH); SORT and THREAD over ALL; STATUS (MESSAGES UNSEEN UIDNEXT) of every folder LIST returns, one after another (the column is their sum)`,
        'load s: Pillarbox\'s disk migration of the Maildir (files fsynced, as any delivery); Dovecot reads the Maildir in place and indexes it during its first run',
        'Dovecot without fts plugins: SEARCH BODY reads the messages (its default)',
        ...notes,
      ],
    };
  },
};
