/**
 * The main thread's hard deadline at delivery: a Sieve worker that does not answer within
 * sieveMaxRunMs plus the grace is terminated and replaced, and the delivery goes on as after any
 * overrun (INBOX, the log entry, the notice, the pause). A worker that dies keeps the message too.
 * The workers here are stand-ins that misbehave on purpose (tests/helpers/fake-sieve-worker.ts):
 * the real worker's own budget stops every script before this deadline.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Notifier } from '../../server/delivery/notifier';
import { SieveStage } from '../../server/delivery/sieve-stage';
import type { LocalMessage } from '../../server/delivery/types';
import type { QueueEntry } from '../../server/queue/types';
import { SievePool } from '../../server/sieve/sieve-pool';
import { SieveScripts } from '../../server/sieve/scripts';
import { writeFakeSieveWorker } from '../helpers/fake-sieve-worker';
import { type TestEngine, startEngine } from '../helpers/engine';

describe('Sieve worker deadline at delivery', () => {
  let t: TestEngine;
  let dir: string;
  let pool: SievePool;
  let stage: SieveStage;
  const ctx = () => t.engine.ctx;
  const user = () => ctx().directory.userByName('user')!;
  const subjects = async (): Promise<string[]> => {
    const box = ctx().store.mailbox(user().id, 'INBOX');
    if (!box) return [];
    return Promise.all(ctx().store.messages(box.id).map(async (m) => /^Subject: (.*)\r$/m.exec((await ctx().store.readMessage(m)).toString())?.[1] ?? ''));
  };
  const errors = () => ctx().logs.tail.filter((e) => e.service === 'sieve' && e.severity === 'error' && e.user === 'user');

  /** Runs the stage on a message for the user, whose active script is named `scriptName`. */
  async function run(scriptName: string): Promise<LocalMessage> {
    await ctx().sieve.put(user().id, scriptName, 'keep;', { activate: true });
    const file = path.join(dir, `${scriptName}.eml`);
    fs.writeFileSync(file, `From: a@example.org\r\nSubject: ${scriptName}\r\n\r\nHello.\r\n`);
    const entry = { id: `q-${scriptName}`, file, localPrefix: 0, sender: 'a@example.org', size: fs.statSync(file).size } as QueueEntry;
    const m: LocalMessage = { entry, addedHeaders: [], targets: [{ address: `local:${user().id}`, original: 'user@example.test', user: user(), mailbox: 'INBOX', flags: [] }] };
    await stage.run(m);
    return m;
  }

  before(async () => {
    t = await startEngine({ settings: { sieveMaxRunMs: 50 }, users: [{ shortName: 'user', password: 'user-password' }] });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pillarbox-deadline-'));
    pool = new SievePool({ size: 1, workerFile: writeFakeSieveWorker(dir), graceMs: 100 });
    const scripts = new SieveScripts(ctx().db, () => ctx().settings.get(), pool);
    stage = new SieveStage(ctx(), scripts, ctx().logs.logger('sieve'), new Notifier(ctx().store, ctx().options.hostname));
  });
  after(async () => {
    await pool.close();
    await t.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a run that does not stop: the worker is terminated after 50 + 100 ms, the message kept, the user told, the script paused', async () => {
    const t0 = Date.now();
    const m = await run('spin');
    const took = Date.now() - t0;
    assert.ok(took >= 150 && took < 3000, `the stage took ${took} ms`);
    assert.equal(pool.terminated, 1);
    assert.equal(m.targets[0].outcome, undefined);
    assert.equal(m.targets[0].mailbox, 'INBOX');
    const [error] = errors();
    assert.match(error.text, /ran longer than its time budget/);
    assert.equal(error.limitMs, 50);
    assert.equal(error.queueId, 'q-spin');
    assert.match(String(error.error), /^the script did not stop within its 50 ms budget; its worker thread was terminated$/);
    assert.deepEqual(await subjects(), ['Your mail filter was stopped']);
    // Paused: the next message is not given to a worker at all.
    await run('ok');
    assert.equal(pool.started, 1, 'no worker was needed while the script is paused');
    assert.ok(ctx().logs.tail.some((e) => e.service === 'sieve' && e.user === 'user' && /suspended/.test(e.text)));
  });

  it('a worker that dies under a run: the message is kept, the error logged, the next run has a new worker', async () => {
    // A new stage forgets the pause.
    stage = new SieveStage(ctx(), new SieveScripts(ctx().db, () => ctx().settings.get(), pool), ctx().logs.logger('sieve'));
    const m = await run('exit');
    assert.equal(m.targets[0].outcome, undefined);
    assert.equal(m.targets[0].mailbox, 'INBOX');
    assert.ok(errors().some((e) => /worker thread stopped while it ran the script/.test(e.text) && e.queueId === 'q-exit'));
    const ok = await run('ok');
    assert.deepEqual(ok.targets[0].outcome, { status: 'delivered' }, 'the stand-in discards: the run happened');
  });
});
