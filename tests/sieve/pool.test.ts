/**
 * The Sieve worker pool: a run in a worker thread gives exactly what runSieve gives in-process (the
 * whole differential corpus, includes and mailboxexists answered by the main thread), the main
 * thread stays free while a slow script runs, and a worker that misses its deadline is terminated
 * and replaced, the run ending as over its budget.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type IntervalHistogram, monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { after, describe, it } from 'node:test';
import { checkIncludes, compileSieve, runSieve, type VacationMemory } from '../../server/sieve/index';
import { type MailboxFacts, mailboxExistsIn } from '../../server/sieve/mailbox-names';
import { SievePool, SieveWorkerLost, sharedBytes } from '../../server/sieve/sieve-pool';
import { CASES } from './corpus/cases';
import { MESSAGES } from './corpus/messages';
import { writeFakeSieveWorker } from '../helpers/fake-sieve-worker';
import { DEFAULT_FROM, DEFAULT_TO, MAILBOXES } from './pigeonhole';

/**
 * Watches the main thread while work runs elsewhere. It stayed free when no turn of its event
 * loop came late by 100 ms, or, on a machine so busy that the thread waited for a core, when
 * it was busy under 100 ms in all (event-loop utilization counts its own work, not the wait).
 */
function watchMainThread(): { stop(): { ok: boolean; text: string } } {
  const lag: IntervalHistogram = monitorEventLoopDelay({ resolution: 5 });
  const before = performance.eventLoopUtilization();
  lag.enable();
  return {
    stop() {
      lag.disable();
      const lateMs = lag.max / 1e6;
      const busyMs = performance.eventLoopUtilization(before).active;
      return { ok: lateMs < 100 || busyMs < 100, text: `late by up to ${lateMs.toFixed(1)} ms, busy ${busyMs.toFixed(1)} ms` };
    },
  };
}

const NOW = new Date('2024-05-06T07:08:09Z');
const FACTS: MailboxFacts = { own: MAILBOXES, postable: ['News'] };

/** Answers like a memory that has answered every handle of odd length before. */
const memory = (): VacationMemory => ({ shouldReply: (handle) => handle.length % 2 === 0 });

function verdicts(message: string): { spamScore?: number; spamPercent?: number; virusScore?: number } {
  const spam = /^X-PB-Spam: v(\d+)/m.exec(message);
  const virus = /^X-PB-Virus: v(\d+)/m.exec(message);
  return {
    spamScore: spam ? Number(spam[1]) : undefined,
    spamPercent: spam ? Number(spam[1]) * 10 : undefined,
    virusScore: virus ? Number(virus[1]) : undefined,
  };
}

describe('SievePool', () => {
  const pool = new SievePool({ size: 2 });
  after(() => pool.close());

  it('gives the same result as runSieve in-process for every corpus pair (and the same checks)', async () => {
    let mailboxQuestions = 0;
    for (const kase of CASES) {
      const message = MESSAGES[kase.message];
      const raw = Buffer.from(message);
      const to = kase.to ?? DEFAULT_TO;
      const envelope = { from: kase.from ?? DEFAULT_FROM, to, orig: kase.orig ?? to };
      const loadInclude = (name: string, scope: 'personal' | 'global'): string | undefined => (scope === 'global' ? kase.global : kase.personal)?.[name];
      const compiled = compileSieve(kase.script, { name: 'script' });
      const inWorker = await pool.run(
        { script: { name: 'script', source: kase.script }, raw, envelope, ...verdicts(message), userAddresses: [to], now: NOW, zone: '+0000' },
        { loadInclude, mailboxes: () => (mailboxQuestions++, FACTS), vacationMemory: memory() },
      );
      const checked = await pool.check(kase.script, 'script', { loadInclude });
      if (compiled.errors) {
        assert.deepEqual(inWorker.compileErrors, compiled.errors, kase.name);
        assert.deepEqual(checked, { errors: compiled.errors, warnings: [] }, kase.name);
        continue;
      }
      assert.deepEqual(checked, { errors: await checkIncludes(compiled.script, { loadInclude }), warnings: compiled.warnings ?? [] }, kase.name);
      const inProcess = await runSieve(
        compiled.script,
        { raw, envelope },
        { ...verdicts(message), userAddresses: [to], now: NOW, zone: '+0000', mailboxExists: mailboxExistsIn(FACTS), loadInclude, vacationMemory: memory() },
      );
      assert.deepEqual(inWorker, inProcess, kase.name);
    }
    // Only scripts that require "mailbox" make the worker ask for the folders.
    const needing = CASES.filter((k) => /"mailbox"/.test(k.script) && !compileSieve(k.script).errors).length;
    assert.ok(mailboxQuestions > 0 && mailboxQuestions <= needing, `${mailboxQuestions} questions, ${needing} scripts with mailbox`);
  });

  it('mailboxexists sees the user\u2019s folders (INBOX in any case, Cyrus names) and postable public folders', async () => {
    const script = 'require ["mailbox", "fileinto"];\n'
      + 'if mailboxexists "inbox" { fileinto "a"; }\n'
      + 'if mailboxexists "INBOX.Work" { fileinto "b"; }\n'
      + 'if mailboxexists "Shared Folders/News" { fileinto "c"; }\n'
      + 'if mailboxexists "Shared Folders/Secret" { fileinto "d"; }\n'
      + 'if mailboxexists "Nope" { fileinto "e"; }\n';
    const r = await pool.run({ script: { name: 's', source: script }, raw: Buffer.from(MESSAGES.plain), envelope: { from: 'a@b.c', to: 'me@example.com' } }, { mailboxes: () => FACTS });
    assert.deepEqual(r.actions.map((a) => (a.action === 'fileinto' ? a.mailbox : a.action)), ['a', 'b', 'c']);
  });

  it('a message in shared memory is passed to every run without a copy; an include the main thread cannot load fails the job', async () => {
    const raw = sharedBytes(Buffer.from(MESSAGES.plain));
    const source = 'require "fileinto"; if header :contains "subject" "" { fileinto "Seen"; }';
    const a = await pool.run({ script: { name: 's', source }, raw, envelope: { from: 'a@b.c', to: 'x@example.com' } });
    const b = await pool.run({ script: { name: 's', source }, raw, envelope: { from: 'a@b.c', to: 'y@example.com' } });
    assert.deepEqual(a, b);
    await assert.rejects(
      pool.run({ script: { name: 's', source: 'require "include"; include "x";' }, raw, envelope: { from: '', to: 'x@example.com' } }, { loadInclude: () => { throw new Error('database is locked'); } }),
      /database is locked/,
    );
    // The worker that reported the failure still works.
    assert.deepEqual((await pool.run({ script: { name: 's', source: 'discard;' }, raw, envelope: { from: '', to: 'x@example.com' } })).actions, [{ action: 'discard' }]);
  });

  it('a slow script runs in a worker: its own budget stops it, and the main thread stays free meanwhile', async () => {
    const script = 'require ["body", "regex"];\n' + 'if body :raw :regex "(a|aa)*b" { discard; }\n'.repeat(500);
    const raw = Buffer.from(`Subject: slow\r\n\r\n${('a'.repeat(76) + '\r\n').repeat(13_000)}`);
    const watch = watchMainThread();
    const started = Date.now();
    const r = await pool.run({ script: { name: 'slow', source: script }, raw, envelope: { from: 'a@b.c', to: 'me@example.com' }, limits: { maxRunMs: 800 } });
    const main = watch.stop();
    const took = Date.now() - started;
    assert.deepEqual(r.budgetExceeded, { limitMs: 800 });
    assert.deepEqual(r.actions, [{ action: 'keep', implicit: true }]);
    assert.match(r.errors[0].message, /ran longer than its 800 ms budget/);
    assert.ok(r.errors[0].line > 0, 'stopped by the worker\u2019s own budget, at a line');
    assert.equal(pool.terminated, 0);
    assert.ok(took >= 800, `answered after ${took} ms`);
    assert.ok(main.ok, `the main thread was ${main.text}`);
  });

  it('checking a 1 MB script (what PUTSCRIPT and CHECKSCRIPT do) leaves the main thread free', async () => {
    const line = 'if header :contains "Subject" "xyz" { keep; }\n';
    const source = line.repeat(Math.floor((1024 * 1024 - 100) / line.length));
    const watch = watchMainThread();
    const t0 = Date.now();
    const r = await pool.check(source, 'big', { loadInclude: () => undefined });
    const took = Date.now() - t0;
    const main = watch.stop();
    assert.deepEqual(r, { errors: [], warnings: [] });
    process.stderr.write(`a 1 MB script checked in ${took} ms; the main thread was ${main.text}\n`);
    assert.ok(main.ok, `the main thread was ${main.text}`);
  });
});

describe('SievePool deadlines (a worker that does not answer)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pillarbox-pool-'));
  const file = writeFakeSieveWorker(dir);
  // The prepare deadline leaves a loaded machine time to start a worker thread.
  const pool = new SievePool({ size: 1, workerFile: file, graceMs: 100, prepTimeoutMs: 2000 });
  after(async () => {
    await pool.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const job = (name: string, maxRunMs = 50) => pool.run({ script: { name, source: '' }, raw: Buffer.from('\r\n'), envelope: { from: '', to: 'me@example.com' }, limits: { maxRunMs } });

  it('a run past its budget and the grace: the worker is terminated and replaced, the run is an overrun', async () => {
    assert.deepEqual((await job('ok')).actions, [{ action: 'discard' }]);
    const t0 = Date.now();
    const r = await job('spin', 50);
    const took = Date.now() - t0;
    assert.deepEqual(r.actions, [{ action: 'keep', implicit: true }]);
    assert.deepEqual(r.budgetExceeded, { limitMs: 50 });
    assert.match(r.errors[0].message, /did not stop within its 50 ms budget; its worker thread was terminated/);
    assert.ok(took >= 150 && took < 2000, `ended after ${took} ms`);
    assert.equal(pool.terminated, 1);
    // The next job gets a new worker.
    assert.deepEqual((await job('ok')).actions, [{ action: 'discard' }]);
    assert.equal(pool.started, 2);
    assert.equal(pool.workers, 1);
  });

  it('a run that never starts (prepare deadline) ends the same way', async () => {
    const r = await job('stuck');
    assert.deepEqual(r.budgetExceeded, { limitMs: 50 });
    assert.match(r.errors[0].message, /not ready to run within 2000 ms/);
    assert.equal(pool.terminated, 2);
  });

  it('a worker that dies fails its job; jobs queued behind it run on a new worker', async () => {
    const dying = job('exit');
    const next = job('ok');
    await assert.rejects(dying, (err: Error) => err instanceof SieveWorkerLost && /exited \(code 3\)/.test(err.message));
    assert.deepEqual((await next).actions, [{ action: 'discard' }]);
  });

  it('a closed pool refuses work', async () => {
    const closed = new SievePool({ size: 1, workerFile: file });
    await closed.close();
    await assert.rejects(closed.run({ script: { name: 'ok', source: '' }, raw: Buffer.from(''), envelope: { from: '', to: '' } }), /closed/);
  });
});
