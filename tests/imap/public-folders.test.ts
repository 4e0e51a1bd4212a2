import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestEngine } from '../helpers/engine';
import type { LineClient } from '../helpers/line-client';
import { gql, gqlOk, login } from '../graphql/client';
import { smtpSend } from '../helpers/smtp';
import { ImapFlow } from 'imapflow';
import { ALICE, BOB, loggedIn, run, simpleMessage, startImapEngine, userId } from './helpers';

/**
 * Public folders (the shared namespace "Shared Folders/"), negative rights and group
 * identifiers: folders made over GraphQL, used over IMAP by three users.
 */
const CAROL = { shortName: 'carol', password: 'carol-password-1', groups: ['staff'] };
const DAVE = { shortName: 'dave', password: 'dave-password-1' };
let t: TestEngine;
let token: string;
let alice: LineClient;
let bob: LineClient;
let carol: LineClient;

before(async () => {
  t = await startImapEngine({ mailAdministrators: ['dave'] }, [ALICE, BOB, CAROL, DAVE]);
  token = await login(t.ports.http);
  alice = await loggedIn(t, ALICE);
  bob = await loggedIn(t, BOB);
  carol = await loggedIn(t, CAROL);
});
after(async () => {
  alice.close();
  bob.close();
  carol.close();
  await t.stop();
});

const last = (lines: string[]) => lines[lines.length - 1];
const appendLine = (mailbox: string, flags: string, subject: string) => {
  const msg = simpleMessage(subject);
  return `APPEND ${mailbox} (${flags}) {${Buffer.byteLength(msg)}+}\r\n${msg}`;
};
const api = (query: string) => gqlOk<Record<string, unknown>>(t.ports.http, query, { token });
const setAcl = (name: string, identifier: string, rights: string) =>
  api(`mutation { setPublicFolderAcl(input: {name: "${name}", identifier: "${identifier}", rights: "${rights}"}) { name acl { identifier rights } } }`);
const myRights = async (c: LineClient, tag: string, name: string) => {
  const lines = await run(c, tag, `MYRIGHTS "Shared Folders/${name}"`);
  const line = lines.find((l) => l.startsWith('* MYRIGHTS'));
  return line ? line.slice(line.lastIndexOf(' ') + 1) : last(lines);
};

test('NAMESPACE names the shared namespace', async () => {
  assert.ok((await run(alice, 'n1', 'NAMESPACE')).includes('* NAMESPACE (("" "/")) (("Other Users/" "/")) (("Shared Folders/" "/"))'));
});

test('the administrator creates a public folder over GraphQL; by default every user lists and reads it', async () => {
  const created = await api('mutation { createPublicFolder(input: {name: "News"}) { name messages acl { identifier rights } } }');
  assert.deepEqual(created.createPublicFolder, { name: 'News', messages: 0, acl: [{ identifier: 'anyone', rights: 'lrs' }] });
  const listed = await api('{ publicFolders { totalCount nodes { name } } }');
  assert.deepEqual(listed.publicFolders, { totalCount: 1, nodes: [{ name: 'News' }] });
  // The directory does not show the public folders' owner row.
  const users = await api('{ users { totalCount nodes { shortName } } }');
  assert.deepEqual((users.users as { nodes: { shortName: string }[] }).nodes.map((u) => u.shortName), ['alice', 'bob', 'carol', 'dave']);

  const list = await run(bob, 'a1', 'LIST "" "*"');
  assert.ok(list.includes('* LIST (\\Noselect \\HasChildren) "/" "Shared Folders"'), list.join('\n'));
  assert.ok(list.includes('* LIST (\\HasNoChildren) "/" "Shared Folders/News"'), list.join('\n'));
  assert.equal(await myRights(bob, 'a2', 'News'), 'lrs');
  assert.match(last(await run(bob, 'a3b', 'GETACL "Shared Folders/News"')), /^a3b NO \[NOPERM\]/);
  assert.match(last(await run(bob, 'a4', appendLine('"Shared Folders/News"', '', 'no insert right'))), /^a4 NO \[NOPERM\]/);
  assert.match(last(await run(bob, 'a5', 'CREATE "Shared Folders/Mine"')), /^a5 NO \[NOPERM\]/);
  assert.match(last(await run(bob, 'a6', 'CREATE "Shared Folders"')), /^a6 NO \[CANNOT\]/);

  assert.match(last(await run(carol, 'a7', 'SUBSCRIBE "Shared Folders/News"')), /^a7 OK/);
  assert.ok((await run(carol, 'a8', 'LSUB "" "Shared Folders/*"')).includes('* LSUB () "/" "Shared Folders/News"'));
  // The public folders' owner row is nobody: it cannot log in.
  const nobody = await loggedIn(t, { shortName: '#public', password: '!' });
  try {
    assert.ok(nobody.lines.some((l) => /^a0 NO/.test(l)), nobody.lines.join('\n'));
  } finally {
    nobody.close();
  }

  const dup = await gql(t.ports.http, 'mutation { createPublicFolder(input: {name: "News"}) { name } }', { token });
  assert.equal(dup.errors?.[0].extensions?.code, 'NAME_TAKEN');
  const badId = await gql(t.ports.http, 'mutation { setPublicFolderAcl(input: {name: "News", identifier: "nobody", rights: "lr"}) { name } }', { token });
  assert.equal(badId.errors?.[0].extensions?.code, 'BAD_USER_INPUT');
  const missing = await gql(t.ports.http, 'mutation { setPublicFolderAcl(input: {name: "Nope", identifier: "bob", rights: "lr"}) { name } }', { token });
  assert.equal(missing.errors?.[0].extensions?.code, 'NOT_FOUND');
  // A refused entry creates nothing: the folder and its ACL are one store operation.
  const refused = await gql(t.ports.http, 'mutation { createPublicFolder(input: {name: "Half/Made", acl: [{identifier: "anyone", rights: "lr"}, {identifier: "nobody", rights: "l"}]}) { name } }', { token });
  assert.equal(refused.errors?.[0].extensions?.code, 'BAD_USER_INPUT');
  assert.equal(t.engine.ctx.store.mailbox(t.engine.ctx.store.publicOwnerId, 'Half'), undefined);
});

test('alice posts into it with i; \\Seen is each user\u2019s own; it counts against nobody\u2019s quota', async () => {
  await setAcl('News', 'alice', 'lrswipte');
  assert.match(last(await run(alice, 's1', appendLine('"Shared Folders/News"', '\\Seen', 'first news'))), /^s1 OK \[APPENDUID/);
  assert.match(last(await run(alice, 's2', appendLine('"Shared Folders/News"', '', 'second news'))), /^s2 OK \[APPENDUID/);
  assert.equal(t.engine.ctx.store.usage(userId(t)).bytes, 0, 'not in alice\u2019s usage');
  assert.ok((await run(alice, 's2a', 'GETQUOTAROOT "Shared Folders/News"')).includes('* QUOTAROOT "Shared Folders/News"'));
  assert.ok((await run(alice, 's3', 'STATUS "Shared Folders/News" (MESSAGES UNSEEN)')).includes('* STATUS "Shared Folders/News" (MESSAGES 2 UNSEEN 1)'));
  assert.ok((await run(bob, 's4', 'STATUS "Shared Folders/News" (MESSAGES UNSEEN)')).includes('* STATUS "Shared Folders/News" (MESSAGES 2 UNSEEN 2)'));

  const sel = await run(bob, 's5', 'SELECT "Shared Folders/News"');
  assert.match(last(sel), /^s5 OK \[READ-WRITE\]/);
  assert.ok(sel.some((l) => l.startsWith('* OK [PERMANENTFLAGS (\\Seen)]')), sel.join('\n'));
  // Reading a body sets \Seen for bob only.
  const body = await run(bob, 's6', 'FETCH 2 (FLAGS BODY[TEXT])');
  assert.ok(body.some((l) => /^\* 2 FETCH .*FLAGS \(\\Seen \\Recent\)/.test(l)), body.join('\n'));
  assert.ok((await run(bob, 's7', 'SEARCH UNSEEN')).includes('* SEARCH 1'));
  assert.ok((await run(alice, 's8', 'STATUS "Shared Folders/News" (UNSEEN)')).includes('* STATUS "Shared Folders/News" (UNSEEN 1)'));
  assert.ok((await run(carol, 's9', 'STATUS "Shared Folders/News" (UNSEEN)')).includes('* STATUS "Shared Folders/News" (UNSEEN 2)'));

  // alice, with the folder open, flags a message: everyone sees \Flagged, each with their own \Seen.
  await run(alice, 's10', 'SELECT "Shared Folders/News"');
  const stored = await run(alice, 's11', 'STORE 1:2 +FLAGS (\\Flagged)');
  assert.ok(stored.includes('* 1 FETCH (FLAGS (\\Flagged \\Seen))'), stored.join('\n'));
  assert.ok(stored.includes('* 2 FETCH (FLAGS (\\Flagged))'), stored.join('\n'));
  const seenByBob = await run(bob, 's12', 'FETCH 1:2 FLAGS');
  // (bob selected the folder first, so the messages are \Recent in his session.)
  assert.ok(seenByBob.includes('* 1 FETCH (FLAGS (\\Flagged \\Recent))'), seenByBob.join('\n'));
  assert.ok(seenByBob.includes('* 2 FETCH (FLAGS (\\Flagged \\Seen \\Recent))'), seenByBob.join('\n'));
  // COPY out takes bob's own \Seen along.
  assert.match(last(await run(bob, 's13', 'COPY 1:2 INBOX')), /^s13 OK \[COPYUID/);
  const inbox = t.engine.ctx.store.mailbox(userId(t, 'bob'), 'INBOX')!;
  assert.deepEqual(t.engine.ctx.store.messages(inbox.id).map((m) => m.flags.includes('\\Seen')), [false, true]);
  await run(bob, 's14', 'UNSELECT');
  await run(alice, 's15', 'UNSELECT');
});

test('negative rights take rights away, also from "anyone" and group grants', async () => {
  await setAcl('News', '-bob', 'r');
  assert.equal(await myRights(bob, 'g1', 'News'), 'ls');
  assert.match(last(await run(bob, 'g2', 'SELECT "Shared Folders/News"')), /^g2 NO \[NOPERM\]/);
  assert.equal(await myRights(carol, 'g3', 'News'), 'lrs', 'only bob loses r');
  await setAcl('News', '-bob', 'lr');
  // With none of l r i k x a left, the folder does not exist for bob.
  assert.match(last(await run(bob, 'g4', 'MYRIGHTS "Shared Folders/News"')), /^g4 NO \[NONEXISTENT\]/);
  assert.ok(!(await run(bob, 'g5', 'LIST "" "*"')).some((l) => l.includes('Shared Folders/News')));
  const acl = await run(alice, 'g6', 'GETACL "Shared Folders/News"');
  assert.match(last(acl), /^g6 NO \[NOPERM\]/, 'alice has no a');
  await setAcl('News', '-bob', '');
  assert.equal(await myRights(bob, 'g7', 'News'), 'lrs');
});

test('group:NAME grants follow group membership, and negative group rights subtract', async () => {
  await api('mutation { createPublicFolder(input: {name: "Staff", acl: [{identifier: "group:staff", rights: "lrswipkxtea"}]}) { name } }');
  assert.equal(await myRights(carol, 'p1', 'Staff'), 'lrswipkxtea');
  assert.match(last(await run(bob, 'p2', 'MYRIGHTS "Shared Folders/Staff"')), /^p2 NO \[NONEXISTENT\]/);
  // carol administers it over IMAP: GETACL shows no owner, only entries.
  assert.ok((await run(carol, 'p3', 'GETACL "Shared Folders/Staff"')).includes('* ACL "Shared Folders/Staff" "group:staff" lrswipkxtea'));
  assert.match(last(await run(carol, 'p4', 'SETACL "Shared Folders/Staff" -group:interns wx')), /^p4 OK/);
  assert.match(last(await run(carol, 'p5', 'SETACL "Shared Folders/Staff" "group:" l')), /^p5 NO \[INVALID\]/);
  assert.match(last(await run(carol, 'p5a', 'SETACL "Shared Folders/Staff" "group:Mail Users" l')), /^p5a OK/);
  assert.match(last(await run(carol, 'p5b', 'DELETEACL "Shared Folders/Staff" "group:Mail Users"')), /^p5b OK/);
  // k: carol creates below it; the new folder starts with its parent's ACL.
  assert.match(last(await run(carol, 'p6', 'CREATE "Shared Folders/Staff/Minutes"')), /^p6 OK/);
  assert.ok((await run(carol, 'p7', 'GETACL "Shared Folders/Staff/Minutes"')).some((l) => l.includes('"group:staff" lrswipkxtea') && l.includes('"-group:interns" wx')));
  assert.match(last(await run(carol, 'p8', appendLine('"Shared Folders/Staff/Minutes"', '\\Seen', 'minutes'))), /^p8 OK/);

  // bob joins staff: the rights apply at his next command, without logging in again.
  const bobId = userId(t, 'bob');
  await api(`mutation { updateUser(input: {id: "${bobId}", groups: ["Staff"]}) { id } }`);
  assert.equal(await myRights(bob, 'p9', 'Staff'), 'lrswipkxtea', 'group names compare case-insensitively');
  // ...and into interns: the negative group entry takes w and x away.
  await api(`mutation { updateUser(input: {id: "${bobId}", groups: ["staff", "interns"]}) { id } }`);
  assert.equal(await myRights(bob, 'p10', 'Staff'), 'lrsipktea');
  assert.match(last(await run(bob, 'p11', 'DELETE "Shared Folders/Staff/Minutes"')), /^p11 NO \[NOPERM\]/);
  const status = await run(bob, 'p12', 'STATUS "Shared Folders/Staff/Minutes" (MESSAGES UNSEEN)');
  assert.ok(status.includes('* STATUS "Shared Folders/Staff/Minutes" (MESSAGES 1 UNSEEN 1)'), status.join('\n'));
  // MOVE into it from bob's INBOX needs only i there.
  await run(bob, 'p13', 'SELECT INBOX');
  assert.match(last(await run(bob, 'p14', 'MOVE 1 "Shared Folders/Staff/Minutes"')), /^p14 OK/);
  await run(bob, 'p15', 'UNSELECT');
  await api(`mutation { updateUser(input: {id: "${bobId}", groups: []}) { id } }`);
  assert.match(last(await run(bob, 'p16', 'MYRIGHTS "Shared Folders/Staff"')), /^p16 NO \[NONEXISTENT\]/);

  // Over GraphQL, group and negative identifiers work on users' mailboxes too.
  const r = await gql(t.ports.http, `mutation { setMailboxAcl(input: {userId: "${userId(t)}", mailbox: "Archive", identifier: "group:staff", rights: "lr"}) { acl { identifier rights } } }`, { token });
  assert.equal(r.errors, undefined, JSON.stringify(r.errors));
  assert.ok((await run(carol, 'p17', 'MYRIGHTS "Other Users/alice/Archive"')).includes('* MYRIGHTS "Other Users/alice/Archive" lr'));
  await api(`mutation { setMailboxAcl(input: {userId: "${userId(t)}", mailbox: "Archive", identifier: "-carol", rights: "r"}) { name } }`);
  assert.ok((await run(carol, 'p18', 'MYRIGHTS "Other Users/alice/Archive"')).includes('* MYRIGHTS "Other Users/alice/Archive" l'));
  const owner = await gql(t.ports.http, `mutation { setMailboxAcl(input: {userId: "${userId(t)}", mailbox: "Archive", identifier: "-alice", rights: "r"}) { name } }`, { token });
  assert.equal(owner.errors?.[0].extensions?.code, 'BAD_USER_INPUT');
  // The owner of a personal mailbox keeps every right whatever the negative entries say.
  assert.match(last(await run(alice, 'p19', 'SETACL Archive -anyone lrswipkxtea')), /^p19 OK/);
  assert.ok((await run(alice, 'p20', 'MYRIGHTS Archive')).includes('* MYRIGHTS "Archive" lrswipkxtea'));
  assert.ok((await run(carol, 'p21', 'MYRIGHTS "Other Users/alice/Archive"')).some((l) => /^p21 NO \[NONEXISTENT\]/.test(l)));
});

test('the mail administrator sees every public folder and may create, administer and delete them over IMAP', async () => {
  const dave = await loggedIn(t, DAVE);
  try {
    await setAcl('News', 'anyone', '');
    assert.equal(await myRights(dave, 'd1', 'News'), 'lkxa');
    assert.match(last(await run(dave, 'd2', 'SELECT "Shared Folders/News"')), /^d2 NO \[NOPERM\]/);
    assert.match(last(await run(dave, 'd3', 'CREATE "Shared Folders/Notices"')), /^d3 OK/);
    assert.ok((await run(dave, 'd4', 'GETACL "Shared Folders/Notices"')).includes('* ACL "Shared Folders/Notices" "anyone" lrs'));
    assert.match(last(await run(dave, 'd5', 'RENAME "Shared Folders/Notices" "Shared Folders/Board"')), /^d5 OK/);
    assert.match(last(await run(dave, 'd6', 'RENAME "Shared Folders/Board" "Board"')), /^d6 NO \[CANNOT\]/);
    assert.equal(await myRights(bob, 'd7', 'Board'), 'lrs');
    assert.match(last(await run(dave, 'd8', 'DELETE "Shared Folders/Board"')), /^d8 OK/);
  } finally {
    dave.close();
  }
  assert.match(last(await run(carol, 'd8a', 'SUBSCRIBE "Shared Folders/Staff/Minutes"')), /^d8a OK/);
  await api('mutation { renamePublicFolder(input: {name: "Staff", newName: "Team"}) { name } }');
  // Subscriptions follow the renamed folder.
  const lsub = await run(carol, 'd8b', 'LSUB "" "Shared Folders/*"');
  assert.ok(lsub.includes('* LSUB () "/" "Shared Folders/Team/Minutes"') && !lsub.some((l) => l.includes('Staff')), lsub.join('\n'));
  assert.equal(await myRights(carol, 'd9', 'Team/Minutes'), 'lrswipkxtea');
  assert.equal(await api('mutation { deletePublicFolder(input: {name: "Team/Minutes"}) }').then((d) => d.deletePublicFolder), true);
  const names = await api('{ publicFolders { nodes { name acl { identifier } } } }');
  assert.deepEqual((names.publicFolders as { nodes: { name: string }[] }).nodes.map((n) => n.name), ['News', 'Team']);
});

test('Sieve fileinto "Shared Folders/…" delivers into a public folder when the recipient has p, else to INBOX', async () => {
  await api('mutation { createPublicFolder(input: {name: "Inbound", acl: [{identifier: "anyone", rights: "lrs"}, {identifier: "group:posters", rights: "p"}]}) { name } }');
  const bobId = userId(t, 'bob');
  await t.engine.ctx.sieve.put(bobId, 'to-public', 'require ["fileinto", "imap4flags"];\r\nfileinto :flags "\\\\Seen" "Shared Folders/Inbound";', { activate: true });
  const send = async (subject: string) => {
    const r = await smtpSend(t.ports.smtp, 'sender@example.org', ['bob@example.test'], simpleMessage(subject));
    assert.match(r.data ?? '', /^250 /);
    await t.engine.ctx.queue.idle();
  };
  const subjects = async (ownerId: number, name: string) => {
    const box = t.engine.ctx.store.mailbox(ownerId, name);
    const texts = await Promise.all(t.engine.ctx.store.messages(box!.id).map(async (m) => (await t.engine.ctx.store.readMessage(m)).toString()));
    return texts.map((m) => /^Subject: (.*)\r$/m.exec(m)?.[1]);
  };
  const publicOwner = t.engine.ctx.store.publicOwnerId;
  await send('without p');
  assert.deepEqual(await subjects(publicOwner, 'Inbound'), []);
  assert.ok((await subjects(bobId, 'INBOX')).includes('without p'));

  await api(`mutation { updateUser(input: {id: "${bobId}", groups: ["posters"]}) { id } }`);
  await send('with p');
  assert.deepEqual(await subjects(publicOwner, 'Inbound'), ['with p']);
  // The \Seen the script set is bob's own.
  assert.ok((await run(bob, 'v1', 'STATUS "Shared Folders/Inbound" (MESSAGES UNSEEN)')).includes('* STATUS "Shared Folders/Inbound" (MESSAGES 1 UNSEEN 0)'));
  assert.ok((await run(carol, 'v2', 'STATUS "Shared Folders/Inbound" (MESSAGES UNSEEN)')).includes('* STATUS "Shared Folders/Inbound" (MESSAGES 1 UNSEEN 1)'));
  await api(`mutation { updateUser(input: {id: "${bobId}", groups: []}) { id } }`);
});

test('imapflow as carol: the public folder is listed under the shared namespace and shows carol\u2019s own \\Seen', async () => {
  const c = new ImapFlow({ host: '127.0.0.1', port: t.ports.imaps, secure: true, auth: { user: CAROL.shortName, pass: CAROL.password }, tls: { rejectUnauthorized: false }, logger: false });
  await c.connect();
  try {
    const boxes = await c.list();
    const inbound = boxes.find((b) => b.path === 'Shared Folders/Inbound');
    assert.ok(inbound, boxes.map((b) => b.path).join(', '));
    assert.equal(inbound.delimiter, '/');
    await c.mailboxOpen('Shared Folders/Inbound');
    // bob has read the one message (his Sieve script set \Seen); for carol it is unread.
    const seen = async () => {
      const out: boolean[] = [];
      for await (const m of c.fetch('1:*', { flags: true })) out.push(m.flags?.has('\\Seen') ?? false);
      return out;
    };
    assert.deepEqual(await seen(), [false]);
    await c.messageFlagsAdd('1', ['\\Seen']);
    assert.deepEqual(await seen(), [true]);
    await c.messageFlagsRemove('1', ['\\Seen']);
  } finally {
    await c.logout();
  }
  assert.ok((await run(carol, 'f1', 'STATUS "Shared Folders/Inbound" (UNSEEN)')).includes('* STATUS "Shared Folders/Inbound" (UNSEEN 1)'));
  assert.ok((await run(bob, 'f2', 'STATUS "Shared Folders/Inbound" (UNSEEN)')).includes('* STATUS "Shared Folders/Inbound" (UNSEEN 0)'), 'bob\u2019s \\Seen untouched');
});
