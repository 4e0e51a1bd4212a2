import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { startEngine, type TestEngine } from '../helpers/engine';
import { errorCode, gql, gqlOk, login, subscribed } from '../graphql/client';
import { mail } from './helpers';

const LIST = 'stats@example.test';

interface ListEvent {
  kind: string;
  list: string;
  address: string | null;
  subject: string | null;
  recipients: number | null;
  action: string | null;
}


/** An RFC 3464 delivery report from a remote server about one address, as it arrives at -bounces. */
const dsn = (address: string) =>
  [
    // A preamble first: a body starting with "--" would be read by swaks as an option.
    'This is a MIME-encapsulated message.',
    '--B',
    'Content-Type: text/plain',
    '',
    'Your message could not be delivered.',
    '--B',
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns; mx.remote.test',
    '',
    `Final-Recipient: rfc822; ${address}`,
    'Action: failed',
    'Status: 5.1.1',
    '',
    '--B--',
    '',
  ].join('\r\n');

/** Issue 11: a list's statistics (GraphQL over HTTP) and its events (graphql-ws), counted in SQL. */
describe('list statistics and the listEvents subscription', () => {
  let t: TestEngine;
  let token: string;
  let client: Client;
  const events: ListEvent[] = [];
  let stop: (() => void) | undefined;

  before(async () => {
    t = await startEngine({
      users: ['alice', 'bob', 'carol', 'erin', 'gina'].map((n) => ({ shortName: n, password: `${n}-password-1`, fullName: n })),
      settings: { listsEnabled: true, inboundAuthChecks: false },
    });
    token = await login(t.ports.http);
    await gqlOk(t.ports.http, `mutation { createList(input: { name: "stats", domain: "example.test", owners: ["alice"], selfSubscribe: true, nonMemberAction: HOLD, bounceScoreThreshold: 1, bounceWarnings: 0, digestSizeKb: 0 }) { id } }`, { token });
    await gqlOk(t.ports.http, `mutation { createList(input: { name: "other", domain: "example.test", owners: ["alice"] }) { id } }`, { token });
    client = createClient({ url: `ws://127.0.0.1:${t.ports.http}/graphql`, webSocketImpl: WebSocket, connectionParams: { Authorization: `Bearer ${token}` }, retryAttempts: 0 });
    const live = subscribed(t.engine.ctx.lists.events, 'event');
    await new Promise<void>((resolve, reject) => {
      stop = client.subscribe<{ listEvents: ListEvent }>(
        { query: `subscription { listEvents(list: "${LIST}") { kind list address subject recipients action at } }` },
        { next: (r) => r.data && events.push(r.data.listEvents), error: reject, complete: () => undefined },
      );
      void live.then(resolve);
    });
  });
  after(async () => {
    stop?.();
    await client?.dispose();
    await t?.stop();
  });

  /** Waits (by the events themselves, not by time) until `n` events have come. */
  const eventsSoFar = async (n: number) => {
    while (events.length < n) await new Promise((r) => t.engine.ctx.lists.events.once('event', () => setImmediate(r)));
    return events.slice(0, n);
  };

  it('members joined: an event each, the other list\u2019s not', async () => {
    await gqlOk(t.ports.http, `mutation { addListMembers(input: { list: "other@example.test", members: [{ address: "bob@example.test" }], welcome: false }) { added } }`, { token });
    await gqlOk(
      t.ports.http,
      `mutation { addListMembers(input: { list: "${LIST}", members: [{ address: "bob@example.test" }, { address: "carol@example.test", digest: MIME }, { address: "erin@example.test", digest: PLAIN }, { address: "dave@remote.test" }], welcome: false }) { added } }`,
      { token },
    );
    const joined = await eventsSoFar(4);
    assert.deepEqual(joined.map((e) => [e.kind, e.list, e.address]), ['bob', 'carol', 'erin'].map((n) => ['MEMBER_JOINED', LIST, `${n}@example.test`]).concat([['MEMBER_JOINED', LIST, 'dave@remote.test']]));
    await gqlOk(t.ports.http, `mutation { updateListMember(input: { list: "${LIST}", address: "erin@example.test", delivery: BY_OWNER }) { address } }`, { token });
  });

  it('a bounce that disables a member, a post sent, a post held and decided', async () => {
    await mail(t, '<>', 'stats-bounces@example.test', 'Undelivered Mail Returned to Sender', dsn('dave@remote.test'), [
      'From: MAILER-DAEMON@remote.test',
      'MIME-Version: 1.0',
      'Content-Type: multipart/report; report-type=delivery-status; boundary="B"',
    ]);
    // The report is handled in the list's turn, after the SMTP session: wait for its event.
    assert.deepEqual((await eventsSoFar(5)).slice(4).map((e) => [e.kind, e.address]), [['MEMBER_DISABLED', 'dave@remote.test']]);
    await mail(t, 'bob@example.test', LIST, 'Hello all', 'First post.');
    await mail(t, 'gina@example.test', LIST, 'Buy now', 'Held.');
    await mail(t, 'gina@example.test', LIST, 'Second try', 'Held too.');
    const held = await gqlOk<{ heldPosts: { id: number; subject: string }[] }>(t.ports.http, `{ heldPosts(list: "${LIST}") { id subject } }`, { token });
    const first = held.heldPosts.find((p) => p.subject === 'Buy now')!;
    await gqlOk(t.ports.http, `mutation { moderatePost(input: { id: ${first.id}, action: APPROVE }) { id } }`, { token });
    const all = await eventsSoFar(10);
    assert.deepEqual(
      all.slice(4).map((e) => [e.kind, e.address, e.subject, e.recipients, e.action]),
      [
        ['MEMBER_DISABLED', 'dave@remote.test', null, null, null],
        // bob gets his own post (receiveOwnPosts), carol and erin take digests (erin is off), dave is disabled.
        ['POST_SENT', 'bob@example.test', 'Hello all', 1, null],
        ['POST_HELD', 'gina@example.test', 'Buy now', null, null],
        ['POST_HELD', 'gina@example.test', 'Second try', null, null],
        ['POST_SENT', 'gina@example.test', 'Buy now', 1, null],
        ['POST_DECIDED', 'gina@example.test', 'Buy now', null, 'APPROVE'],
      ],
    );
  });

  it('statistics: members by delivery and digest, posts per day, held, pending, bounces', async () => {
    await mail(t, 'gina@example.test', 'stats-join@example.test', 'join');
    const { list } = await gqlOk<{ list: { stats: Record<string, unknown> & { postsPerDay: { day: string; posts: number }[] } } }>(
      t.ports.http,
      `{ list(address: "${LIST}") { stats(days: 7) { members byDelivery { enabled byMember byOwner byBounces } byDigest { off mime plain } postsPerDay { day posts } heldPosts pendingConfirmations pendingApprovals bouncingMembers disabledByBounces } } }`,
      { token },
    );
    const { postsPerDay, ...rest } = list.stats;
    assert.deepEqual(rest, {
      members: 4,
      byDelivery: { enabled: 2, byMember: 0, byOwner: 1, byBounces: 1 },
      byDigest: { off: 2, mime: 1, plain: 1 },
      heldPosts: 1,
      pendingConfirmations: 1,
      pendingApprovals: 0,
      bouncingMembers: 1,
      disabledByBounces: 1,
    });
    assert.equal(postsPerDay.length, 7);
    assert.equal(postsPerDay.at(-1)!.day, new Date().toISOString().slice(0, 10));
    assert.deepEqual(postsPerDay.map((d) => d.posts), [0, 0, 0, 0, 0, 0, 2]);
    const bad = await gql(t.ports.http, `{ list(address: "${LIST}") { stats(days: 0) { members } } }`, { token });
    assert.equal(errorCode(bad), 'BAD_USER_INPUT');
  });

  it('a member leaving is an event; an unknown list cannot be subscribed to', async () => {
    await gqlOk(t.ports.http, `mutation { removeListMembers(input: { list: "${LIST}", addresses: ["bob@example.test"], goodbye: false }) { removed } }`, { token });
    const [left] = (await eventsSoFar(11)).slice(10);
    assert.deepEqual([left.kind, left.address], ['MEMBER_LEFT', 'bob@example.test']);
    const refused = await new Promise<string>((resolve) => {
      client.subscribe({ query: 'subscription { listEvents(list: "nope@example.test") { kind } }' }, { next: (r) => resolve(JSON.stringify(r.errors ?? r)), error: (e) => resolve(JSON.stringify(e)), complete: () => undefined });
    });
    assert.match(refused, /NOT_FOUND|not found|nope@example\.test/i);
  });
});
