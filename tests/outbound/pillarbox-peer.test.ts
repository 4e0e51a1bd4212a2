import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startEngine, type TestEngine } from '../helpers/engine';
import { inbox, message, queueAndAttempt } from './helpers';

/**
 * A second Pillarbox as the remote server, reached through the relay host setting:
 * it offers STARTTLS, SIZE, PIPELINING, 8BITMIME and SMTPUTF8 and stores what it
 * gets byte for byte, so the client's side of each can be checked.
 */
describe('remote delivery to another Pillarbox (STARTTLS, SIZE, pipelining, SMTPUTF8)', () => {
  let a: TestEngine;
  let b: TestEngine;

  before(async () => {
    // The size limit is set from the start: a session a keeps open (the connection cache) knows the peer's SIZE from its EHLO.
    b = await startEngine({ hostname: 'mx.peer.test', settings: { maxMessageSizeMb: 1 }, users: [{ shortName: 'bob', password: 'bob-password-1', fullName: 'Bob' }] });
    a = await startEngine({ users: [{ shortName: 'alice', password: 'alice-password-1', fullName: 'Alice' }] });
    a.engine.ctx.settings.update({ relayHost: `127.0.0.1:${b.ports.smtp}` });
  });
  after(async () => {
    await a?.stop();
    await b?.stop();
  });

  it('upgrades with STARTTLS and delivers the message byte for byte, 8-bit and UTF-8 header included', async () => {
    const sent = message('Grüße aus Köln', ['Ünïcödé body', '.leading dot', '..', '.', 'end', ''].join('\r\n'), 'alice@example.test', 'bob@peer.test');
    assert.equal(await queueAndAttempt(a, 'alice@example.test', ['bob@peer.test'], sent), undefined);
    await b.engine.ctx.queue.idle();
    const [got] = await inbox(b, 'bob');
    assert.ok(got, 'stored at the peer');
    assert.match(got, /^Return-Path: <alice@example\.test>\r\nReceived-SPF: [^]*?\r\nAuthentication-Results: mx\.peer\.test;[^]*?\r\nReceived: from mail\.example\.test \(\[127\.0\.0\.1\]\)\r\n\tby mx\.peer\.test \(Pillarbox\) with UTF8SMTPS id /);
    assert.equal(got.slice(got.indexOf('\r\nFrom: ') + 2), sent);
  });

  it('pipelines MAIL and RCPT and reports each recipient on its own: one delivered, one bounced', async () => {
    assert.equal(await queueAndAttempt(a, 'alice@example.test', ['bob@peer.test', 'nobody@peer.test'], message('two recipients')), undefined);
    await a.engine.ctx.queue.idle();
    await b.engine.ctx.queue.idle();
    assert.ok((await inbox(b, 'bob')).some((m) => m.includes('Subject: two recipients')));
    const dsn = (await inbox(a, 'alice')).find((m) => m.includes('Final-Recipient: rfc822; nobody@peer.test'));
    assert.ok(dsn);
    assert.match(dsn, /Status: 5\.1\.1\r\n/);
    assert.match(dsn, /in reply to RCPT TO command/);
    assert.ok(!dsn.includes('Final-Recipient: rfc822; bob@peer.test'));
  });

  it('every recipient refused: the pipelined DATA is refused too, nothing is sent, and the next message still goes', async () => {
    assert.equal(await queueAndAttempt(a, 'alice@example.test', ['nobody@peer.test'], message('nobody there')), undefined);
    await a.engine.ctx.queue.idle();
    const dsn = (await inbox(a, 'alice')).find((m) => m.includes('Final-Recipient: rfc822; nobody@peer.test') && m.includes('Subject: nobody there'));
    assert.ok(dsn, 'bounced');
    assert.match(dsn, /Status: 5\.1\.1\r\n/);
    assert.equal(await queueAndAttempt(a, 'alice@example.test', ['bob@peer.test'], message('after the refusal')), undefined);
    await b.engine.ctx.queue.idle();
    const bobs = (await inbox(b, 'bob')).filter((m) => m.includes('Subject: after the refusal'));
    assert.equal(bobs.length, 1);
    assert.ok(!(await inbox(b, 'bob')).some((m) => m.includes('Subject: nobody there')));
  });

  it('does not send a message larger than the peer’s SIZE: bounces 5.3.4', async () => {
    const big = message('too big', ('x'.repeat(998) + '\r\n').repeat(1100));
    assert.equal(await queueAndAttempt(a, 'alice@example.test', ['bob@peer.test'], big), undefined);
    await a.engine.ctx.queue.idle();
    const dsn = (await inbox(a, 'alice')).find((m) => m.includes('Status: 5.3.4'));
    assert.ok(dsn, 'size bounce');
    assert.match(dsn, /exceeds the size limit 1048576/);
    assert.ok(!(await inbox(b, 'bob')).some((m) => m.includes('Subject: too big')));
  });

  it('refuses to talk to a server that greets with our own name (5.4.6)', async () => {
    a.engine.ctx.settings.update({ relayHost: `127.0.0.1:${a.ports.smtp}` });
    try {
      assert.equal(await queueAndAttempt(a, 'alice@example.test', ['bob@peer.test'], message('loop')), undefined);
      await a.engine.ctx.queue.idle();
      const dsn = (await inbox(a, 'alice')).find((m) => m.includes('Status: 5.4.6'));
      assert.ok(dsn);
      assert.match(dsn, /loops back to myself \(127\.0\.0\.1\[127\.0\.0\.1\]:\d+ greeted me with my own hostname\)/);
    } finally {
      a.engine.ctx.settings.update({ relayHost: `127.0.0.1:${b.ports.smtp}` });
    }
  });
});
