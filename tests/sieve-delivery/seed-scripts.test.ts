import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type TestEngine, startEngine } from '../helpers/engine';
import { smtpSend } from '../helpers/smtp';

const SEED = path.join(__dirname, '..', '..', '..', 'tests', 'sieve', 'corpus', 'seed');

function message(from: string, to: string, subject: string, extra: string[] = []): string {
  return [`From: ${from}`, `To: ${to}`, `Subject: ${subject}`, `Date: ${new Date().toUTCString()}`, `Message-ID: <${subject.replace(/\W/g, '')}.${Date.now()}@example.org>`, ...extra, '', 'Hello.', ''].join('\r\n');
}

describe('the seed\u2019s sample scripts on delivered mail', () => {
  let t: TestEngine;
  const ctx = () => t.engine.ctx;
  const id = (name: string) => ctx().directory.userByName(name)!.id;
  /** The messages in one of a user's folders, as text. */
  const folder = async (user: string, name = 'INBOX'): Promise<string[]> => {
    const box = ctx().store.mailbox(id(user), name);
    if (!box) return [];
    return Promise.all(ctx().store.messages(box.id).map(async (m) => (await ctx().store.readMessage(m)).toString()));
  };
  const subjects = async (user: string, name = 'INBOX') => (await folder(user, name)).map((m) => /^Subject: (.*)$/m.exec(m)?.[1]);
  async function send(from: string, to: string, msg: string): Promise<void> {
    const r = await smtpSend(t.ports.smtp, from, [to], msg);
    assert.match(r.data ?? r.rcpt.join(' '), /^250 /);
    await ctx().queue.idle();
  }
  async function activate(user: string, file: string): Promise<void> {
    await ctx().sieve.put(id(user), file, fs.readFileSync(path.join(SEED, `${file}.sieve`), 'utf8'), { activate: true });
  }

  before(async () => {
    t = await startEngine({
      users: [
        { shortName: 'alice', password: 'alice-password', names: ['alice.smith'] },
        { shortName: 'bob', password: 'bob-password' },
        { shortName: 'carol', password: 'carol-password' },
        { shortName: 'dana', password: 'dana-password' },
        { shortName: 'home', password: 'home-password' },
        { shortName: 'pm', password: 'pm-password' },
        { shortName: 'other', password: 'other-password' },
        { shortName: 'sender', password: 'sender-password' },
      ],
    });
    const d = ctx().directory;
    d.addDomain('example.com', 'virtual-domain');
    d.addDomain('server.edu', 'virtual-domain');
    d.createAlias('my-other-address@example.com', ['other']);
    d.createAlias('home-address@example.com', ['home']);
    d.createAlias('postmaster@server.edu', ['pm']);
    d.createAlias('team', ['alice']);
    await activate('alice', 'vacation');
    await activate('bob', 'forwarding');
    await activate('dana', 'sort-and-junk');
  });
  after(() => t.stop());

  it('vacation: answers a sender once per period, with RFC 3834 marks, whichever address was used', async () => {
    await send('carol@example.test', 'alice@example.test', message('Carol <carol@example.test>', 'alice@example.test', 'first'));
    await send('carol@example.test', 'alice@example.test', message('Carol <carol@example.test>', 'alice@example.test', 'second'));
    assert.deepEqual(await subjects('alice'), ['first', 'second']);
    const replies = await folder('carol');
    assert.equal(replies.length, 1, 'one reply in seven days');
    const reply = replies[0];
    assert.match(reply, /^Return-Path: <>\r$/m);
    assert.match(reply, /^Auto-Submitted: auto-replied/m);
    assert.match(reply, /^Subject: Out of Office Reply\r$/m);
    assert.match(reply, /^From: alice@example\.test\r$/m);
    assert.match(reply, /^To: carol@example\.test\r$/m);
    assert.match(reply, /^In-Reply-To: <first\.\d+@example\.org>\r$/m);
    assert.match(reply, /^References: <first\.\d+@example\.org>\r$/m);
    assert.match(reply, /Content-Transfer-Encoding: quoted-printable/);
    assert.match(reply, /I=E2=80=99m out of the office/);
    // An OS X-style additional name and a Postfix-style alias reach the same script.
    await send('dana@example.test', 'alice.smith@example.test', message('dana@example.test', 'alice.smith@example.test', 'via name'));
    assert.equal((await folder('dana')).filter((m) => /Out of Office Reply/.test(m)).length, 1);
    await send('pm@example.test', 'team@example.test', message('pm@example.test', 'team@example.test', 'via alias'));
    assert.equal((await folder('pm')).length, 1, 'the alias address is in To, so the reply goes out');
  });

  it('vacation: never answers lists, bulk or automatic mail', async () => {
    const before = (await folder('sender')).length;
    await send('sender@example.test', 'alice@example.test', message('sender@example.test', 'alice@example.test', 'bulk', ['Precedence: bulk']));
    await send('sender@example.test', 'alice@example.test', message('sender@example.test', 'alice@example.test', 'list', ['List-Id: <x.lists.example.org>']));
    await send('sender@example.test', 'alice@example.test', message('sender@example.test', 'alice@example.test', 'auto', ['Auto-Submitted: auto-generated']));
    await send('sender@example.test', 'alice@example.test', message('sender@example.test', 'someone-else@example.org', 'not to me'));
    assert.equal((await folder('sender')).length, before);
    assert.ok((await subjects('alice')).includes('bulk'), 'the messages themselves are delivered');
  });

  it('forwarding with keep: a copy stays and the redirect reaches the other address, marked against loops', async () => {
    await send('carol@example.test', 'bob@example.test', message('carol@example.test', 'bob@example.test', 'for bob'));
    assert.deepEqual(await subjects('bob'), ['for bob']);
    const forwarded = await folder('other');
    assert.equal(forwarded.length, 1);
    assert.match(forwarded[0], /^Return-Path: <carol@example\.test>\r$/m, 'the original sender stays the envelope sender');
    assert.match(forwarded[0], /^X-Pillarbox-Redirected: bob@example\.test\r$/m);
    assert.match(forwarded[0], /^Subject: for bob\r$/m);
  });

  it('a redirect loop ends: a message that passed through a user\u2019s redirect is kept when it comes back', async () => {
    await ctx().sieve.put(id('other'), 'back', 'redirect "bob@example.test";', { activate: true });
    try {
      await send('carol@example.test', 'bob@example.test', message('carol@example.test', 'bob@example.test', 'loop'));
      assert.deepEqual((await subjects('bob')).filter((s) => s === 'loop').length, 2, 'the original copy and the returned one');
      assert.deepEqual(ctx().queue.entries(), []);
    } finally {
      ctx().sieve.setActive(id('other'), null);
    }
  });

  it('sort and anti-junk: redirects, discards and files into folders', async () => {
    await send('mom@example.net', 'dana@example.test', message('Mom <mom@example.net>', 'dana@example.test', 'from mom'));
    await send('x@example.net', 'dana@example.test', message('x@example.net', 'dana@example.test', 'daffodil season'));
    await send('x@example.net', 'dana@example.test', message('x@example.net', 'dana@example.test', 'spam', ['X-Spam-Flag: YES']));
    await send('x@example.net', 'dana@example.test', message('x@example.net', 'dana@example.test', 'maybe spam', ['X-Spam-Level: ****']));
    await send('x@example.net', 'dana@example.test', message('x@example.net', 'dana@example.test', 'normal'));
    assert.deepEqual(await subjects('home'), ['from mom']);
    assert.ok((await subjects('pm')).includes('daffodil season'), 'forward "postmaster@server.edu"');
    assert.deepEqual(await subjects('dana', 'JunkMail'), ['maybe spam'], 'INBOX.JunkMail is the JunkMail folder, created');
    // (The vacation reply dana got in the first test is in INBOX too: the else branch filed it there.)
    assert.deepEqual((await subjects('dana')).filter((s) => s !== 'Out of Office Reply'), ['normal']);
    assert.deepEqual(ctx().queue.entries(), [], 'discarded mail counts as delivered');
  });
});
