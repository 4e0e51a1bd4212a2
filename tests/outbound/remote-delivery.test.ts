import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEngine, type TestEngine } from '../helpers/engine';
import { smtpSend, swaks } from '../helpers/smtp';
import { DnsServer, SmtpSink, loopbackNet, missingPeers } from './peers';
import { age, inbox, message, nextAttempt, queueAndAttempt } from './helpers';

const skip = missingPeers();

describe('remote delivery to real peers (dnsmasq + smtp-sink)', { skip }, () => {
  const ip = loopbackNet();
  let dns: DnsServer;
  let t: TestEngine;
  let sink: SmtpSink;
  const extra: SmtpSink[] = [];
  let aliceId: number;

  before(async () => {
    dns = await DnsServer.start([
      `--mx-host=remote.test,mx1.remote.test,10`,
      `--mx-host=remote.test,mx2.remote.test,20`,
      `--host-record=mx1.remote.test,${ip(2)}`,
      `--host-record=mx2.remote.test,${ip(3)}`,
      // The preferred MX is down: the second one takes the mail.
      `--mx-host=fallback.test,mx1.fallback.test,10`,
      `--mx-host=fallback.test,mx2.fallback.test,20`,
      `--host-record=mx1.fallback.test,${ip(4)}`,
      `--host-record=mx2.fallback.test,${ip(2)}`,
      // No MX: the domain's own address.
      `--host-record=amail.test,${ip(2)}`,
      `--mx-host=soft.test,mx.soft.test,10`,
      `--host-record=mx.soft.test,${ip(5)}`,
      `--mx-host=hard.test,mx.hard.test,10`,
      `--host-record=mx.hard.test,${ip(6)}`,
      `--mx-host=dead.test,mx.dead.test,10`,
      `--host-record=mx.dead.test,${ip(7)}`,
      `--host-record=relay.test,${ip(8)}`,
      `--mx-host=slow.test,mx.slow.test,10`,
      `--host-record=mx.slow.test,${ip(10)}`,
      `--mx-host=old.test,mx.old.test,10`,
      `--host-record=mx.old.test,${ip(9)}`,
      '--dns-rr=nullmx.test,15,000000',
      '--mx-host=loop.test,mail.example.test,10',
    ]);
    sink = await SmtpSink.start(ip(2));
    extra.push(await SmtpSink.start(ip(5), 25, { flags: ['-r', 'RCPT', '-b', '450 4.2.1 Mailbox busy, try later'] }));
    extra.push(await SmtpSink.start(ip(6), 25, { flags: ['-f', 'RCPT', '-B', '550 5.1.1 No such user here'] }));
    t = await startEngine({
      dns: dns.address,
      users: [{ shortName: 'alice', password: 'alice-password-1', fullName: 'Alice' }],
      settings: { smtpAuthPlain: true, allowPlaintextAuthWithoutTls: true },
    });
    aliceId = t.engine.ctx.directory.userByName('alice')!.id;
  });

  after(async () => {
    await t?.stop();
    await Promise.all([sink, ...extra].map((s) => s?.stop()));
    await dns?.stop();
  });

  const forRecipient = (to: string) => sink.messages().filter((m) => m.rcptTo.includes(`<${to}>`));

  it('delivers by MX: the message reaches the preferred MX without the Return-Path line, dots stuffed and unstuffed', async () => {
    const body = ['.leading dot', '..two dots', '.', 'a line', '. space after dot', ''].join('\r\n');
    const sent = message('MX delivery', body, 'alice@example.test', 'one@remote.test');
    const relayed = t.engine.ctx.counters.total('relayed');
    const entry = await queueAndAttempt(t, 'alice@example.test', ['one@remote.test'], sent);
    assert.equal(entry, undefined, 'delivered and gone from the queue');
    assert.equal(t.engine.ctx.counters.total('relayed'), relayed + 1, 'counted as relayed');
    const [got] = await waitFor(() => forRecipient('one@remote.test'));
    assert.equal(got.mailFrom, '<alice@example.test>');
    assert.equal(got.helo, 'mail.example.test');
    assert.equal(got.proto, 'ESMTP');
    assert.equal(got.content, sent, 'byte for byte, minus Return-Path');
  });

  it('delivers what swaks submits (authenticated) and what an alias on port 25 sends on', async () => {
    const r = await swaks(['--server', `127.0.0.1:${t.ports.smtp}`, '--auth', 'PLAIN', '--auth-user', 'alice', '--auth-password', 'alice-password-1', '--from', 'alice@example.test', '--to', 'two@remote.test', '--header', 'Subject: via swaks']);
    assert.equal(r.code, 0, r.output);
    t.engine.ctx.directory.createAlias('ext', ['three@remote.test']);
    const a = await smtpSend(t.ports.smtp, 'bob@example.org', ['ext@example.test'], message('via alias', 'Hi.\r\n', 'bob@example.org', 'ext@example.test'));
    assert.match(a.data!, /^250 /);
    await t.engine.ctx.queue.idle();
    const [two] = await waitFor(() => forRecipient('two@remote.test'));
    // Submitted mail leaves DKIM-signed: the signature comes first, then the trace header.
    assert.match(two.content, /^DKIM-Signature: v=1; [^]*?d=example\.test;[^]*?\r\nReceived: from [^\r]+\r\n\tby mail\.example\.test \(Pillarbox\) with ESMTPA? /);
    assert.match(two.content, /Subject: via swaks/);
    assert.ok(!/^Return-Path:/m.test(two.content));
    const [three] = await waitFor(() => forRecipient('three@remote.test'));
    assert.equal(three.mailFrom, '<bob@example.org>');
  });

  it('falls back to the next MX when the preferred one is down, and to the A record when there is no MX', async () => {
    assert.equal(await queueAndAttempt(t, 'alice@example.test', ['x@fallback.test'], message('fallback')), undefined);
    assert.equal(await queueAndAttempt(t, 'alice@example.test', ['y@amail.test'], message('a record')), undefined);
    assert.equal((await waitFor(() => forRecipient('x@fallback.test'))).length, 1);
    assert.equal((await waitFor(() => forRecipient('y@amail.test'))).length, 1);
  });

  it('falls back to HELO when the server does not speak ESMTP', async () => {
    const old = await SmtpSink.start(ip(9), 25, { flags: ['-e'] });
    extra.push(old);
    assert.equal(await queueAndAttempt(t, 'alice@example.test', ['x@old.test'], message('helo')), undefined);
    const [got] = await old.waitForMessages(1);
    assert.equal(got.helo, 'mail.example.test');
    assert.equal(got.proto, 'SMTP', 'HELO, not EHLO');
    assert.match(got.content, /Subject: helo/);
  });

  it('defers when the remote answers 4xx, keeps the reason, and retries', async () => {
    const deferred = t.engine.ctx.counters.total('deferred');
    const entry = await queueAndAttempt(t, 'alice@example.test', ['busy@soft.test'], message('soft'));
    assert.ok(entry);
    assert.equal(t.engine.ctx.counters.total('deferred'), deferred + 1, 'counted as deferred');
    assert.equal(entry.state, 'deferred');
    assert.equal(entry.attempts, 1);
    assert.match(entry.lastError!, /^4\.2\.1 host mx\.soft\.test\[[\d.]+\] said: 450 4\.2\.1 Mailbox busy/);
    assert.ok(entry.nextAttempt.getTime() > Date.now());
    const again = nextAttempt(t, entry.id);
    assert.ok(t.engine.ctx.queue.retry(entry.id));
    const second = await again;
    assert.equal(second?.state, 'deferred');
    assert.equal(second?.attempts, 2);
  });

  it('defers when the remote is down and delivers on retry once it is back', async () => {
    const entry = await queueAndAttempt(t, 'alice@example.test', ['late@dead.test'], message('down'));
    assert.ok(entry);
    assert.equal(entry.state, 'deferred');
    assert.match(entry.lastError!, /^4\.4\.1 connect to mx\.dead\.test\[[\d.]+\]: ECONNREFUSED/);
    const back = await SmtpSink.start(ip(7));
    extra.push(back);
    const done = nextAttempt(t, entry.id);
    t.engine.ctx.queue.retry(entry.id);
    assert.equal(await done, undefined, 'delivered on retry');
    const got = await back.waitForMessages(1);
    assert.deepEqual(got[0].rcptTo, ['<late@dead.test>']);
  });

  it('bounces a 5xx refusal: the sender gets a DSN with the remote status in INBOX', async () => {
    const bounced = t.engine.ctx.counters.total('bounced');
    const entry = await queueAndAttempt(t, 'alice@example.test', ['nobody@hard.test'], message('hard'));
    assert.equal(entry, undefined, 'failed for good: off the queue');
    assert.equal(t.engine.ctx.counters.total('bounced'), bounced + 1, 'counted as bounced');
    await t.engine.ctx.queue.idle();
    const dsn = (await inbox(t, 'alice')).find((m) => m.includes('Final-Recipient: rfc822; nobody@hard.test'));
    assert.ok(dsn, 'bounce in INBOX');
    assert.match(dsn, /Action: failed\r\nStatus: 5\.1\.1\r\n/);
    assert.match(dsn, /550 5\.1\.1 No such user here/);
    assert.match(dsn, /Subject: hard/);
  });

  it('bounces permanent DNS answers: no such domain, null MX, and an MX that is this server', async () => {
    for (const [to, status] of [
      ['a@nope.test', '5.1.2'],
      ['b@nullmx.test', '5.1.10'],
      ['c@loop.test', '5.4.6'],
    ]) {
      assert.equal(await queueAndAttempt(t, 'alice@example.test', [to], message(`dns ${to}`)), undefined, to);
      await t.engine.ctx.queue.idle();
      const dsn = (await inbox(t, 'alice')).find((m) => m.includes(`Final-Recipient: rfc822; ${to}`));
      assert.ok(dsn, `bounce for ${to}`);
      assert.match(dsn, new RegExp(`Status: ${status.replace(/\./g, '\\.')}\\r\\n`), to);
    }
    assert.match((await inbox(t, 'alice')).find((m) => m.includes('c@loop.test'))!, /loops back to myself/);
  });

  it('refuses non-ASCII addresses for a server without SMTPUTF8 (5.6.7)', async () => {
    assert.equal(await queueAndAttempt(t, 'alice@example.test', ['jörg@remote.test'], message('utf8 address')), undefined);
    await t.engine.ctx.queue.idle();
    const dsn = (await inbox(t, 'alice')).find((m) => m.includes('jörg@remote.test') && m.includes('Action: failed'));
    assert.ok(dsn);
    assert.match(dsn, /Status: 5\.6\.7\r\n/);
  });

  it('sends a delay notice once after 4 hours, and bounces on expiry (4.4.7 → 5.4.7)', async () => {
    const entry = await queueAndAttempt(t, 'alice@example.test', ['slow@soft.test'], message('slow'));
    assert.ok(entry);
    age(t, entry.id, 5);
    let next = nextAttempt(t, entry.id);
    t.engine.ctx.queue.retry(entry.id);
    assert.equal((await next)?.delayWarned, true);
    await t.engine.ctx.queue.idle();
    const notices = () => inbox(t, 'alice').then((all) => all.filter((m) => m.includes('Final-Recipient: rfc822; slow@soft.test') && m.includes('Action: delayed')));
    const [notice] = await notices();
    assert.ok(notice, 'delay notice in INBOX');
    assert.match(notice, /Subject: Delayed Mail \(still being retried\)/);
    assert.match(notice, /Status: 4\.2\.1\r\n/);
    assert.match(notice, /Will-Retry-Until: /);
    next = nextAttempt(t, entry.id);
    t.engine.ctx.queue.retry(entry.id);
    await next;
    await t.engine.ctx.queue.idle();
    assert.equal((await notices()).length, 1, 'only one delay notice per message');

    t.engine.ctx.settings.update({ localDeliveryLifetimeHours: 1 });
    try {
      next = nextAttempt(t, entry.id);
      t.engine.ctx.queue.retry(entry.id);
      assert.equal(await next, undefined, 'expired: off the queue');
      await t.engine.ctx.queue.idle();
      const bounce = (await inbox(t, 'alice')).find((m) => m.includes('Final-Recipient: rfc822; slow@soft.test') && m.includes('Action: failed'));
      assert.ok(bounce, 'expiry bounce');
      assert.match(bounce, /Status: 5\.4\.7\r\n/);
      assert.match(bounce, /message expired in queue/);
    } finally {
      t.engine.ctx.settings.update({ localDeliveryLifetimeHours: 72 });
    }
  });

  it('holds outbound mail while local delivery goes on, and sends it promptly on release', async () => {
    t.engine.ctx.settings.update({ holdOutbound: true });
    try {
      await t.engine.ctx.queue.idle();
      const before = (await inbox(t, 'alice')).length;
      const entry = await queueAndAttempt(t, 'bob@example.org', [`local:${aliceId}`, 'held@remote.test'], message('held', 'Hi.\r\n', 'bob@example.org'));
      assert.ok(entry);
      assert.equal(entry.state, 'deferred');
      assert.match(entry.lastError!, /^4\.3\.2 outbound mail is on hold/);
      assert.deepEqual(entry.recipients.map((r) => r.status), ['delivered', 'pending']);
      assert.equal((await inbox(t, 'alice')).length, before + 1, 'the local copy was delivered');
      assert.equal(forRecipient('held@remote.test').length, 0);
      const released = nextAttempt(t, entry.id);
      t.engine.ctx.settings.update({ holdOutbound: false });
      assert.equal(await released, undefined, 'sent as soon as the hold is released');
      assert.equal((await waitFor(() => forRecipient('held@remote.test'))).length, 1);
    } finally {
      t.engine.ctx.settings.update({ holdOutbound: false });
    }
  });

  it('relays everything through the relay host when one is set (host:port)', async () => {
    const relay = await SmtpSink.start(ip(8), 2525, { hostname: 'relay.test' });
    extra.push(relay);
    t.engine.ctx.settings.update({ relayHost: 'relay.test:2525' });
    try {
      assert.equal(await queueAndAttempt(t, 'alice@example.test', ['r1@remote.test', 'r2@nope.test'], message('relayed')), undefined);
      const [got] = await relay.waitForMessages(1);
      assert.deepEqual(got.rcptTo, ['<r1@remote.test>', '<r2@nope.test>'], 'one transaction, no MX lookups');
      assert.equal(forRecipient('r1@remote.test').length, 0);
    } finally {
      t.engine.ctx.settings.update({ relayHost: '' });
    }
  });

  it('stops promptly in the middle of a slow session and keeps the message queued', async () => {
    // smtp-sink waits 60 s before answering DATA; stopping must not wait for it.
    const slow = await SmtpSink.start(ip(10), 25, { flags: ['-w', '60'] });
    extra.push(slow);
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pillarbox-test-'));
    try {
      let t2 = await startEngine({ dns: dns.address, dataDir });
      const prefix = Buffer.from('Return-Path: <bob@example.org>\r\n');
      const entry = await t2.engine.ctx.queue.enqueue({ sender: 'bob@example.org', recipients: [{ address: 'x@slow.test', original: 'x@slow.test' }], client: 'test', localPrefix: prefix.length }, [
        prefix,
        Buffer.from(message('slow peer')),
      ]);
      await waitFor(() => fs.readdirSync(slow.dumpDir), 10_000);
      const started = Date.now();
      await t2.stop();
      assert.ok(Date.now() - started < 10_000, `stopped in ${Date.now() - started} ms`);
      t2 = await startEngine({ dns: dns.address, dataDir, settings: { holdOutbound: true } });
      const kept = t2.engine.ctx.queue.entry(entry.id);
      assert.ok(kept, 'still queued after the restart');
      assert.equal(kept.recipients[0].status, 'pending');
      assert.match(kept.lastError!, /^4\.4\.2 mx\.slow\.test\[[\d.]+\]: connection closed by us \(during (DATA|MAIL FROM|RCPT TO)\)/);
      await t2.stop();
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

async function waitFor<T>(get: () => T[], timeoutMs = 10_000): Promise<T[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const got = get();
    if (got.length > 0) return got;
    if (Date.now() > deadline) throw new Error('timed out waiting for the sink');
    await new Promise((r) => setTimeout(r, 20));
  }
}
