import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SieveStage } from '../../server/delivery/sieve-stage';
import type { LocalMessage } from '../../server/delivery/types';
import type { QueueEntry } from '../../server/queue/types';
import { type TestEngine, startEngine } from '../helpers/engine';
import { smtpSend } from '../helpers/smtp';

function message(subject: string, extra: string[] = []): string {
  return [`From: sender@example.test`, `To: user@example.test`, `Subject: ${subject}`, `Message-ID: <${subject.replace(/\W/g, '')}@example.org>`, ...extra, '', 'Hello.', ''].join('\r\n');
}

describe('Sieve actions at delivery', () => {
  let t: TestEngine;
  const ctx = () => t.engine.ctx;
  const id = (name: string) => ctx().directory.userByName(name)!.id;
  const stored = async (user: string, name = 'INBOX') => {
    const box = ctx().store.mailbox(id(user), name);
    if (!box) return [];
    return Promise.all(
      ctx().store.messages(box.id).map(async (m) => ({ flags: m.flags, subject: /^Subject: (.*)\r$/m.exec((await ctx().store.readMessage(m)).toString())?.[1] })),
    );
  };
  async function deliver(script: string, subject: string, extra: string[] = []): Promise<void> {
    await ctx().sieve.put(id('user'), 'test', script, { activate: true });
    const r = await smtpSend(t.ports.smtp, 'sender@example.test', ['user@example.test'], message(subject, extra));
    assert.match(r.data ?? '', /^250 /);
    await ctx().queue.idle();
  }

  before(async () => {
    t = await startEngine({
      users: [
        { shortName: 'user', password: 'user-password' },
        { shortName: 'sender', password: 'sender-password' },
        { shortName: 'tiny', password: 'tiny-password', quotaMb: 1 },
      ],
    });
  });
  after(() => t.stop());

  it('keep and fileinto :copy store two copies, each with its imap4flags flags', async () => {
    await deliver('require ["fileinto", "copy", "imap4flags"];\r\nfileinto :copy :flags "\\\\Flagged" "Archive";\r\naddflag "\\\\Seen";\r\nkeep;', 'two copies');
    assert.deepEqual(await stored('user', 'Archive'), [{ flags: ['\\Flagged'], subject: 'two copies' }]);
    assert.deepEqual((await stored('user')).filter((m) => m.subject === 'two copies'), [{ flags: ['\\Seen'], subject: 'two copies' }]);
  });

  it('fileinto a missing folder: created by default, INBOX when the setting is off and there is no :create', async () => {
    await deliver('require "fileinto"; fileinto "INBOX.Lists.Work";', 'cyrus name');
    assert.deepEqual((await stored('user', 'Lists/Work')).map((m) => m.subject), ['cyrus name']);
    ctx().settings.update({ sieveFileintoCreatesMailbox: false });
    try {
      await deliver('require "fileinto"; fileinto "Nowhere";', 'no folder');
      assert.equal(ctx().store.mailbox(id('user'), 'Nowhere'), undefined);
      assert.ok((await stored('user')).some((m) => m.subject === 'no folder'));
      await deliver('require ["fileinto", "mailbox"]; fileinto :create "Made";', 'with create');
      assert.deepEqual((await stored('user', 'Made')).map((m) => m.subject), ['with create']);
    } finally {
      ctx().settings.update({ sieveFileintoCreatesMailbox: true });
    }
  });

  it('reject: the sender gets a bounce with the reason; nothing is stored', async () => {
    await deliver('require "reject"; reject "I do not accept mail about this.";', 'refused');
    assert.ok(!(await stored('user')).some((m) => m.subject === 'refused'));
    const box = ctx().store.mailbox(id('sender'), 'INBOX')!;
    const texts = await Promise.all(ctx().store.messages(box.id).map(async (m) => (await ctx().store.readMessage(m)).toString()));
    assert.ok(texts.some((m) => /Undelivered Mail/.test(m) && /I do not accept mail about this\./.test(m)));
  });

  it('a run-time error keeps the message in INBOX', async () => {
    await deliver('require "variables"; set "a" "not an address"; redirect "${a}";', 'runtime error');
    assert.ok((await stored('user')).some((m) => m.subject === 'runtime error'));
  });

  it('discard stores nothing and finishes the queue entry', async () => {
    await deliver('discard;', 'gone');
    assert.ok(!(await stored('user')).some((m) => m.subject === 'gone'));
    assert.deepEqual(ctx().queue.entries(), []);
  });

  it('include :global and :personal load the global table and the user\u2019s own scripts', async () => {
    await ctx().sieve.putGlobal('spam-rules', 'require "fileinto"; if header :contains "Subject" "[global]" { fileinto "FromGlobal"; }');
    await ctx().sieve.put(id('user'), 'personal-part', 'require "fileinto"; if header :contains "Subject" "[personal]" { fileinto "FromPersonal"; }');
    await deliver('require "include"; include :global "spam-rules"; include :personal "personal-part";', 'a [global] rule');
    await deliver('require "include"; include :global "spam-rules"; include :personal "personal-part";', 'a [personal] rule');
    assert.deepEqual((await stored('user', 'FromGlobal')).map((m) => m.subject), ['a [global] rule']);
    assert.deepEqual((await stored('user', 'FromPersonal')).map((m) => m.subject), ['a [personal] rule']);
  });

  it('vacation :mime sends the MIME entity as given', async () => {
    await deliver(
      'require "vacation"; vacation :mime :subject "Away" :addresses "user@example.test" text:\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Away</p>\r\n.\r\n;',
      'mime vacation',
    );
    const box = ctx().store.mailbox(id('sender'), 'INBOX')!;
    const texts = await Promise.all(ctx().store.messages(box.id).map(async (m) => (await ctx().store.readMessage(m)).toString()));
    const reply = texts.find((m) => /^Subject: Away\r$/m.test(m));
    assert.ok(reply, 'the reply arrived');
    assert.match(reply, /^Content-Type: text\/html; charset=utf-8\r\n\r\n<p>Away<\/p>/m);
    assert.match(reply, /^MIME-Version: 1\.0\r$/m);
  });

  it('a retried delivery does not send a redirect or vacation reply again', async () => {
    const filler = Buffer.from(('f'.repeat(998) + '\r\n').repeat(900));
    await ctx().store.append([{ userId: id('tiny'), mailbox: 'INBOX', source: { parts: [filler] } }]);
    await ctx().sieve.put(id('tiny'), 'test', 'require ["vacation"]; redirect "sender@example.test"; vacation :days 1 "Away"; keep;', { activate: true });
    const big = message('retried', []).replace('Hello.', ('r'.repeat(998) + '\r\n').repeat(200));
    const r = await smtpSend(t.ports.smtp, 'someone@example.org', ['tiny@example.test'], big);
    assert.match(r.data ?? '', /^250 /);
    await ctx().queue.idle();
    const held = ctx().queue.entries().find((e) => e.recipients.some((rc) => rc.original === 'tiny@example.test'));
    assert.ok(held, 'over quota: the message waits in the queue');
    ctx().queue.retry(held.id);
    await ctx().queue.idle();
    assert.ok(ctx().queue.entry(held.id), 'still over quota after the retry');
    const box = ctx().store.mailbox(id('tiny'), 'INBOX')!;
    await ctx().store.expunge(box.id, ctx().store.messages(box.id).filter((m) => m.size > 800_000).map((m) => m.uid));
    ctx().queue.retry(held.id);
    await ctx().queue.idle();
    assert.equal(ctx().queue.entry(held.id), undefined, 'delivered once there was room');
    assert.deepEqual((await stored('tiny')).filter((m) => m.subject === 'retried').length, 1);
    assert.equal((await stored('sender')).filter((m) => m.subject === 'retried').length, 1, 'one redirected copy');
    const queued = ctx().queue.entries().filter((e) => e.client.startsWith('sieve vacation'));
    assert.equal(queued.length, 0, 'no vacation reply left queued');
  });

  it('spamtest and virustest read the screening verdicts', async () => {
    await ctx().sieve.put(
      id('user'),
      'test',
      'require ["spamtest", "virustest", "fileinto", "relational", "comparator-i;ascii-numeric"];\r\n' +
        'if virustest :value "ge" :comparator "i;ascii-numeric" "4" { fileinto "Virus"; }\r\n' +
        'elsif spamtest :value "ge" :comparator "i;ascii-numeric" "6" { fileinto "Junk"; }',
      { activate: true },
    );
    const file = path.join(t.dataDir, 'spool', 'verdict-test.eml');
    fs.writeFileSync(file, message('scored'));
    const user = ctx().directory.userByName('user')!;
    const run = async (verdicts: LocalMessage['verdicts']) => {
      const entry = { id: 'v', file, localPrefix: 0, sender: 'x@example.org', size: fs.statSync(file).size } as QueueEntry;
      const m: LocalMessage = { entry, addedHeaders: [], targets: [{ address: `local:${user.id}`, original: 'user@example.test', user, mailbox: 'INBOX', flags: [] }], verdicts };
      await new SieveStage(ctx(), ctx().sieve, ctx().logs.logger('sieve')).run(m);
      return m.targets[0].mailbox;
    };
    assert.equal(await run({ spamScore: 8, virusScore: 1 }), 'Junk');
    assert.equal(await run({ spamScore: 8, virusScore: 5 }), 'Virus');
    assert.equal(await run({ spamScore: 2, virusScore: 1 }), 'INBOX');
    assert.equal(await run(undefined), 'INBOX');
    fs.rmSync(file);
  });
});
