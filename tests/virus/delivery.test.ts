import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startEngine, type TestEngine } from '../helpers/engine';
import { simpleMessage, smtpSend } from '../helpers/smtp';
import { EICAR, EICAR_NAME, TestClamd, missingClamd } from '../helpers/clamd';

/**
 * Virus screening in local delivery with a real clamd: the seed's three dispositions
 * for infected mail, notices, clean mail with its screening headers, Sieve's virustest,
 * deferral while clamd is down, quarantine release, and relayed mail left alone.
 */
describe('virus screening in delivery', { skip: missingClamd() }, () => {
  let t: TestEngine;
  let clamd: TestClamd;
  const id = (name: string) => t.engine.ctx.directory.userByName(name)!.id;
  const stored = async (name: string, mailbox = 'INBOX') => {
    const box = t.engine.ctx.store.mailbox(id(name), mailbox);
    if (!box) return [];
    return Promise.all(t.engine.ctx.store.messages(box.id).map(async (m) => (await t.engine.ctx.store.readMessage(m)).toString()));
  };
  const infected = (subject: string) => simpleMessage(subject, `Open this:\r\n${EICAR}\r\n`);
  const send = async (raw: string, from = 'mallory@example.org', to = ['alice@example.test']) => {
    const r = await smtpSend(t.ports.smtp, from, to, raw);
    assert.match(r.data ?? '', /^250 /, 'accepted by SMTP');
    await t.engine.ctx.queue.idle();
  };

  before(async () => {
    clamd = await new TestClamd({ streamMaxLength: '1M' }).start();
    t = await startEngine({
      users: [
        { shortName: 'alice', password: 'alice-password-1' },
        { shortName: 'pm', password: 'postmaster-pw-1' },
      ],
      settings: { virusScanEnabled: true, clamdAddress: clamd.address, junkScanEnabled: true, holdOutbound: true },
    });
    t.engine.ctx.directory.createAlias('friend', ['friend@remote.test']);
  });
  after(async () => {
    await t?.stop();
    await clamd?.dispose();
  });

  it('delivers clean mail with its virus and junk headers', async () => {
    await send(simpleMessage('clean one'));
    const last = (await stored('alice')).at(-1)!;
    assert.match(last, /Subject: clean one/);
    assert.match(last, /^X-Virus-Scanned: ClamAV on mail\.example\.test\r\n/m);
    assert.match(last, /^X-Spam-Flag: NO\r\n/m);
    assert.match(last, /^X-Spam-Status: No, /m);
  });

  it('quarantines infected mail (the default) and tells the postmaster', async () => {
    t.engine.ctx.settings.update({ virusNotify: 'pm' });
    const before = (await stored('alice')).length;
    await send(infected('quarantine me'));
    assert.equal((await stored('alice')).length, before, 'not delivered');
    const [q] = t.engine.ctx.virus.quarantine.list();
    assert.equal(q.virus, EICAR_NAME);
    assert.equal(q.subject, 'quarantine me');
    assert.equal(q.sender, 'mallory@example.org');
    assert.deepEqual(q.recipients.map((r) => r.original), ['alice@example.test']);
    const notice = (await stored('pm')).at(-1)!;
    assert.match(notice, /Subject: Virus found: message quarantined/);
    assert.match(notice, new RegExp(`containing a virus \\(${EICAR_NAME.replace(/\./g, '\\.')}\\) was quarantined\\. It is kept in quarantine as ${q.id}`));
    assert.deepEqual(t.engine.ctx.queue.entries(), [], 'nothing left queued');
    assert.ok(t.engine.ctx.counters.sinceStart().some((c) => c.counter === 'virus' && c.label === 'quarantined' && c.value >= 1), 'counted as a virus, quarantined');
  });

  it('releases a quarantined message to its recipients without scanning it again', async () => {
    const [q] = t.engine.ctx.virus.quarantine.list();
    await t.engine.ctx.virus.quarantine.release(q.id);
    await t.engine.ctx.queue.idle();
    const last = (await stored('alice')).at(-1)!;
    assert.match(last, /Subject: quarantine me/);
    assert.ok(last.includes(EICAR));
    assert.equal(t.engine.ctx.virus.quarantine.list().length, 0);
  });

  it('deletes infected mail and can notify the intended recipient', async () => {
    t.engine.ctx.settings.update({ virusAction: 'delete', virusNotify: '', virusNotifyRecipient: true });
    const before = await stored('alice');
    await send(infected('delete me'));
    const after = await stored('alice');
    assert.equal(after.length, before.length + 1, 'only the notice arrives');
    assert.match(after.at(-1)!, /Subject: A message to you contained a virus/);
    assert.match(after.at(-1)!, /was deleted; it was not delivered to you/);
    assert.equal(t.engine.ctx.virus.quarantine.list().length, 0);
    t.engine.ctx.settings.update({ virusNotifyRecipient: false });
  });

  it('bounces infected mail to its sender with 5.7.1', async () => {
    t.engine.ctx.settings.update({ virusAction: 'bounce' });
    await send(infected('bounce me'), 'alice@example.test');
    const bounce = (await stored('alice')).at(-1)!;
    assert.match(bounce, /Undelivered Mail Returned to Sender/);
    assert.match(bounce, /Status: 5\.7\.1/);
    assert.match(bounce, /contains a virus/);
    assert.ok(!bounce.includes(EICAR), 'the bounce carries the header only');
    t.engine.ctx.settings.update({ virusAction: 'quarantine' });
  });

  it('lets Sieve test the verdict with virustest', async () => {
    const script = 'require ["virustest", "fileinto", "relational", "comparator-i;ascii-numeric"];\nif virustest :value "eq" :comparator "i;ascii-numeric" "1" { fileinto "Scanned"; }\n';
    await t.engine.ctx.sieve.put(id('alice'), 'virus', script);
    t.engine.ctx.sieve.setActive(id('alice'), 'virus');
    await send(simpleMessage('sieve sees a clean verdict'));
    assert.match((await stored('alice', 'Scanned')).at(-1)!, /sieve sees a clean verdict/);
    t.engine.ctx.sieve.setActive(id('alice'), null);
  });

  it('defers mail while clamd is down (4.x, still queued) and delivers it once clamd is back', async () => {
    await clamd.stop();
    const before = (await stored('alice')).length;
    await send(simpleMessage('waits for clamd'));
    const [entry] = t.engine.ctx.queue.entries();
    assert.ok(entry, 'still queued');
    assert.equal(entry.state, 'deferred');
    assert.match(entry.recipients[0].diagnostic ?? '', /^4\.3\.0 virus scanner unavailable/);
    assert.equal((await stored('alice')).length, before, 'not delivered unscanned');
    await clamd.start();
    assert.ok(t.engine.ctx.queue.retry(entry.id));
    await t.engine.ctx.queue.idle();
    assert.deepEqual(t.engine.ctx.queue.entries(), []);
    assert.match((await stored('alice')).at(-1)!, /X-Virus-Scanned: ClamAV[\s\S]*Subject: waits for clamd/);
  });

  it('does not scan relayed mail (remote recipients), as the seed says', async () => {
    await send(infected('for a remote friend'), 'mallory@example.org', ['friend@example.test']);
    const [entry] = t.engine.ctx.queue.entries();
    assert.equal(entry.recipients[0].address, 'friend@remote.test');
    assert.match(entry.recipients[0].diagnostic ?? '', /4\.3\.2|held/i);
    assert.equal(t.engine.ctx.virus.quarantine.list().length, 0);
    await t.engine.ctx.queue.remove(entry.id);
  });

  it('refuses for good a message larger than clamd\u2019s StreamMaxLength, rather than deliver it unscanned', async () => {
    const line = 'x'.repeat(76) + '\r\n';
    await send(simpleMessage('too big to scan', line.repeat(Math.ceil((1.5 * 1024 * 1024) / line.length))), 'alice@example.test');
    assert.deepEqual(t.engine.ctx.queue.entries(), []);
    const bounce = (await stored('alice')).at(-1)!;
    assert.match(bounce, /Status: 5\.3\.4/);
    assert.match(bounce, /too big for the virus scanner/);
  });

  it('reports a per-message scan time', (tc) => {
    const { scans, totalMs } = t.engine.ctx.virus.timing;
    assert.ok(scans >= 5);
    tc.diagnostic(`clamd INSTREAM scan in delivery: ${scans} messages, average ${(totalMs / scans).toFixed(2)} ms`);
  });
});
