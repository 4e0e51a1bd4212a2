import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startEngine, type TestEngine } from '../helpers/engine';
import { errorCode, gql, gqlOk, login } from '../graphql/client';
import { header, inbox, mail, members, qpBody } from './helpers';

const LIST = 'team@example.test';
const NOTICE = /^team@example\.test post from (\S+) requires approval$/;

/**
 * Issue 11's moderation rules: moderators, non-member sender rules, moderated members and
 * lists, bans, moderation by replying to the notice or by -request commands, deferral, and the
 * moderators' daily summary (the list-moderation job).
 */
describe('list moderation: rules, notices with tokens, moderation by mail, bans, daily summary', () => {
  let t: TestEngine;
  let token: string;

  before(async () => {
    t = await startEngine({
      users: ['alice', 'mod', 'bob', 'carol', 'dave', 'frank', 'grace'].map((n) => ({ shortName: n, password: `${n}-password-1`, fullName: n })),
      settings: { listsEnabled: true, inboundAuthChecks: false },
    });
    token = await login(t.ports.http);
    await gqlOk(t.ports.http, `mutation { createList(input: { name: "team", domain: "example.test", owners: ["alice"], moderators: ["mod"], selfSubscribe: true, nonMemberAction: HOLD }) { id } }`, { token });
    await gqlOk(t.ports.http, `mutation { addListMembers(input: { list: "${LIST}", members: [{ address: "bob@example.test" }, { address: "carol@example.test" }], welcome: false }) { added } }`, { token });
  });
  after(() => t?.stop());

  const withSubject = async (user: string, re: RegExp) => (await inbox(t, user)).filter((m) => re.test(header(m, 'Subject') ?? ''));
  const posts = (user: string, subject: string) => withSubject(user, new RegExp(`^\\[team\\] ${subject}$`));
  /** The moderation token of the newest notice about `subject` in the moderator's INBOX. */
  const noticeToken = async (user: string, subject: string) => {
    const notice = (await withSubject(user, NOTICE)).filter((m) => qpBody(m).includes(`Subject: ${subject}`)).pop();
    assert.ok(notice, `${user} has a moderation notice about "${subject}"`);
    return /^team-confirm\+([0-9a-f]{32})@example\.test$/.exec(header(notice, 'Reply-To') ?? '')![1];
  };
  const update = (fields: string) => gqlOk(t.ports.http, `mutation { updateList(input: { list: "${LIST}", ${fields} }) { id } }`, { token });
  const held = async () =>
    (await gqlOk<{ heldPosts: { id: number; subject: string; reason: string; deferred: boolean }[] }>(t.ports.http, `{ heldPosts(list: "${LIST}") { id subject reason deferred } }`, { token })).heldPosts;

  it('a non-member\u2019s post is held; the owner and the moderator get a notice; the moderator\u2019s reply "approve" sends it', async () => {
    await mail(t, 'dave@example.test', LIST, 'Outsider idea', 'An idea from outside.');
    assert.deepEqual((await held()).map((p) => p.subject), ['Outsider idea']);
    assert.equal((await withSubject('dave', /awaits moderator approval/)).length, 1, 'the poster is told');
    for (const user of ['alice', 'mod']) {
      const [notice] = await withSubject(user, NOTICE);
      assert.ok(notice, `${user} is notified`);
      assert.equal(NOTICE.exec(header(notice, 'Subject')!)![1], 'dave@example.test');
      assert.match(qpBody(notice), /Reason: posts from non-members are not accepted without approval/);
      assert.match(qpBody(notice), /> An idea from outside\./, 'the notice quotes the post');
    }
    const tok = await noticeToken('mod', 'Outsider idea');
    await mail(t, 'mod@example.test', `team-confirm+${tok}@example.test`, 'Re: team@example.test post from dave@example.test requires approval', 'approve\r\n\r\n> A post to team@example.test is held');
    assert.equal((await posts('bob', 'Outsider idea')).length, 1);
    assert.equal((await posts('carol', 'Outsider idea')).length, 1);
    assert.deepEqual(await held(), []);
    const [answer] = await withSubject('mod', /^Your confirmation to team@example\.test$/);
    assert.match(qpBody(answer), /was approved and sent to the members/);
    // The same reply again: the token is spent.
    await mail(t, 'mod@example.test', `team-confirm+${tok}@example.test`, 'Re: again', 'approve');
    assert.equal((await posts('bob', 'Outsider idea')).length, 1, 'sent once');
    assert.match(qpBody((await withSubject('mod', /^Your confirmation to team@example\.test$/))[1]), /This confirmation token is not valid/, 'a spent token is no token any more');
    await mail(t, 'mod@example.test', 'team-request@example.test', 'again', `approve ${tok}`);
    assert.match(qpBody((await withSubject('mod', /^The results of your email commands$/))[0]), /No held post has this token/);
  });

  it('sender rules: the first matching pattern accepts, rejects or discards; bad patterns are refused', async () => {
    const bad = await gql(t.ports.http, `mutation { updateList(input: { list: "${LIST}", senderRules: [{ pattern: "^(a)\\\\1", action: HOLD }] }) { id } }`, { token });
    assert.equal(errorCode(bad), 'INVALID_SETTING', 'back-references cannot run in linear time');
    assert.equal(errorCode(await gql(t.ports.http, `mutation { updateList(input: { list: "${LIST}", bans: ["not an address"] }) { id } }`, { token })), 'INVALID_SETTING');
    await update(`senderRules: [{ pattern: "^(a+)+$", action: DISCARD }, { pattern: "^dave@", action: REJECT }, { pattern: "FRANK@example.test", action: ACCEPT }, { pattern: "^.*@example\\\\.test$", action: DISCARD }]`);
    const { list } = await gqlOk<{ list: { senderRules: { pattern: string; action: string }[] } }>(t.ports.http, `{ list(address: "${LIST}") { senderRules { pattern action } } }`, { token });
    assert.deepEqual(list.senderRules.map((r) => r.action), ['DISCARD', 'REJECT', 'ACCEPT', 'DISCARD']);
    await mail(t, 'frank@example.test', LIST, 'Accepted by rule');
    assert.equal((await posts('bob', 'Accepted by rule')).length, 1, 'an exact address, without regard to case');
    await mail(t, 'dave@example.test', LIST, 'Rejected by rule');
    assert.equal((await posts('bob', 'Rejected by rule')).length, 0);
    const [rejected] = await withSubject('dave', /was rejected$/);
    assert.match(qpBody(rejected), /the list accepts posts from its members only/);
    await mail(t, 'grace@example.test', LIST, 'Discarded by rule');
    assert.equal((await posts('bob', 'Discarded by rule')).length, 0);
    assert.equal((await inbox(t, 'grace')).length, 0, 'a discard tells nobody');
    assert.deepEqual(await held(), []);
    await mail(t, 'bob@example.test', LIST, 'Members are not ruled');
    assert.equal((await posts('carol', 'Members are not ruled')).length, 1);
    await update('senderRules: []');
  });

  it('a member who may not post is held; "reject TOKEN reason" to -request tells the poster', async () => {
    const m = await gqlOk<{ updateListMember: { mayPost: boolean } }>(t.ports.http, `mutation { updateListMember(input: { list: "${LIST}", address: "carol@example.test", mayPost: false }) { mayPost } }`, { token });
    assert.equal(m.updateListMember.mayPost, false);
    await mail(t, 'carol@example.test', LIST, 'Moderated member');
    const [post] = await held();
    assert.equal(post.reason, 'your posts to this list are reviewed by a moderator');
    const tok = await noticeToken('alice', 'Moderated member');
    await mail(t, 'alice@example.test', 'team-request@example.test', 'moderation', `reject ${tok} off topic here\r\nend`);
    assert.deepEqual(await held(), []);
    assert.equal((await posts('bob', 'Moderated member')).length, 0);
    const [notice] = await withSubject('carol', /was rejected$/);
    assert.match(qpBody(notice), /Reason: off topic here\./);
    const [results] = await withSubject('alice', /^The results of your email commands$/);
    assert.match(qpBody(results), /was rejected; the poster has been told/);
    await gqlOk(t.ports.http, `mutation { updateListMember(input: { list: "${LIST}", address: "carol@example.test", mayPost: true }) { mayPost } }`, { token });
  });

  it('a moderated list holds every post; DEFER keeps it held; "Approved:" in a reply approves, a bare "confirm TOKEN" discards', async () => {
    await update('moderated: true');
    await mail(t, 'bob@example.test', LIST, 'Held one');
    await mail(t, 'bob@example.test', LIST, 'Held two');
    const [one, two] = await held();
    assert.equal(one.reason, 'every post to this list is reviewed by a moderator');
    const deferred = await gqlOk<{ moderatePost: { deferred: boolean } }>(t.ports.http, `mutation { moderatePost(input: { id: ${one.id}, action: DEFER }) { deferred } }`, { token });
    assert.equal(deferred.moderatePost.deferred, true);
    assert.deepEqual((await held()).map((p) => [p.subject, p.deferred]), [['Held one', true], ['Held two', false]]);
    await mail(t, 'mod@example.test', `team-confirm+${await noticeToken('mod', 'Held one')}@example.test`, 'Re: notice', 'Fine by me.', ['Approved: yes']);
    assert.equal((await posts('carol', 'Held one')).length, 1, 'approved by the Approved: header');
    await mail(t, 'mod@example.test', 'team-request@example.test', `confirm ${await noticeToken('mod', 'Held two')}`, 'nothing else');
    assert.equal((await posts('carol', 'Held two')).length, 0, 'discarded, as Mailman does');
    assert.deepEqual(await held(), []);
    assert.ok(two);
    await update('moderated: false');
  });

  it('bans refuse subscription by mail and by GraphQL', async () => {
    await update('bans: ["grace@example.test", "^.*@banned\\\\.test$"]');
    await mail(t, 'grace@example.test', 'team-join@example.test', 'join');
    assert.equal((await withSubject('grace', /^confirm /)).length, 0, 'no confirmation request');
    const [reply] = await withSubject('grace', /^Your confirmation to team@example\.test$/);
    assert.match(qpBody(reply), /grace@example\.test may not subscribe to team@example\.test\./);
    const r = await gqlOk<{ addListMembers: { added: string[]; skipped: { address: string; reason: string }[] } }>(
      t.ports.http,
      `mutation { addListMembers(input: { list: "${LIST}", members: [{ address: "X@Banned.test" }, { address: "dave@example.test" }], welcome: false }) { added skipped { address reason } } }`,
      { token },
    );
    assert.deepEqual(r.addListMembers, { added: ['dave@example.test'], skipped: [{ address: 'X@Banned.test', reason: 'banned' }] });
    assert.ok(!(await members(t, token, LIST)).includes('grace@example.test'));
  });

  it('without notifyModerators no notice goes out; the daily summary lists held posts and subscriptions waiting', async () => {
    await update('notifyModerators: false, subscriptionApproval: true, moderated: true');
    const before = (await withSubject('mod', NOTICE)).length;
    await mail(t, 'bob@example.test', LIST, 'Quiet hold');
    assert.equal((await withSubject('mod', NOTICE)).length, before, 'no notice');
    await mail(t, 'frank@example.test', 'team-join@example.test', 'join');
    const [request] = await withSubject('frank', /^confirm [0-9a-f]{32}$/);
    await mail(t, 'frank@example.test', header(request, 'Reply-To')!, `Re: ${header(request, 'Subject')}`, 'yes');
    const run = await gqlOk<{ runJob: { run: { output: string } } }>(t.ports.http, 'mutation { runJob(input: {name: "list-moderation"}) { run { output } } }', { token });
    assert.equal(run.runJob.run.output, '1 summary(ies) sent, 2 request(s) waiting');
    await t.engine.ctx.queue.idle();
    for (const user of ['alice', 'mod']) {
      const [summary] = await withSubject(user, /^2 team@example\.test moderator request\(s\) waiting$/);
      assert.ok(summary, `${user} has the summary`);
      const body = qpBody(summary);
      assert.match(body, /Held posts \(1\):[\s\S]*from bob@example\.test: Quiet hold/);
      assert.match(body, /Subscriptions waiting for approval \(1\):[\s\S]*frank@example\.test/);
    }
    const runs = await gqlOk<{ jobs: { nodes: { name: string; scheduleSetting: string; schedule: string }[] } }>(t.ports.http, '{ jobs { nodes { name scheduleSetting schedule } } }', { token });
    assert.deepEqual(runs.jobs.nodes.find((j) => j.name === 'list-moderation'), { name: 'list-moderation', scheduleSetting: 'listModerationSchedule', schedule: '0 8 * * *' });
  });

  it('a German list writes its moderation notice in German', async () => {
    await update('language: DE, notifyModerators: true');
    await mail(t, 'bob@example.test', LIST, 'Auf Deutsch');
    const [notice] = await withSubject('mod', /^Beitrag an team@example\.test von bob@example\.test wartet auf Freigabe$/);
    assert.ok(notice);
    assert.match(qpBody(notice), /Grund: alle Beiträge an diese Liste werden von einem Moderator geprüft/);
  });
});
