import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startEngine, type TestEngine } from '../helpers/engine';
import { errorCode, gql, gqlOk, login } from '../graphql/client';
import { DnsServer, SmtpSink, loopbackNet, missingPeers } from '../outbound/peers';
import { header, inbox, mail } from './helpers';

const skip = missingPeers();
const LIST = 'ops@example.test';
const DAY = 24 * 3600_000;

interface Member {
  address: string;
  delivery: string;
  deliveryReason: string;
  bounceScore: number;
  lastBounceDay: string | null;
  bounceWarningsLeft: number | null;
  nextBounceWarning: string | null;
}

/**
 * Issue 11's bounce walk-through: a remote member whose server refuses every message (a real
 * SMTP server answering 550 at RCPT) bounces; the engine's own delivery report comes back to
 * the list's -bounces address and is scored as Mailman 2.1 scores it (hard 1.0 a day, stale
 * scores restart); at the threshold delivery is disabled, the member and the owner are told,
 * the daily job sends the remaining notices and then removes the member.
 */
describe('list bounce processing: scored, disabled at the threshold, warned, removed', { skip }, () => {
  const ip = loopbackNet();
  let dns: DnsServer;
  let refusing: SmtpSink;
  let t: TestEngine;
  let token: string;

  before(async () => {
    dns = await DnsServer.start([`--mx-host=gone.test,mx.gone.test,10`, `--host-record=mx.gone.test,${ip(3)}`]);
    refusing = await SmtpSink.start(ip(3), 25, { flags: ['-f', 'RCPT', '-B', '550 5.1.1 No such user here'] });
    t = await startEngine({
      dns: dns.address,
      users: [
        { shortName: 'alice', password: 'alice-password-1', fullName: 'Alice' },
        { shortName: 'bob', password: 'bob-password-1', fullName: 'Bob' },
      ],
      settings: { listsEnabled: true, inboundAuthChecks: false },
    });
    token = await login(t.ports.http);
    await gqlOk(t.ports.http, `mutation { createList(input: { name: "ops", domain: "example.test", owners: ["alice"], bounceScoreThreshold: 2, bounceWarnings: 2, bounceWarningIntervalDays: 3 }) { id } }`, { token });
    await gqlOk(t.ports.http, `mutation { addListMembers(input: { list: "${LIST}", members: [{ address: "bob@example.test" }, { address: "Left@gone.test" }], welcome: false }) { added } }`, { token });
  });

  after(async () => {
    await t?.stop();
    await refusing?.stop();
    await dns?.stop();
  });

  const member = async (address: string): Promise<Member | undefined> => {
    const { listMembers } = await gqlOk<{ listMembers: { nodes: Member[] } }>(
      t.ports.http,
      `{ listMembers(list: "${LIST}", search: "${address}") { nodes { address delivery deliveryReason bounceScore lastBounceDay bounceWarningsLeft nextBounceWarning } } }`,
      { token },
    );
    return listMembers.nodes[0];
  };
  const setMember = (sql: string, ...values: unknown[]) => t.engine.ctx.db.prepare(`UPDATE list_members SET ${sql} WHERE address = 'left@gone.test'`).run(...values);
  const dayBefore = (days: number) => new Date(Date.now() - days * DAY).toISOString().slice(0, 10);
  const post = async (subject: string) => {
    await mail(t, 'bob@example.test', LIST, subject);
    await t.engine.ctx.queue.idle();
  };
  const ownerMail = async (subject: RegExp) => (await inbox(t, 'alice')).filter((m) => subject.test(header(m, 'Subject') ?? ''));
  const runJob = async () =>
    (await gqlOk<{ runJob: { run: { outcome: string; output: string } } }>(t.ports.http, 'mutation { runJob(input: {name: "list-bounces"}) { run { outcome output } } }', { token })).runJob.run;

  it('the list settings take bounce parameters, checked', async () => {
    const { list } = await gqlOk<{ list: Record<string, unknown> }>(
      t.ports.http,
      `{ list(address: "${LIST}") { bounceProcessing bounceScoreThreshold bounceStaleDays bounceWarnings bounceWarningIntervalDays bounceNotifyOwnerOnDisable bounceNotifyOwnerOnRemoval } }`,
      { token },
    );
    assert.deepEqual(list, { bounceProcessing: true, bounceScoreThreshold: 2, bounceStaleDays: 7, bounceWarnings: 2, bounceWarningIntervalDays: 3, bounceNotifyOwnerOnDisable: true, bounceNotifyOwnerOnRemoval: true });
    const bad = await gql(t.ports.http, `mutation { updateList(input: { list: "${LIST}", bounceScoreThreshold: 0 }) { id } }`, { token });
    assert.equal(errorCode(bad), 'INVALID_SETTING');
  });

  it('a hard bounce counts 1.0, once a day', async () => {
    await post('First');
    assert.deepEqual(await member('left@'), { address: 'left@gone.test', delivery: 'ENABLED', deliveryReason: '', bounceScore: 1, lastBounceDay: dayBefore(0), bounceWarningsLeft: null, nextBounceWarning: null });
    await post('Second, same day');
    assert.equal((await member('left@'))?.bounceScore, 1, 'the second bounce of the day is not counted');
    assert.equal((await ownerMail(/./)).length, 0, 'bounces of members are not passed on to the owner');
  });

  it('a score whose last bounce is older than bounceStaleDays starts again', async () => {
    setMember('last_bounce_day = ?', dayBefore(8));
    await post('After a quiet week');
    assert.equal((await member('left@'))?.bounceScore, 1);
  });

  it('at the threshold delivery is disabled; the member gets the first notice and the owner is told', async () => {
    setMember('last_bounce_day = ?', dayBefore(1));
    await post('Over the threshold');
    const m = (await member('left@')) as Member;
    assert.equal(m.delivery, 'BY_BOUNCES');
    assert.equal(m.bounceScore, 2);
    assert.match(m.deliveryReason, /score 2, last: 5\.1\.1/);
    assert.equal(m.bounceWarningsLeft, 1);
    assert.ok(Math.abs(new Date(m.nextBounceWarning!).getTime() - (Date.now() + 3 * DAY)) < 60_000, 'the next notice in 3 days');
    const [notice] = await ownerMail(/^Delivery to Left@gone\.test on ops@example\.test disabled by bounces$/);
    assert.ok(notice, 'the owner is told');
    assert.equal(header(notice, 'Auto-Submitted'), 'auto-generated');
    // The member's notice went to its address (which bounces too: counted as "already disabled").
    const sent = t.engine.ctx.db.prepare(`SELECT COUNT(*) AS n FROM queue`).get() as { n: number };
    assert.equal(sent.n, 0, 'nothing left in the queue');
    await post('While disabled');
    assert.equal((await member('left@'))?.bounceScore, 2, 'no copies go to a disabled member, so nothing bounces');
    // bob, the other member, still gets every post.
    assert.equal((await inbox(t, 'bob')).filter((msg) => header(msg, 'Subject') === '[ops] While disabled').length, 1);
  });

  it('the job sends the remaining notice when it is due, then removes the member and tells the owner', async () => {
    assert.match((await runJob()).output, /^0 bounce notice\(s\) sent, 0 member\(s\) removed$/, 'nothing is due yet');
    setMember('next_bounce_warning = ?', Date.now() - 1000);
    const second = await runJob();
    assert.equal(second.outcome, 'OK');
    assert.equal(second.output, '1 bounce notice(s) sent, 0 member(s) removed');
    assert.equal((await member('left@'))?.bounceWarningsLeft, 0);
    setMember('next_bounce_warning = ?', Date.now() - 1000);
    assert.equal((await runJob()).output, '0 bounce notice(s) sent, 1 member(s) removed');
    assert.equal(await member('left@'), undefined, 'removed');
    await t.engine.ctx.queue.idle();
    assert.equal((await ownerMail(/^Left@gone\.test removed from ops@example\.test after bounces$/)).length, 1, (await inbox(t, 'alice')).map((m) => header(m, 'Subject')).join(' | '));
  });

  it('turning delivery on again clears the bounce record', async () => {
    await gqlOk(t.ports.http, `mutation { addListMembers(input: { list: "${LIST}", members: [{ address: "left@gone.test" }], welcome: false }) { added } }`, { token });
    setMember(`delivery = 'by-bounces', bounce_score = 5, last_bounce_day = ?, bounce_warnings_left = 1, next_bounce_warning = ?`, dayBefore(0), Date.now() + DAY);
    await gqlOk(t.ports.http, `mutation { updateListMember(input: { list: "${LIST}", address: "left@gone.test", delivery: ENABLED }) { address } }`, { token });
    assert.deepEqual(await member('left@'), { address: 'left@gone.test', delivery: 'ENABLED', deliveryReason: '', bounceScore: 0, lastBounceDay: null, bounceWarningsLeft: null, nextBounceWarning: null });
  });

  it('with bounce processing off, bounces go to the owners as they come', async () => {
    await gqlOk(t.ports.http, `mutation { updateList(input: { list: "${LIST}", bounceProcessing: false }) { id } }`, { token });
    const before = (await inbox(t, 'alice')).length;
    await post('Unscored');
    const passed = (await inbox(t, 'alice')).slice(before);
    assert.equal(passed.length, 1);
    assert.equal(header(passed[0], 'Return-Path'), '<>');
    assert.match(passed[0], /550 5\.1\.1/);
    assert.equal((await member('left@'))?.bounceScore, 0);
  });
});
