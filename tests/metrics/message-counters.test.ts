import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../../server/db/database';
import { MessageCounters } from '../../server/metrics/message-counters';
import { type TestEngine, startEngine } from '../helpers/engine';
import { simpleMessage, smtpSend } from '../helpers/smtp';
import { errorCode, gql, gqlOk, login } from '../graphql/client';
import { ALICE } from '../imap/helpers';

const MINUTE = 60_000;

describe('message counters (unit)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pillarbox-counters-'));
  const db = openDatabase(path.join(dir, 'test.db'));
  let now = Date.UTC(2026, 11, 1, 10, 0, 30);
  const counters = new MessageCounters(db, () => now);
  after(() => {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('counts per minute, in memory until flushed, and adds to rows already written', () => {
    counters.count('received');
    counters.count('rejected', 'relay-denied', 2);
    now += MINUTE;
    counters.count('received');
    const start = Date.UTC(2026, 11, 1, 10, 0);
    let series = counters.series(start, start + 10 * MINUTE, MINUTE);
    assert.deepEqual(
      series.map((s) => [s.counter, s.label, [...s.points]]),
      [
        ['received', '', [[start, 1], [start + MINUTE, 1]]],
        ['rejected', 'relay-denied', [[start, 2]]],
      ],
    );
    counters.flush();
    assert.equal((db.prepare('SELECT COUNT(*) AS n FROM message_counts').get() as { n: number }).n, 3);
    counters.count('received');
    counters.flush();
    series = counters.series(start, start + 10 * MINUTE, 10 * MINUTE, ['received']);
    assert.deepEqual(series.map((s) => [s.counter, [...s.points]]), [['received', [[start, 3]]]]);
    assert.equal(counters.total('received'), 3);
    assert.deepEqual(counters.sinceStart().find((c) => c.counter === 'rejected'), { counter: 'rejected', label: 'relay-denied', value: 2 });
  });

  it('rolls minutes up into hours after a day, and prunes after 30 days', () => {
    // The rows: 10:00 received 1 and rejected 2, 10:01 received 2; it is 10:01:30.
    const start = Date.UTC(2026, 11, 1, 10, 0);
    now += 30 * 86_400_000 - 2 * MINUTE;
    counters.count('relayed');
    counters.flush();
    assert.equal(counters.prune(), 1, 'the 10:01 minute is rolled into the 10:00 hour');
    const series = counters.series(start, start + 60 * MINUTE, MINUTE, ['received']);
    assert.deepEqual([...series[0].points], [[start, 3]]);
    now += 2 * MINUTE;
    assert.equal(counters.prune(), 2, 'the 10:00 hour goes after 30 days');
    assert.equal(counters.prune(), 0);
    const rows = db.prepare('SELECT counter FROM message_counts').all() as { counter: string }[];
    assert.deepEqual(rows, [{ counter: 'relayed' }]);
  });
});

interface Series {
  counter: string;
  label: string;
  total: number;
  points: { time: string; value: number }[];
}

describe('message counters through SMTP and GraphQL', () => {
  let t: TestEngine;
  let token: string;
  before(async () => {
    t = await startEngine({ users: [ALICE] });
    const admin = await login(t.ports.http);
    await gqlOk(t.ports.http, 'mutation { createAdmin(input: {username: "grafana", password: "grafana-password", role: MONITOR}) { username } }', { token: admin });
    token = await login(t.ports.http, 'grafana', 'grafana-password');
  });
  after(() => t.stop());

  it('counts what SMTP and delivery did, and the monitor role reads the series', async () => {
    const from = new Date(Date.now() - MINUTE).toISOString();
    const done = once(t.engine.ctx.queue, 'done');
    const sent = await smtpSend(t.ports.smtp, 'bob@example.org', ['alice@mail.example.test', 'nobody@mail.example.test', 'carol@elsewhere.example'], simpleMessage('counted'));
    assert.match(sent.data ?? '', /^250 /);
    assert.match(sent.rcpt[1], /^550 /);
    assert.match(sent.rcpt[2], /^554 /);
    await done;
    const data = await gqlOk<{ messageCounts: Series[]; serviceStatus: { messages: Record<string, number> } }>(
      t.ports.http,
      `{ messageCounts(from: "${from}", step: MINUTE) { counter label total points { time value } }
         serviceStatus { messages { received delivered relayed rejected } } }`,
      { token },
    );
    const totals = Object.fromEntries(data.messageCounts.map((s) => [`${s.counter}${s.label ? ':' + s.label : ''}`, s.total]));
    // Connections opened, by protocol: the one SMTP session.
    assert.equal(totals['CONNECTIONS:SMTP'], 1);
    for (const key of Object.keys(totals)) if (key.startsWith('CONNECTIONS:')) delete totals[key];
    assert.deepEqual(totals, { DELIVERED: 1, RECEIVED: 1, 'REJECTED:RELAY_DENIED': 1, 'REJECTED:UNKNOWN_USER': 1 });
    const received = data.messageCounts.find((s) => s.counter === 'RECEIVED')!;
    assert.ok(received.points.length >= 1 && received.points.every((p) => Date.parse(p.time) % MINUTE === 0));
    assert.deepEqual(data.serviceStatus.messages, { received: 1, delivered: 1, relayed: 0, rejected: 2 });

    // Once written to the database the answer is the same.
    t.engine.ctx.counters.flush();
    const again = await gqlOk<{ messageCounts: Series[] }>(t.ports.http, `{ messageCounts(from: "${from}", step: DAY, counters: [REJECTED]) { counter label total } }`, { token });
    assert.deepEqual(again.messageCounts.map((s) => [s.label, s.total]), [['RELAY_DENIED', 1], ['UNKNOWN_USER', 1]]);
  });

  it('refuses a range that ends before it starts, or has too many points', async () => {
    const backwards = await gql(t.ports.http, '{ messageCounts(from: "2026-12-02T00:00:00Z", to: "2026-12-01T00:00:00Z") { total } }', { token });
    assert.equal(errorCode(backwards), 'BAD_USER_INPUT');
    const tooMany = await gql(t.ports.http, '{ messageCounts(from: "2020-01-01T00:00:00Z", step: MINUTE) { total } }', { token });
    assert.equal(errorCode(tooMany), 'BAD_USER_INPUT');
  });
});
