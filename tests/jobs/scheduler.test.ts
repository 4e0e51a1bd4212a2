import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SettingsService } from '../../server/config/settings';
import type { SettingKey } from '../../server/config/settings-schema';
import { type Db, openDatabase } from '../../server/db/database';
import { RunLog, type JobRun } from '../../server/jobs/run-log';
import { JobError, Scheduler } from '../../server/jobs/scheduler';
import { silentLogger } from '../../server/logs/logger';

/** The scheduler over a real database: cron runs, recorded runs, no overlap, run now, live rescheduling. */
describe('scheduler', () => {
  let dir: string;
  let db: Db;
  let settings: SettingsService;
  let scheduler: Scheduler;
  let release: () => void = () => undefined;
  let calls = 0;
  let fail = false;
  // The scheduler's timers do not keep a process alive (the engine's listeners do); this does.
  let keepAlive: NodeJS.Timeout;

  before(() => {
    keepAlive = setInterval(() => undefined, 1000);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pillarbox-jobs-'));
    db = openDatabase(path.join(dir, 'test.db'));
    settings = new SettingsService(db);
    settings.update({ junkTrainingSchedule: '' });
    scheduler = new Scheduler(new RunLog(db), () => settings.get(), silentLogger());
    scheduler.register({
      name: 'demo',
      description: 'a test job',
      scheduleSetting: 'junkTrainingSchedule',
      run: async () => {
        calls++;
        await new Promise<void>((r) => (release = r));
        if (fail) throw new Error('it went wrong\nsecond line');
        return `run ${calls} done`;
      },
    });
    settings.on('change', (changed: SettingKey[]) => scheduler.reconfigure(new Set(changed)));
    scheduler.start();
  });
  after(async () => {
    release();
    await scheduler.stop();
    db.close();
    clearInterval(keepAlive);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('runs on demand, records the run, and refuses a second run while one is going', async () => {
    const started = once(scheduler, 'started');
    const running = scheduler.runNow('demo');
    const [first] = (await started) as [JobRun];
    assert.equal(first.outcome, 'running');
    assert.equal(scheduler.job('demo')!.running, true);
    assert.throws(() => scheduler.runNow('demo'), (e: unknown) => e instanceof JobError && e.code === 'JOB_RUNNING');
    release();
    const run = await running;
    assert.equal(run.outcome, 'ok');
    assert.equal(run.output, 'run 1 done');
    assert.equal(run.trigger, 'manual');
    assert.ok(run.finishedAt! >= run.startedAt);
    assert.deepEqual(scheduler.log.runs('demo').map((r) => r.id), [run.id]);
    assert.throws(() => scheduler.runNow('nope'), (e: unknown) => e instanceof JobError && e.code === 'JOB_NOT_FOUND');
  });

  it('records a failure with its message', async () => {
    fail = true;
    const p = scheduler.runNow('demo');
    release();
    const run = await p;
    fail = false;
    assert.equal(run.outcome, 'failed');
    assert.equal(run.output, 'it went wrong\nsecond line');
    assert.equal(scheduler.job('demo')!.lastRun!.id, run.id);
  });

  it('follows its schedule setting live, and skips a tick while the job still runs', async () => {
    assert.equal(scheduler.job('demo')!.nextRun, null, 'empty schedule: never');
    settings.update({ junkTrainingSchedule: '0 1 * * *' });
    const next = scheduler.job('demo')!.nextRun!;
    assert.equal(next.getHours(), 1);
    assert.equal(next.getMinutes(), 0);
    assert.ok(next.getTime() - Date.now() <= 24 * 3600_000);
    // Every second: the first tick starts a run; ticks during it are skipped, not stacked.
    const before = calls;
    const started = once(scheduler, 'started');
    settings.update({ junkTrainingSchedule: '* * * * * *' });
    const [run] = (await started) as [JobRun];
    assert.equal(run.trigger, 'schedule');
    await new Promise((r) => setTimeout(r, 2200));
    assert.equal(calls, before + 1, 'no overlapping run');
    settings.update({ junkTrainingSchedule: '' });
    const finished = once(scheduler, 'finished');
    release();
    await finished;
    assert.equal(scheduler.job('demo')!.nextRun, null);
  });

  it('asks a running job to stop when the scheduler stops (SIGTERM), and records how it ended', async () => {
    const other = new Scheduler(new RunLog(db), () => settings.get(), silentLogger());
    other.register({
      name: 'long',
      description: 'runs until told to stop',
      scheduleSetting: 'virusUpdateSchedule',
      run: (signal) => new Promise<string>((_, reject) => signal.addEventListener('abort', () => reject(new Error('stopped with the engine')))),
    });
    other.start();
    const run = other.runNow('long');
    await other.stop();
    const finished = await run;
    assert.equal(finished.outcome, 'failed');
    assert.equal(finished.output, 'stopped with the engine');
  });

  it('tries a failed job with a retry again, with back-off, until a run succeeds', async () => {
    let attempts = 0;
    const triggers: string[] = [];
    const retrying = new Scheduler(new RunLog(db), () => settings.get(), silentLogger());
    retrying.register({
      name: 'flaky',
      description: 'fails three times',
      scheduleSetting: 'repairSchedule',
      retry: { firstDelayMs: 20, maxDelayMs: 60 },
      run: async (_signal, control) => {
        triggers.push(control.trigger);
        if (++attempts <= 3) throw new Error(`attempt ${attempts} failed`);
        return 'fine at last';
      },
    });
    retrying.start();
    try {
      const gaps: number[] = [];
      let last = Date.now();
      const finished: JobRun[] = [];
      const done = new Promise<void>((resolve) =>
        retrying.on('finished', (run: JobRun) => {
          finished.push(run);
          if (run.outcome === 'ok') resolve();
        }),
      );
      retrying.on('started', () => {
        gaps.push(Date.now() - last);
        last = Date.now();
      });
      const first = await retrying.runNow('flaky');
      assert.equal(first.outcome, 'failed');
      assert.ok(retrying.job('flaky')!.nextRun, 'the retry shows as the next run');
      await done;
      assert.deepEqual(triggers, ['manual', 'retry', 'retry', 'retry']);
      assert.deepEqual(finished.map((r) => r.outcome), ['failed', 'failed', 'failed', 'ok']);
      // 20, 40, then 60 ms (capped): each wait at least as long as planned.
      assert.ok(gaps[1] >= 19 && gaps[2] >= 39 && gaps[3] >= 59, JSON.stringify(gaps));
      assert.equal(retrying.job('flaky')!.nextRun, null, 'no retry after a success (and no schedule)');
    } finally {
      await retrying.stop();
    }
  });

  it('marks runs an earlier engine left unfinished as failed', () => {
    const log = new RunLog(db);
    const id = log.begin('demo', 'schedule');
    log.abandonUnfinished();
    const run = log.run(id)!;
    assert.equal(run.outcome, 'failed');
    assert.match(run.output, /engine stopped/);
  });

  it('passes a hand-started run its options, and shows its progress while it runs', async () => {
    let report: ((done: number) => void) | undefined;
    let finish: () => void = () => undefined;
    let seenOptions: Readonly<Record<string, unknown>> | undefined;
    scheduler.register({
      name: 'steps',
      description: 'reports progress',
      scheduleSetting: 'sieveVacationPruneSchedule',
      run: async (_signal, control) => {
        seenOptions = control.options;
        report = (done) => control.progress({ done, total: 3, step: 'counting' });
        await new Promise<void>((r) => (finish = r));
        return 'counted';
      },
    });
    const started = once(scheduler, 'started');
    const running = scheduler.runNow('steps', { thorough: true });
    const [run] = (await started) as [JobRun];
    assert.deepEqual(seenOptions, { thorough: true });
    assert.equal(scheduler.job('steps')!.progress, undefined);
    const progressed = once(scheduler, 'progress');
    report!(2);
    const [event] = (await progressed) as [{ run: JobRun; progress: unknown }];
    assert.equal(event.run.id, run.id);
    assert.deepEqual(event.progress, { done: 2, total: 3, step: 'counting' });
    assert.deepEqual(scheduler.job('steps')!.progress, { done: 2, total: 3, step: 'counting' });
    assert.deepEqual(scheduler.progressOf('steps', run.id), { done: 2, total: 3, step: 'counting' });
    assert.equal(scheduler.progressOf('steps', run.id + 1), undefined);
    finish();
    assert.equal((await running).output, 'counted');
    assert.equal(scheduler.job('steps')!.progress, undefined, 'no progress once finished');
  });
});
