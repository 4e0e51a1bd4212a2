import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { AlertBoard, type AlertCondition } from '../../server/metrics/alerts';
import { Alerts } from '../../server/jobs/alerts';
import { queueGeneratedMail } from '../../server/queue/generated-mail';
import type { Settings } from '../../server/config/settings-schema';
import { type TestEngine, startEngine } from '../helpers/engine';
import { gqlOk, login } from '../graphql/client';
import { ALICE, userId } from '../imap/helpers';

const condition = (key: string, kind: AlertCondition['kind'] = 'disk-space'): AlertCondition => ({ key, kind, summary: key, details: key });

describe('alert board', () => {
  it('raises a condition once, keeps it while it stands, clears it when it is over', () => {
    const board = new AlertBoard();
    const events: string[] = [];
    board.on('alert', (a: { key: string; clearedAt?: Date }) => events.push(`${a.clearedAt ? 'cleared' : 'raised'} ${a.key}`));
    assert.equal(board.update([condition('disk-space:/a')], ['disk-space']).raised.length, 1);
    assert.equal(board.update([condition('disk-space:/a')], ['disk-space']).raised.length, 0);
    board.update([condition('disk-space:/a'), condition('virus-database', 'virus-database')], ['disk-space', 'virus-database']);
    // The virus database could not be looked at this time: its alert stands.
    board.update([], ['disk-space']);
    assert.deepEqual(board.active().map((a) => a.key), ['virus-database']);
    board.update([], ['virus-database']);
    assert.deepEqual(board.active(), []);
    assert.deepEqual(events, ['raised disk-space:/a', 'raised virus-database', 'cleared disk-space:/a', 'cleared virus-database']);
  });
});

describe('alerts in the engine', () => {
  let t: TestEngine;
  let token: string;
  const inbox = () => t.engine.ctx.store.mailbox(userId(t), 'INBOX')!.messageCount;
  /** Runs a check and waits for any alert mail it queued to be delivered. */
  const check = async (now?: number) => {
    const result = await t.engine.ctx.alerts.check(now);
    await t.engine.ctx.queue.idle();
    return result;
  };
  const update = async (settings: Partial<Settings>) => {
    t.engine.ctx.settings.update(settings);
    await check();
  };
  const active = () => t.engine.ctx.alerts.board.active().map((a) => a.key);

  before(async () => {
    t = await startEngine({ users: [ALICE], settings: { alertRecipient: 'alice', holdOutbound: true } });
    token = await login(t.ports.http);
  });
  after(() => t.stop());

  it('disk space below alertDiskFreeMb: mailed once, shown in the query and the subscription, cleared when the threshold is lowered', async () => {
    const client = createClient({ url: `ws://127.0.0.1:${t.ports.http}/graphql`, webSocketImpl: WebSocket, connectionParams: { Authorization: `Bearer ${token}` }, retryAttempts: 0 });
    try {
      const events = client.iterate<{ alerts: { key: string; kind: string; clearedAt: string | null } }>({ query: 'subscription { alerts { key kind summary clearedAt } }' });
      const subscribed = new Promise((r) => t.engine.ctx.alerts.board.once('newListener', () => setImmediate(r)));
      const first = events.next();
      await subscribed;
      const before = inbox();
      await update({ alertDiskFreeMb: 1_000_000_000 });
      assert.deepEqual(active(), [`disk-space:${t.dataDir}`]);
      assert.equal(inbox(), before + 1, 'the recipient is mailed');
      await check();
      assert.equal(inbox(), before + 1, 'once, not at every check');
      const raised = (await first).value?.data?.alerts;
      assert.deepEqual([raised?.kind, raised?.clearedAt], ['DISK_SPACE', null]);
      const query = await gqlOk<{ alerts: { key: string; summary: string }[] }>(t.ports.http, '{ alerts { key summary details raisedAt } }', { token });
      assert.match(query.alerts[0].summary, /^low disk space: \d+ MB free for /);

      const next = events.next();
      await update({ alertDiskFreeMb: 0 });
      assert.deepEqual(active(), []);
      const cleared = (await next).value?.data?.alerts;
      assert.equal(cleared?.key, `disk-space:${t.dataDir}`);
      assert.ok(cleared?.clearedAt);
      await events.return?.();
    } finally {
      await client.dispose();
    }
  });

  it('queue above alertQueueMessages, and its oldest message older than alertQueueAgeHours', async () => {
    for (const n of [1, 2]) {
      await queueGeneratedMail(t.engine.ctx.queue, {
        sender: '',
        recipients: [{ address: `far${n}@remote.example`, original: `far${n}@remote.example` }],
        client: 'test',
        content: Buffer.from(`Subject: waiting ${n}\r\n\r\nheld for the alert test\r\n`),
      });
    }
    await t.engine.ctx.queue.idle();
    const before = inbox();
    await update({ alertQueueMessages: 1, alertQueueAgeHours: 2 });
    assert.deepEqual(active(), ['queue-size']);
    assert.equal(inbox(), before + 1);
    await check(Date.now() + 3 * 3_600_000);
    assert.deepEqual(active(), ['queue-size', 'queue-age']);
    await check();
    assert.deepEqual(active(), ['queue-size'], 'the age alert clears');
    await update({ alertQueueMessages: 5 });
    assert.deepEqual(active(), []);
    for (const e of t.engine.ctx.queue.entries()) await t.engine.ctx.queue.remove(e.id);
  });

  it('a job failing alertJobFailures times in a row', async () => {
    let fail = true;
    t.engine.ctx.jobs.register({
      name: 'test-flaky',
      description: 'fails while told to',
      scheduleSetting: 'virusUpdateSchedule',
      enabled: () => false,
      run: () => (fail ? Promise.reject(new Error('flaked')) : Promise.resolve('fine')),
    });
    await t.engine.ctx.jobs.runNow('test-flaky').catch(() => undefined);
    await check();
    assert.deepEqual(active(), [], 'one failure is not yet an alert');
    await t.engine.ctx.jobs.runNow('test-flaky').catch(() => undefined);
    const { raised } = await check();
    assert.deepEqual(active(), ['job-failing:test-flaky']);
    assert.match(raised[0].details, /flaked/);
    await update({ alertJobFailures: 3 });
    assert.deepEqual(active(), [], 'the threshold takes effect at once');
    await update({ alertJobFailures: 2 });
    fail = false;
    await t.engine.ctx.jobs.runNow('test-flaky');
    await check();
    assert.deepEqual(active(), []);
  });

  it('a virus database older than alertVirusDatabaseAgeDays, while scanning is on', async () => {
    let date: Date | undefined = new Date(Date.now() - 5 * 86_400_000);
    let settings: Settings = { ...t.engine.ctx.settings.get(), virusScanEnabled: true, alertDiskFreeMb: 0, alertQueueMessages: 0, alertQueueAgeHours: 0, alertJobFailures: 0 };
    const { ctx } = t.engine;
    const alerts = new Alerts(
      { options: ctx.options, settings: () => settings, queue: ctx.queue, jobs: ctx.jobs, directory: ctx.directory, mailPaths: () => [], virusDatabaseDate: async () => date },
      ctx.logs.logger('server'),
    );
    const before = inbox();
    const { raised } = await alerts.check();
    await ctx.queue.idle();
    assert.deepEqual(raised.map((a) => a.key), ['virus-database']);
    assert.match(raised[0].summary, /^the virus database is 5 days old$/);
    assert.equal(inbox(), before + 1);
    date = undefined;
    await alerts.check();
    assert.equal(alerts.board.active().length, 1, 'clamd could not say: the alert stands');
    settings = { ...settings, alertVirusDatabaseAgeDays: 7 };
    date = new Date(Date.now() - 5 * 86_400_000);
    await alerts.check();
    assert.equal(alerts.board.active().length, 0);
    settings = { ...settings, alertVirusDatabaseAgeDays: 3, virusScanEnabled: false };
    assert.equal((await alerts.check()).raised.length, 0, 'no alert while scanning is off');
  });
});
