import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startEngine, type TestEngine } from '../helpers/engine';
import { simpleMessage, smtpSend } from '../helpers/smtp';

/** Who gets mail for which address: names, aliases, virtual domains and hosts, forwarding, catch-all. */
describe('addressing', () => {
  let t: TestEngine;
  const id = (name: string) => t.engine.ctx.directory.userByName(name)!.id;
  const count = (name: string) => t.engine.ctx.store.mailbox(id(name), 'INBOX')!.messageCount;
  const resolve = (address: string) => t.engine.ctx.directory.resolve(address);

  before(async () => {
    t = await startEngine({
      users: [
        { shortName: 'alice', password: 'alice-password-1', names: ['alice.liddell'] },
        { shortName: 'bob', password: 'bob-password-12', names: ['postmaster@example1.test'] },
        { shortName: 'bob2', password: 'bob-password-12', names: ['bob@example2.test'] },
        { shortName: 'carol', password: 'carol-password-1', forwardTo: ['alice', 'carol'] },
        { shortName: 'dave', password: 'dave-password-1', mailEnabled: false },
      ],
    });
    const d = t.engine.ctx.directory;
    d.addDomain('example.org.test', 'virtual-domain');
    d.addDomain('example1.test', 'virtual-host');
    d.addDomain('example2.test', 'virtual-host');
    d.createAlias('team', ['alice', 'bob']);
    d.createAlias('sales@example1.test', ['bob2', 'alice@example.test']);
    d.createAlias('loop1', ['loop2']);
    d.createAlias('loop2', ['loop1']);
  });
  after(() => t.stop());

  it('makes the host name and its domain local on first start, with postmaster and abuse', () => {
    const domains = t.engine.ctx.directory.domains().filter((x) => x.kind === 'local').map((x) => x.name);
    assert.deepEqual(domains.sort(), ['example.test', 'mail.example.test']);
    assert.deepEqual(t.engine.ctx.directory.alias('postmaster')!.targets, ['alice'], 'the first user takes postmaster mail');
    assert.deepEqual(resolve('abuse@mail.example.test'), { kind: 'local', users: [id('alice')], remote: [] });
  });

  it('delivers a user by short name and additional short name in every local and virtual domain', () => {
    for (const a of ['alice@example.test', 'ALICE@Mail.Example.Test', 'alice.liddell@example.test', 'alice@example.org.test', 'alice+news@example.test']) {
      assert.deepEqual(resolve(a), { kind: 'local', users: [id('alice')], remote: [] }, a);
    }
  });

  it('keeps virtual hosts separate: full-address names and aliases only', () => {
    assert.deepEqual(resolve('bob@example2.test'), { kind: 'local', users: [id('bob2')], remote: [] });
    assert.deepEqual(resolve('alice@example1.test'), { kind: 'unknown' });
    assert.deepEqual(resolve('postmaster@example1.test'), { kind: 'local', users: [id('bob')], remote: [] });
    assert.deepEqual(resolve('postmaster@example2.test'), { kind: 'local', users: [id('alice')], remote: [] }, 'falls back to the system postmaster');
    assert.deepEqual(resolve('sales@example1.test'), { kind: 'local', users: [id('bob2'), id('alice')], remote: [] });
  });

  it('expands aliases, forwards (keeping a copy when the user forwards to itself) and detects loops', () => {
    assert.deepEqual(resolve('team@example.test'), { kind: 'local', users: [id('alice'), id('bob')], remote: [] });
    assert.deepEqual(resolve('carol@example.test'), { kind: 'local', users: [id('alice'), id('carol')], remote: [] });
    assert.equal(resolve('loop1@example.test').kind, 'loop');
    assert.deepEqual(resolve('dave@example.test'), { kind: 'unknown' }, 'mail disabled');
    assert.deepEqual(resolve('x@elsewhere.test'), { kind: 'remote' });
  });

  it('delivers one copy per mailbox over SMTP and refuses loops', async () => {
    await t.engine.ctx.queue.idle();
    const [a, b] = [count('alice'), count('bob')];
    const r = await smtpSend(t.ports.smtp, 'x@example.org', ['team@example.test', 'alice@example.test', 'loop1@example.test'], simpleMessage('team'));
    assert.match(r.rcpt[2], /^550 5\.4\.6 /);
    assert.match(r.data!, /^250 /);
    await t.engine.ctx.queue.idle();
    assert.equal(count('alice'), a + 1, 'alice once, though named twice');
    assert.equal(count('bob'), b + 1);
  });

  it('sends unknown recipients to the catch-all account when one is set', async () => {
    t.engine.ctx.settings.update({ catchAllAccount: 'bob' });
    try {
      await t.engine.ctx.queue.idle();
      const before = count('bob');
      const r = await smtpSend(t.ports.smtp, 'x@example.org', ['nobody@example.test'], simpleMessage('lost'));
      assert.match(r.rcpt[0], /^250 /);
      await t.engine.ctx.queue.idle();
      assert.equal(count('bob'), before + 1);
    } finally {
      t.engine.ctx.settings.update({ catchAllAccount: '' });
    }
  });

  it('keeps a Bcc copy of every message for the archive address', async () => {
    t.engine.ctx.settings.update({ archiveCopyTo: 'bob2' });
    try {
      await t.engine.ctx.queue.idle();
      const before = count('bob2');
      await smtpSend(t.ports.smtp, 'x@example.org', ['alice@example.test'], simpleMessage('archived'));
      await t.engine.ctx.queue.idle();
      assert.equal(count('bob2'), before + 1);
    } finally {
      t.engine.ctx.settings.update({ archiveCopyTo: '' });
    }
  });

  it('copies a message that named unknown recipients to the "copy undeliverable" address', async () => {
    t.engine.ctx.settings.update({ copyUndeliverableTo: 'bob2' });
    try {
      await t.engine.ctx.queue.idle();
      const before = count('bob2');
      const r = await smtpSend(t.ports.smtp, 'x@example.org', ['alice@example.test', 'alcie@example.test'], simpleMessage('typo'));
      assert.match(r.rcpt[1], /^550 5\.1\.1 /, 'the unknown recipient is still refused');
      await t.engine.ctx.queue.idle();
      assert.equal(count('bob2'), before + 1);
      await smtpSend(t.ports.smtp, 'x@example.org', ['alice@example.test'], simpleMessage('fine'));
      await t.engine.ctx.queue.idle();
      assert.equal(count('bob2'), before + 1, 'well-addressed mail is not copied');
    } finally {
      t.engine.ctx.settings.update({ copyUndeliverableTo: '' });
    }
  });

  it('imports a Postfix aliases file', () => {
    const n = t.engine.ctx.directory.importAliasFile('# comment\nrobert.fakeuser: bob\npostmaster@example2.test: bob2,\n  alice\n');
    assert.equal(n, 2);
    assert.deepEqual(resolve('robert.fakeuser@example.test'), { kind: 'local', users: [id('bob')], remote: [] });
    assert.deepEqual(resolve('postmaster@example2.test'), { kind: 'local', users: [id('bob2'), id('alice')], remote: [] });
  });

  it('applies the seed\u2019s service access table', async () => {
    const d = t.engine.ctx.directory;
    const s = t.engine.ctx.settings;
    const user = (name: string) => d.userByName(name)!;
    await t.engine.ctx.accounts.update(id('bob'), { protocols: 'pop' });
    assert.equal(d.canUse(user('bob'), 'imap'), false, 'ACL off, record on: the user record decides');
    assert.equal(d.canUse(user('bob'), 'pop'), true);
    assert.equal(d.canUse(user('dave'), 'pop'), false, 'ACL off, record off: no access');
    s.update({ serviceAccessRestricted: true, serviceAccessAllowed: ['bob', 'dave'] });
    try {
      assert.equal(d.canUse(user('bob'), 'imap'), true, 'ACL on: the general settings decide');
      assert.equal(d.canUse(user('dave'), 'imap'), true, 'ACL on, record off: the general settings decide');
      s.update({ imapEnabled: false });
      assert.equal(d.canUse(user('bob'), 'imap'), false);
    } finally {
      s.update({ serviceAccessRestricted: false, serviceAccessAllowed: [], imapEnabled: true });
      await t.engine.ctx.accounts.update(id('bob'), { protocols: 'both' });
    }
  });
});
