/**
 * A Sieve worker thread (started by SievePool): compiles scripts and runs them on messages, one job
 * at a time, so no user's script ever runs on the engine's main thread. What a run needs from the
 * engine comes with the job (message bytes, envelope, verdicts, addresses, limits) or is asked for
 * on the way (the source of an included script; the user's folders, only when a script uses
 * mailboxexists); the answer is the action list, plain data, which the main thread carries out.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { type CompileSieveResult, SieveMessage, type SieveScript, checkIncludes, compileSieveCached, runSieve } from './index';
import { type MailboxFacts, mailboxExistsIn } from './mailbox-names';
import { type CheckJob, type CheckOutcome, type FromWorker, type RunJob, type RunOutcome, type ToWorker, type WorkerData, clockMicros } from './worker-protocol';

const port = parentPort;
if (!port) throw new Error('sieve-worker.js runs as a worker thread of SievePool');

const send = (m: FromWorker): void => port.postMessage(m);
/** Where the pool reads when this worker's run started (its deadline counts from there). */
const startedAt = new BigInt64Array((workerData as WorkerData).startedAt);

/** Answers the worker is waiting for, by job id and request number. */
const waiting = new Map<string, (m: ToWorker) => void>();
let seq = 0;

function ask(request: FromWorker & { type: 'include' | 'mailboxes' }, key: string): Promise<ToWorker> {
  return new Promise((resolve) => {
    waiting.set(key, resolve);
    send(request);
  });
}

function loaderFor(id: number): (name: string, scope: 'personal' | 'global') => Promise<string | undefined> {
  return async (name, scope) => {
    const n = ++seq;
    const answer = await ask({ type: 'include', id, seq: n, name, scope }, `${id}:include:${n}`);
    if (answer.type !== 'include') throw new Error('unexpected answer to an include request');
    if (answer.error !== undefined) throw new Error(answer.error);
    return answer.source;
  };
}

/** The last message parsed, reused by the next recipient of the same message. */
let lastMessage: { key: number; parsed: SieveMessage } | undefined;

async function run(job: RunJob): Promise<RunOutcome> {
  const c: CompileSieveResult = compileSieveCached(job.script.source, { name: job.script.name });
  if (c.errors) return { compileErrors: c.errors, actions: [], errors: [] };
  let parsed = lastMessage?.key === job.messageKey ? lastMessage.parsed : undefined;
  if (!parsed) {
    parsed = new SieveMessage(Buffer.from(job.bytes, job.offset, job.length));
    lastMessage = { key: job.messageKey, parsed };
  }
  let mailboxExists: ((name: string) => boolean) | undefined;
  const result = await runSieve(
    c.script,
    { raw: parsed.raw, parsed, envelope: job.envelope },
    {
      mailboxExists: (name) => (mailboxExists ? mailboxExists(name) : name.toUpperCase() === 'INBOX'),
      loadInclude: loaderFor(job.id),
      spamScore: job.spamScore,
      spamPercent: job.spamPercent,
      virusScore: job.virusScore,
      userAddresses: job.userAddresses,
      now: job.now !== undefined ? new Date(job.now) : undefined,
      zone: job.zone,
      limits: job.limits,
      beforeRun: async (loaded: readonly SieveScript[]) => {
        // Only a script that requires "mailbox" can call mailboxexists (RFC 6609: includes
        // require their own extensions), so most runs never ask for the folder list.
        if (loaded.some((s) => s.extensions.includes('mailbox'))) {
          const answer = await ask({ type: 'mailboxes', id: job.id }, `${job.id}:mailboxes`);
          if (answer.type !== 'mailboxes') throw new Error('unexpected answer to a mailboxes request');
          if (answer.error !== undefined) throw new Error(answer.error);
          mailboxExists = mailboxExistsIn(answer.facts as MailboxFacts);
        }
        Atomics.store(startedAt, 0, BigInt(clockMicros()));
      },
    },
  );
  return result;
}

async function check(job: CheckJob): Promise<CheckOutcome> {
  const c = compileSieveCached(job.source, { name: job.name });
  if (c.errors) return { errors: c.errors, warnings: [] };
  const errors = job.includes ? await checkIncludes(c.script, { loadInclude: loaderFor(job.id) }) : [];
  return { errors, warnings: c.warnings ?? [] };
}

port.on('message', (m: ToWorker) => {
  if (m.type === 'include' || m.type === 'mailboxes') {
    const key = m.type === 'include' ? `${m.id}:include:${m.seq}` : `${m.id}:mailboxes`;
    const resolve = waiting.get(key);
    waiting.delete(key);
    resolve?.(m);
    return;
  }
  const work = m.type === 'run' ? run(m).then((r) => ({ run: r })) : check(m).then((r) => ({ check: r }));
  work.then(
    (r) => send({ type: 'done', id: m.id, ...r }),
    (err: unknown) => send({ type: 'failed', id: m.id, error: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
  );
});
