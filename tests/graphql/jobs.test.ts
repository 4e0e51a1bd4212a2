import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startEngine, type TestEngine } from '../helpers/engine';
import { smtpSend } from '../helpers/smtp';
import { ham, spam } from '../junk/fixtures';
import { errorCode, gql, gqlOk, login } from './client';

interface Run {
  id: string;
  job: string;
  trigger: string;
  outcome: string;
  output: string;
  startedAt: string;
  finishedAt: string | null;
}

/**
 * The scheduler over GraphQL, with the seed's nightly junk training as the job: mail sent
 * by SMTP to junkmail and notjunkmail is learnt and the two inboxes emptied by runJob.
 */
describe('GraphQL jobs and the nightly junk training', () => {
  let t: TestEngine;
  let token: string;
  let monitor: string;
  const inbox = (name: string) => {
    const id = t.engine.ctx.directory.userByName(name)!.id;
    const box = t.engine.ctx.store.mailbox(id, 'INBOX');
    return box ? t.engine.ctx.store.messages(box.id).length : 0;
  };

  before(async () => {
    t = await startEngine({
      users: [
        { shortName: 'junkmail', password: 'junkmail-pw-1' },
        { shortName: 'notjunkmail', password: 'notjunkmail-pw-1' },
      ],
    });
    token = await login(t.ports.http);
    await gqlOk(t.ports.http, 'mutation { createAdmin(input: {username: "dash", password: "dashboard-pw-1", role: MONITOR}) { username } }', { token });
    monitor = await login(t.ports.http, 'dash', 'dashboard-pw-1');
  });
  after(() => t.stop());

  it('lists the jobs with their schedules and next runs', async () => {
    const data = await gqlOk<{ jobs: { totalCount: number; nodes: { name: string; schedule: string; scheduleSetting: string; enabled: boolean; nextRun: string | null; lastRun: Run | null }[] } }>(
      t.ports.http,
      '{ jobs { totalCount nodes { name schedule scheduleSetting enabled nextRun lastRun { id } } } }',
      { token: monitor },
    );
    const byName = Object.fromEntries(data.jobs.nodes.map((j) => [j.name, j]));
    assert.deepEqual(Object.keys(byName).sort(), ['backup', 'certificate-renewal', 'junk-training', 'list-bounces', 'list-digests', 'list-moderation', 'log-archive', 'repair', 'sieve-vacation-pruning', 'virus-database-update']);
    assert.equal(byName['junk-training'].schedule, '0 1 * * *');
    assert.equal(byName['junk-training'].scheduleSetting, 'junkTrainingSchedule');
    const next = new Date(byName['junk-training'].nextRun!);
    assert.equal(next.getHours(), 1);
    assert.equal(next.getMinutes(), 0);
    assert.equal(byName['junk-training'].lastRun, null);
    assert.equal(byName['virus-database-update'].enabled, false, 'virus scanning is off');
  });

  it('runJob junk-training learns the junkmail and notjunkmail inboxes and empties them', async () => {
    for (let i = 0; i < 6; i++) {
      await smtpSend(t.ports.smtp, 'deals@promo.example.biz', ['junkmail@example.test'], spam(i).toString('latin1'));
      await smtpSend(t.ports.smtp, 'bob@example.org', ['notjunkmail@example.test'], ham(i).toString('latin1'));
    }
    await smtpSend(t.ports.smtp, 'bob@example.org', ['notjunkmail@example.test'], ham(100).toString('latin1'));
    await t.engine.ctx.queue.idle();
    assert.equal(inbox('junkmail'), 6);
    assert.equal(inbox('notjunkmail'), 7);

    const denied = await gql(t.ports.http, 'mutation { runJob(input: {name: "junk-training"}) { run { id } } }', { token: monitor });
    assert.equal(errorCode(denied), 'FORBIDDEN');

    const { runJob } = await gqlOk<{ runJob: { run: Run } }>(t.ports.http, 'mutation { runJob(input: {name: "junk-training"}) { run { id job trigger outcome output startedAt finishedAt } } }', { token });
    assert.equal(runJob.run.outcome, 'OK');
    assert.equal(runJob.run.trigger, 'MANUAL');
    assert.match(runJob.run.output, /junkmail: 6 message\(s\) as spam: 6 learnt/);
    assert.match(runJob.run.output, /notjunkmail: 7 message\(s\) as ham: 7 learnt/);
    assert.ok(runJob.run.finishedAt);
    assert.equal(inbox('junkmail'), 0);
    assert.equal(inbox('notjunkmail'), 0);

    const stats = await gqlOk<{ junkStatistics: { spamLearnt: number; hamLearnt: number; tokens: number; lastTraining: { id: string } } }>(
      t.ports.http,
      '{ junkStatistics { spamLearnt hamLearnt tokens lastTraining { id } } }',
      { token: monitor },
    );
    assert.equal(stats.junkStatistics.spamLearnt, 6);
    assert.equal(stats.junkStatistics.hamLearnt, 7);
    assert.ok(stats.junkStatistics.tokens > 20);
    assert.equal(stats.junkStatistics.lastTraining.id, runJob.run.id);
  });

  it('records every run; the runs connection pages newest first', async () => {
    await gqlOk(t.ports.http, 'mutation { runJob(input: {name: "junk-training"}) { run { id } } }', { token });
    const page1 = await gqlOk<{ jobRuns: { totalCount: number; nodes: Run[]; pageInfo: { hasNextPage: boolean; endCursor: string } } }>(
      t.ports.http,
      '{ jobRuns(job: "junk-training", first: 1) { totalCount nodes { id output } pageInfo { hasNextPage endCursor } } }',
      { token: monitor },
    );
    assert.equal(page1.jobRuns.totalCount, 2);
    assert.match(page1.jobRuns.nodes[0].output, /junkmail: 0 message/);
    assert.ok(page1.jobRuns.pageInfo.hasNextPage);
    const page2 = await gqlOk<{ jobRuns: { nodes: Run[]; pageInfo: { hasNextPage: boolean } } }>(
      t.ports.http,
      `{ jobRuns(job: "junk-training", first: 1, after: "${page1.jobRuns.pageInfo.endCursor}") { nodes { id output } pageInfo { hasNextPage } } }`,
      { token: monitor },
    );
    assert.ok(Number(page2.jobRuns.nodes[0].id) < Number(page1.jobRuns.nodes[0].id));
    assert.equal(page2.jobRuns.pageInfo.hasNextPage, false);
    // `job: null` (as the console's Jobs pane sends it) is every job's runs, as no `job` is.
    const all = await gqlOk<{ jobRuns: { totalCount: number } }>(t.ports.http, '{ jobRuns { totalCount } }', { token: monitor });
    const nullJob = await gqlOk<{ jobRuns: { totalCount: number } }>(t.ports.http, 'query($job: String) { jobRuns(job: $job) { totalCount } }', { token: monitor, variables: { job: null } });
    assert.ok(all.jobRuns.totalCount >= 2);
    assert.equal(nullJob.jobRuns.totalCount, all.jobRuns.totalCount);
  });

  it('answers an unknown job with NOT_FOUND and a running one with JOB_RUNNING', async () => {
    assert.equal(errorCode(await gql(t.ports.http, 'mutation { runJob(input: {name: "nope"}) { run { id } } }', { token })), 'NOT_FOUND');
    assert.equal(errorCode(await gql(t.ports.http, '{ jobRuns(job: "nope") { totalCount } }', { token })), 'NOT_FOUND');
    // The freshclam job with an unreachable mirror fails quickly; started without waiting, a second start is refused.
    t.engine.ctx.settings.update({ virusDatabaseMirror: 'http://127.0.0.1:9', virusDatabaseDir: `${t.dataDir}/clamav` });
    const started = await gqlOk<{ runJob: { run: Run } }>(t.ports.http, 'mutation { runJob(input: {name: "virus-database-update", wait: false}) { run { id outcome } } }', { token });
    assert.equal(started.runJob.run.outcome, 'RUNNING');
    assert.equal(errorCode(await gql(t.ports.http, 'mutation { runJob(input: {name: "virus-database-update"}) { run { id } } }', { token })), 'JOB_RUNNING');
    await t.engine.ctx.jobs.idle('virus-database-update');
  });

  it('reschedules live when the schedule setting changes', async () => {
    await gqlOk(t.ports.http, 'mutation { updateSettings(input: {junkTrainingSchedule: "30 2 * * *"}) { junkTrainingSchedule } }', { token });
    const { job } = await gqlOk<{ job: { schedule: string; nextRun: string } }>(t.ports.http, '{ job(name: "junk-training") { schedule nextRun } }', { token });
    assert.equal(job.schedule, '30 2 * * *');
    assert.equal(new Date(job.nextRun).getHours(), 2);
    assert.equal(new Date(job.nextRun).getMinutes(), 30);
    const bad = await gql(t.ports.http, 'mutation { updateSettings(input: {junkTrainingSchedule: "at one"}) { junkTrainingSchedule } }', { token });
    assert.equal(errorCode(bad), 'INVALID_SETTING');
  });
});
