import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import { startEngine, type TestEngine } from '../helpers/engine';
import { errorCode, gql, gqlOk, login } from '../graphql/client';
import { DnsServer, SmtpSink, loopbackNet, missingPeers } from '../outbound/peers';
import { header, inbox, mail, members, qpBody } from './helpers';

const skip = missingPeers();
const LIST = 'dev@example.test';

describe('mailing lists: create, subscribe by mail, post to local and remote members', { skip }, () => {
  const ip = loopbackNet();
  let dns: DnsServer;
  let sink: SmtpSink;
  let refusing: SmtpSink;
  let t: TestEngine;
  let token: string;

  before(async () => {
    dns = await DnsServer.start([`--mx-host=remote.test,mx.remote.test,10`, `--host-record=mx.remote.test,${ip(2)}`, `--mx-host=gone.test,mx.gone.test,10`, `--host-record=mx.gone.test,${ip(3)}`]);
    sink = await SmtpSink.start(ip(2));
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
  });

  after(async () => {
    await t?.stop();
    await sink?.stop();
    await refusing?.stop();
    await dns?.stop();
  });

  const sinkFor = (to: string, subject: string) => sink.messages().filter((m) => m.rcptTo.includes(`<${to}>`) && header(m.content, 'Subject')?.includes(subject));

  it('creates a list over GraphQL; bad names and unknown domains are typed errors', async () => {
    const created = await gqlOk<{ createList: { address: string; addresses: { join: string }; memberCount: number } }>(
      t.ports.http,
      `mutation { createList(input: { name: "Dev", domain: "example.test", owners: ["alice"], description: "Developers", selfSubscribe: true, nonMemberAction: HOLD }) { address addresses { join } memberCount } }`,
      { token },
    );
    assert.deepEqual(created.createList, { address: LIST, addresses: { join: 'dev-join@example.test' }, memberCount: 0 });
    assert.equal(errorCode(await gql(t.ports.http, `mutation { createList(input: { name: "dev", domain: "example.test", owners: ["alice"] }) { id } }`, { token })), 'NAME_TAKEN');
    assert.equal(errorCode(await gql(t.ports.http, `mutation { createList(input: { name: "two words", domain: "example.test", owners: ["alice"] }) { id } }`, { token })), 'INVALID_LIST_NAME');
    assert.equal(errorCode(await gql(t.ports.http, `mutation { createList(input: { name: "x", domain: "nowhere.test", owners: ["alice"] }) { id } }`, { token })), 'INVALID_DOMAIN');
    assert.equal(errorCode(await gql(t.ports.http, `mutation { createList(input: { name: "alice", domain: "example.test", owners: ["alice"] }) { id } }`, { token })), 'NAME_TAKEN');
    assert.equal(errorCode(await gql(t.ports.http, `mutation { createList(input: { name: "y", domain: "example.test", owners: [] }) { id } }`, { token })), 'INVALID_SETTING');
    const monitor = await gql(t.ports.http, `{ lists(search: "dev") { totalCount nodes { address description } } }`, { token });
    assert.deepEqual(monitor.data, { lists: { totalCount: 1, nodes: [{ address: LIST, description: 'Developers' }] } });
  });

  it('an unknown list address is refused at RCPT like an unknown user', async () => {
    const out = await mail(t, 'bob@example.test', 'nolist-join@example.test', 'join');
    assert.match(out, /550 5\.1\.1 <nolist-join@example\.test>: Recipient address rejected: User unknown/);
  });

  it('subscribes bob by mail to -join and confirms by replying to the request', async () => {
    await mail(t, 'bob@example.test', 'dev-join@example.test', 'please add me');
    const request = (await inbox(t, 'bob')).find((m) => /^confirm [0-9a-f]{32}$/.test(header(m, 'Subject') ?? ''));
    assert.ok(request, 'a confirmation request in bob\u2019s INBOX');
    assert.equal(header(request, 'Content-Type'), 'text/plain; charset=utf-8');
    assert.equal(header(request, 'Content-Transfer-Encoding'), 'quoted-printable');
    assert.match(header(request, 'Auto-Submitted') ?? '', /^auto-replied/);
    const replyTo = header(request, 'Reply-To') as string;
    const tok = header(request, 'Subject')!.split(' ')[1];
    assert.equal(replyTo, `dev-confirm+${tok}@example.test`);
    assert.match(qpBody(request), /subscribe bob@example\.test to the dev@example\.test mailing list/);
    assert.deepEqual(await members(t, token, LIST), [], 'nothing changes before the confirmation');
    await mail(t, 'bob@example.test', replyTo, `Re: confirm ${tok}`, 'yes');
    assert.deepEqual(await members(t, token, LIST), ['bob@example.test']);
    const welcome = (await inbox(t, 'bob')).find((m) => header(m, 'Subject') === 'Welcome to the dev@example.test mailing list');
    assert.ok(welcome, 'welcomed');
    assert.match(qpBody(welcome), /To post, write to dev@example\.test/);
  });

  it('adds a remote member over GraphQL without a welcome', async () => {
    const r = await gqlOk<{ addListMembers: { added: string[]; skipped: { address: string; reason: string }[] } }>(
      t.ports.http,
      `mutation { addListMembers(input: { list: "${LIST}", members: [{ address: "Carol@remote.test" }, { address: "bob@example.test" }, { address: "not an address" }], welcome: false }) { added skipped { address reason } } }`,
      { token },
    );
    assert.deepEqual(r.addListMembers.added, ['Carol@remote.test']);
    assert.deepEqual(r.addListMembers.skipped.map((s) => s.reason), ['a member already', 'not a valid address']);
    assert.deepEqual(await members(t, token, LIST), ['bob@example.test', 'carol@remote.test']);
    const filtered = await gqlOk<{ listMembers: { totalCount: number } }>(t.ports.http, `{ listMembers(list: "${LIST}", search: "carol", delivery: ENABLED) { totalCount } }`, { token });
    assert.equal(filtered.listMembers.totalCount, 1);
  });

  it('a member\u2019s post reaches the local and the remote member once, with the list\u2019s headers and prefix', async () => {
    await mail(t, 'bob@example.test', LIST, 'Plans for 2027', 'Let us plan.');
    const [remote] = await sink.waitForMessages(1);
    const copies = sinkFor('Carol@remote.test', 'Plans for 2027');
    assert.equal(copies.length, 1, 'one copy for carol');
    assert.equal(remote.mailFrom, '<dev-bounces@example.test>');
    const c = copies[0].content;
    assert.equal(header(c, 'Subject'), '[Dev] Plans for 2027');
    assert.equal(header(c, 'List-Id'), 'Developers <dev.example.test>');
    assert.equal(header(c, 'List-Post'), '<mailto:dev@example.test>');
    assert.equal(header(c, 'List-Help'), '<mailto:dev-request@example.test?subject=help>');
    assert.equal(header(c, 'List-Subscribe'), '<mailto:dev-join@example.test>');
    assert.equal(header(c, 'List-Unsubscribe'), '<mailto:dev-leave@example.test>');
    assert.equal(header(c, 'List-Owner'), '<mailto:dev-owner@example.test>');
    assert.equal(header(c, 'List-Archive'), undefined, 'no archives yet');
    assert.equal(header(c, 'X-BeenThere'), LIST);
    assert.equal(header(c, 'Precedence'), 'list');
    assert.match(c, /\r\n\r\nLet us plan\./);
    const dkim = header(c, 'DKIM-Signature') ?? '';
    assert.match(dkim, /\bd=example\.test;/, 'signed by the list\u2019s domain');

    // bob reads his copy over IMAP.
    const imap = new ImapFlow({ host: '127.0.0.1', port: t.ports.imaps, secure: true, auth: { user: 'bob', pass: 'bob-password-1' }, tls: { rejectUnauthorized: false }, logger: false });
    await imap.connect();
    try {
      const lock = await imap.getMailboxLock('INBOX');
      try {
        const found = (await imap.search({ subject: 'Plans for 2027' }, { uid: true })) || [];
        assert.equal(found.length, 1, 'one copy in bob\u2019s INBOX');
        const msg = await imap.fetchOne(String(found[0]), { envelope: true, headers: ['list-id', 'list-unsubscribe', 'list-post', 'precedence'] }, { uid: true });
        assert.ok(msg);
        assert.equal(msg.envelope?.subject, '[Dev] Plans for 2027');
        const h = msg.headers!.toString();
        assert.match(h, /List-Id: Developers <dev\.example\.test>/);
        assert.match(h, /List-Unsubscribe: <mailto:dev-leave@example\.test>/);
        assert.match(h, /Precedence: list/);
      } finally {
        lock.release();
      }
    } finally {
      await imap.logout();
    }
    const ours = (await inbox(t, 'bob')).find((m) => header(m, 'Subject') === '[Dev] Plans for 2027')!;
    assert.equal(header(ours, 'Return-Path'), '<dev-bounces@example.test>');
  });

  it('a reply keeps one prefix', async () => {
    await mail(t, 'bob@example.test', LIST, 'Re: [Dev] Plans for 2027', 'Agreed.');
    const [copy] = await waitSink(() => sinkFor('Carol@remote.test', 'Re: [Dev] Plans'));
    assert.equal(header(copy.content, 'Subject'), 'Re: [Dev] Plans for 2027');
  });

  it('a post that has been through the list already (X-BeenThere) is not sent again', async () => {
    const before = (await inbox(t, 'bob')).length;
    await mail(t, 'bob@example.test', LIST, 'Looping', 'round and round', [`X-BeenThere: ${LIST}`]);
    assert.equal((await inbox(t, 'bob')).length, before);
    assert.equal(sinkFor('Carol@remote.test', 'Looping').length, 0);
  });

  it('a non-member post is held, the poster told, and sent when a moderator approves it', async () => {
    await mail(t, 'alice@example.test', LIST, 'Outsider question', 'May I ask?');
    assert.equal(sinkFor('Carol@remote.test', 'Outsider question').length, 0);
    const notice = (await inbox(t, 'alice')).find((m) => header(m, 'Subject') === 'Your message to dev@example.test awaits moderator approval');
    assert.ok(notice, 'alice is told');
    const held = await gqlOk<{ heldPosts: { id: number; from: string; subject: string }[] }>(t.ports.http, `{ heldPosts(list: "${LIST}") { id from subject } }`, { token });
    assert.equal(held.heldPosts.length, 1);
    assert.deepEqual({ ...held.heldPosts[0], id: 0 }, { id: 0, from: 'alice@example.test', subject: 'Outsider question' });
    const id = held.heldPosts[0].id;
    await gqlOk(t.ports.http, `mutation { moderatePost(input: { id: ${id}, action: APPROVE }) { id } }`, { token });
    await t.engine.ctx.queue.idle();
    await waitSink(() => sinkFor('Carol@remote.test', 'Outsider question'));
    assert.equal((await inbox(t, 'bob')).filter((m) => header(m, 'Subject') === '[Dev] Outsider question').length, 1);
    assert.equal(errorCode(await gql(t.ports.http, `mutation { moderatePost(input: { id: ${id}, action: DISCARD }) { id } }`, { token })), 'NOT_FOUND', 'moderated once');
    const { heldPosts } = await gqlOk<{ heldPosts: unknown[] }>(t.ports.http, `{ heldPosts(list: "${LIST}") { id } }`, { token });
    assert.deepEqual(heldPosts, []);
  });

  it('a post over the size limit is refused with a notice', async () => {
    await gqlOk(t.ports.http, `mutation { updateList(input: { list: "${LIST}", maxMessageKb: 1 }) { maxMessageKb } }`, { token });
    await mail(t, 'bob@example.test', LIST, 'Huge', 'x'.repeat(3000));
    await gqlOk(t.ports.http, `mutation { updateList(input: { list: "${LIST}", maxMessageKb: 40 }) { maxMessageKb } }`, { token });
    const notice = (await inbox(t, 'bob')).find((m) => header(m, 'Subject') === 'Your message to dev@example.test was rejected');
    assert.ok(notice);
    assert.match(qpBody(notice), /larger than the list\u2019s limit of 1 KB/);
    assert.equal(sinkFor('Carol@remote.test', 'Huge').length, 0);
  });

  it('tokens: a forged one, a replayed one and an expired one change nothing and get a clear reply', async () => {
    await mail(t, 'alice@example.test', 'dev-confirm+0123456789abcdef0123456789abcdef@example.test', 'confirm', 'yes');
    let reply = (await inbox(t, 'alice')).at(-1)!;
    assert.match(qpBody(reply), /not valid/);

    await mail(t, 'alice@example.test', 'dev-request@example.test', 'subscribe');
    const request = (await inbox(t, 'alice')).find((m) => /^confirm [0-9a-f]{32}$/.test(header(m, 'Subject') ?? ''))!;
    const tok = header(request, 'Subject')!.split(' ')[1];
    t.engine.ctx.db.prepare('UPDATE list_pending SET expires_at = ?').run(Date.now() - 1000);
    await mail(t, 'alice@example.test', 'dev-request@example.test', 'commands', `confirm ${tok}`);
    reply = (await inbox(t, 'alice')).at(-1)!;
    assert.equal(header(reply, 'Subject'), 'The results of your email commands');
    assert.match(qpBody(reply), /has expired/);
    assert.ok(!(await members(t, token, LIST)).includes('alice@example.test'));

    t.engine.ctx.db.prepare('UPDATE list_pending SET expires_at = ?').run(Date.now() + 3600_000);
    await mail(t, 'alice@example.test', `dev-confirm+${tok}@example.test`, 'Re: confirm', 'ok');
    assert.ok((await members(t, token, LIST)).includes('alice@example.test'), 'confirmed once');
    await mail(t, 'alice@example.test', `dev-confirm+${tok}@example.test`, 'Re: confirm', 'again');
    reply = (await inbox(t, 'alice')).at(-1)!;
    assert.match(qpBody(reply), /used already/);
    await gqlOk(t.ports.http, `mutation { removeListMembers(input: { list: "${LIST}", addresses: ["alice@example.test"], goodbye: false }) { removed } }`, { token });
  });

  it('-request commands: help, info, lists, who, set delivery, unknown, end; one reply', async () => {
    const count = (await inbox(t, 'bob')).length;
    await mail(t, 'bob@example.test', 'dev-request@example.test', 'help', ['info', 'lists', 'who', 'set delivery off', 'frobnicate', 'end', 'who'].join('\n'));
    const mails = await inbox(t, 'bob');
    assert.equal(mails.length, count + 1, 'one reply');
    const body = qpBody(mails.at(-1)!);
    assert.match(body, /> help\r?\n\s*Commands for dev-request@example\.test/);
    assert.match(body, /Post to: dev@example\.test/);
    assert.match(body, /Mailing lists on example\.test:\r?\n\s+dev@example\.test \u2014 Developers/);
    assert.match(body, /Members of dev@example\.test \(2\):\r?\n\s+bob@example\.test\r?\n\s+Carol@remote\.test/);
    assert.match(body, /Delivery to bob@example\.test is now off/);
    assert.match(body, /> frobnicate\r?\nUnknown command/);
    assert.equal(body.match(/> who/g)?.length, 1, 'nothing after end');
    const disabled = await gqlOk<{ listMembers: { nodes: { address: string; delivery: string }[] } }>(t.ports.http, `{ listMembers(list: "${LIST}", delivery: BY_MEMBER) { nodes { address delivery } } }`, { token });
    assert.deepEqual(disabled.listMembers.nodes, [{ address: 'bob@example.test', delivery: 'BY_MEMBER' }]);
    await mail(t, 'bob@example.test', 'dev-request@example.test', 'set delivery on');
    assert.match(qpBody((await inbox(t, 'bob')).at(-1)!), /is now on/);
  });

  it('a mail of 1,000 commands is read to 50 lines; over 1,000 it is refused whole with one reply', async () => {
    const count = (await inbox(t, 'bob')).length;
    await mail(t, 'bob@example.test', 'dev-request@example.test', 'many', Array(1000).fill('info').join('\n'));
    let mails = await inbox(t, 'bob');
    assert.equal(mails.length, count + 1);
    let body = qpBody(mails.at(-1)!);
    assert.equal(body.match(/> info/g)?.length, 50);
    assert.match(body, /950 more line\(s\) ignored/);
    await mail(t, 'bob@example.test', 'dev-request@example.test', 'too many', Array(1001).fill('subscribe').join('\n'));
    mails = await inbox(t, 'bob');
    assert.equal(mails.length, count + 2, 'one reply');
    body = qpBody(mails.at(-1)!);
    assert.match(body, /has 1001 commands; at most 1000/);
    assert.equal(body.match(/> subscribe/g), null, 'none carried out');
  });

  it('auto-responders get no command reply', async () => {
    const count = (await inbox(t, 'bob')).length;
    await mail(t, 'bob@example.test', 'dev-request@example.test', 'help', 'help', ['Auto-Submitted: auto-replied']);
    await mail(t, 'bob@example.test', 'dev-request@example.test', 'help', 'help', ['Precedence: bulk']);
    assert.equal((await inbox(t, 'bob')).length, count);
  });

  it('listsEnabled off: list addresses are unknown users at once; on again, they work', async () => {
    await gqlOk(t.ports.http, `mutation { updateSettings(input: { listsEnabled: false }) { listsEnabled } }`, { token });
    const out = await mail(t, 'bob@example.test', LIST, 'while off');
    assert.match(out, /550 5\.1\.1 <dev@example\.test>: Recipient address rejected: User unknown/);
    await gqlOk(t.ports.http, `mutation { updateSettings(input: { listsEnabled: true }) { listsEnabled } }`, { token });
    const on = await mail(t, 'bob@example.test', 'dev-request@example.test', 'info');
    assert.match(on, /250 2\.0\.0/);
  });

  it('personalised posts carry a one-click unsubscribe link; an RFC 8058 POST unsubscribes at once', async () => {
    await gqlOk(t.ports.http, `mutation { updateList(input: { list: "${LIST}", personalize: true }) { personalize } }`, { token });
    await mail(t, 'bob@example.test', LIST, 'Personal copy');
    const [copy] = await waitSink(() => sinkFor('Carol@remote.test', 'Personal copy'));
    assert.equal(copy.mailFrom, '<dev-bounces+carol=remote.test@example.test>', 'VERP');
    assert.equal(header(copy.content, 'List-Unsubscribe-Post'), 'List-Unsubscribe=One-Click');
    const url = /<https:\/\/mail\.example\.test(\/lists\/unsubscribe\/[^>]+)>/.exec(header(copy.content, 'List-Unsubscribe') ?? '')?.[1];
    assert.ok(url, 'an https link');
    const page = await fetch(`http://127.0.0.1:${t.ports.http}${url}`);
    assert.equal(page.status, 200, 'GET shows a page');
    assert.ok((await members(t, token, LIST)).includes('carol@remote.test'), 'GET changes nothing');
    const bad = await fetch(`http://127.0.0.1:${t.ports.http}${url}`, { method: 'POST', body: 'something=else', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(bad.status, 400);
    const forged = await fetch(`http://127.0.0.1:${t.ports.http}${url.slice(0, -3)}AAA`, { method: 'POST', body: 'List-Unsubscribe=One-Click' });
    assert.equal(forged.status, 404);
    const res = await fetch(`http://127.0.0.1:${t.ports.http}${url}`, { method: 'POST', body: 'List-Unsubscribe=One-Click', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(res.status, 200);
    assert.deepEqual(await members(t, token, LIST), ['bob@example.test']);
    const again = await fetch(`http://127.0.0.1:${t.ports.http}${url}`, { method: 'POST', body: 'List-Unsubscribe=One-Click' });
    assert.equal(again.status, 404, 'the link dies with the membership');
    await gqlOk(t.ports.http, `mutation { updateList(input: { list: "${LIST}", personalize: false }) { personalize } }`, { token });
    await gqlOk(t.ports.http, `mutation { addListMembers(input: { list: "${LIST}", members: [{ address: "Carol@remote.test" }], welcome: false }) { added } }`, { token });
  });

  it('fan-out is one transaction with the incoming post: a failure after the insert leaves nothing behind, and the retry sends once', async () => {
    const queue = t.engine.ctx.queue;
    const markDelivered = queue.markDelivered.bind(queue);
    let failed = false;
    queue.markDelivered = (id: string, addresses: string[]) => {
      if (!failed && addresses.some((a) => a.startsWith('list:'))) {
        failed = true;
        throw new Error('injected failure after the fan-out insert');
      }
      markDelivered(id, addresses);
    };
    const spool = path.join(t.dataDir, 'spool');
    try {
      await mail(t, 'bob@example.test', LIST, 'Atomic post');
      assert.ok(failed, 'the failure was injected');
      const entries = queue.entries();
      assert.equal(entries.length, 1, 'only the incoming post is queued: no fan-out entry survived');
      const [incoming] = entries;
      assert.equal(incoming.recipients[0].status, 'pending');
      assert.match(incoming.recipients[0].address, /^list:\d+:post$/);
      assert.deepEqual(fs.readdirSync(spool), [path.basename(incoming.file)], 'no spool file of the undone fan-out');
      queue.retry(incoming.id);
      await queue.idle();
    } finally {
      queue.markDelivered = markDelivered;
    }
    await waitSink(() => sinkFor('Carol@remote.test', 'Atomic post'));
    assert.equal(sinkFor('Carol@remote.test', 'Atomic post').length, 1);
    assert.equal((await inbox(t, 'bob')).filter((m) => header(m, 'Subject') === '[Dev] Atomic post').length, 1);
    assert.deepEqual(queue.entries(), []);
  });

  it('a member that bounces does not block the others; the bounce to -bounces is scored, not passed on', async () => {
    await gqlOk(t.ports.http, `mutation { addListMembers(input: { list: "${LIST}", members: [{ address: "left@gone.test" }], welcome: false }) { added } }`, { token });
    const before = (await inbox(t, 'alice')).length;
    await mail(t, 'bob@example.test', LIST, 'Bouncing member');
    await waitSink(() => sinkFor('Carol@remote.test', 'Bouncing member'));
    assert.equal((await inbox(t, 'bob')).filter((m) => header(m, 'Subject') === '[Dev] Bouncing member').length, 1);
    await t.engine.ctx.queue.idle();
    assert.equal((await inbox(t, 'alice')).length, before, 'a bounce of a member is no mail for the owner');
    const { listMembers } = await gqlOk<{ listMembers: { nodes: { address: string; bounceScore: number; lastBounceDay: string; delivery: string }[] } }>(
      t.ports.http,
      `{ listMembers(list: "${LIST}", search: "left@") { nodes { address bounceScore lastBounceDay delivery } } }`,
      { token },
    );
    assert.deepEqual(listMembers.nodes, [{ address: 'left@gone.test', bounceScore: 1, lastBounceDay: new Date().toISOString().slice(0, 10), delivery: 'ENABLED' }]);
    await gqlOk(t.ports.http, `mutation { removeListMembers(input: { list: "${LIST}", addresses: ["left@gone.test"], goodbye: false }) { removed } }`, { token });
  });

  it('owner approval: a confirmed subscription waits in pendingSubscriptions until approved', async () => {
    await gqlOk(t.ports.http, `mutation { updateList(input: { list: "${LIST}", subscriptionApproval: true }) { subscriptionApproval } }`, { token });
    await mail(t, 'alice@example.test', 'dev-subscribe@example.test', 'join');
    const request = (await inbox(t, 'alice')).filter((m) => /^confirm [0-9a-f]{32}$/.test(header(m, 'Subject') ?? '')).at(-1)!;
    await mail(t, 'alice@example.test', header(request, 'Reply-To')!, 'Re: confirm', 'yes');
    assert.match(qpBody((await inbox(t, 'alice')).at(-1)!), /waits for the list owner/);
    assert.ok(!(await members(t, token, LIST)).includes('alice@example.test'));
    const { pendingSubscriptions } = await gqlOk<{ pendingSubscriptions: { id: number; address: string }[] }>(t.ports.http, `{ pendingSubscriptions(list: "${LIST}") { id address } }`, { token });
    assert.deepEqual(pendingSubscriptions.map((p) => p.address), ['alice@example.test']);
    const monitor = await gqlOk<{ createAdmin: { username: string } }>(t.ports.http, `mutation { createAdmin(input: { username: "watcher", password: "watcher-password-1", role: MONITOR }) { username } }`, { token });
    assert.equal(monitor.createAdmin.username, 'watcher');
    const watcher = await login(t.ports.http, 'watcher', 'watcher-password-1');
    assert.equal((await gql(t.ports.http, `{ pendingSubscriptions(list: "${LIST}") { id } }`, { token: watcher })).errors, undefined, 'MONITOR reads');
    assert.equal(errorCode(await gql(t.ports.http, `mutation { decideSubscription(input: { id: ${pendingSubscriptions[0].id}, decision: APPROVE }) { address } }`, { token: watcher })), 'FORBIDDEN', 'MONITOR does not write');
    await gqlOk(t.ports.http, `mutation { decideSubscription(input: { id: ${pendingSubscriptions[0].id}, decision: APPROVE }) { address } }`, { token });
    assert.ok((await members(t, token, LIST)).includes('alice@example.test'));
    assert.ok((await inbox(t, 'alice')).some((m) => header(m, 'Subject') === 'Welcome to the dev@example.test mailing list'));
    await gqlOk(t.ports.http, `mutation { updateList(input: { list: "${LIST}", subscriptionApproval: false }) { subscriptionApproval } }`, { token });
  });

  it('logs subscriptions, posts and moderation under LISTS', async () => {
    const data = await gqlOk<{ logTail: { text: string }[] }>(t.ports.http, `{ logTail(service: LISTS, last: 2000) { text } }`, { token });
    const texts = data.logTail.map((n) => n.text);
    for (const expected of ['list created', 'subscribed', 'post sent to the members', 'held post approved', 'post held for a moderator: not from a member']) {
      assert.ok(texts.includes(expected), `logged: ${expected}`);
    }
  });
});

/** Waits for smtp-sink to have written what `find` looks for (it writes as DATA ends). */
async function waitSink<T>(find: () => T[], timeoutMs = 10_000): Promise<T[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = find();
    if (found.length) return found;
    if (Date.now() > deadline) throw new Error('smtp-sink did not get the message');
    await new Promise((r) => setTimeout(r, 20));
  }
}
