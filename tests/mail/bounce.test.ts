import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { readBounce } from '../../server/mail/bounce';
import { buildDeliveryReport } from '../../server/queue/dsn';
import type { QueueEntry } from '../../server/queue/types';

const crlf = (s: string) => Buffer.from(s.replace(/\r?\n/g, '\r\n'), 'utf8');

/** A report as a remote MTA writes it (RFC 3464, as Postfix sends them). */
function dsn(action: string, status: string, recipient = 'alice@example.org'): Buffer {
  return crlf(`From: MAILER-DAEMON@mx.example.org (Mail Delivery System)
To: list-bounces@example.test
Subject: Undelivered Mail Returned to Sender
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B1"

--B1
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mx.example.org.

--B1
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.org
X-Postfix-Queue-ID: 4ABC
Arrival-Date: Mon,  7 Dec 2026 10:00:00 +0000 (UTC)

Final-Recipient: rfc822; ${recipient}
Original-Recipient: rfc822;${recipient}
Action: ${action}
Status: ${status}
Remote-MTA: dns; in.example.org
Diagnostic-Code: smtp; 550 ${status} <${recipient}>: Recipient address rejected

--B1
Content-Description: Undelivered Message Headers
Content-Type: text/rfc822-headers

From: list@example.test
Subject: [list] hello

--B1--
`);
}

function plain(body: string, subject = 'failure notice'): Buffer {
  return crlf(`From: MAILER-DAEMON@mx.example.org\nTo: list-bounces@example.test\nSubject: ${subject}\n\n${body}`);
}

describe('reading bounces (RFC 3464 reports and the common plain formats)', () => {
  it('a failed report with a 5.x.x status is hard, with 4.x.x soft; delayed is soft; delivered is no bounce', () => {
    assert.deepEqual(readBounce(dsn('failed', '5.1.1')), [{ address: 'alice@example.org', kind: 'hard', status: '5.1.1' }]);
    assert.deepEqual(readBounce(dsn('failed', '4.2.2')), [{ address: 'alice@example.org', kind: 'soft', status: '4.2.2' }]);
    assert.deepEqual(readBounce(dsn('delayed', '4.4.1', 'Bob@Example.ORG')), [{ address: 'bob@example.org', kind: 'soft', status: '4.4.1' }]);
    assert.equal(readBounce(dsn('delivered', '2.0.0')), undefined);
  });

  it('reads the engine\u2019s own reports', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-bounce-'));
    try {
      const file = path.join(dir, 'msg');
      fs.writeFileSync(file, crlf('From: list@example.test\nSubject: hi\n\nbody\n'));
      const entry = { id: 'Q1', sender: 'dev-bounces@example.test', file, localPrefix: 0, createdAt: new Date(Date.now() - 3600_000) } as unknown as QueueEntry;
      const failed = await buildDeliveryReport(entry, [{ address: 'carol@remote.test', original: 'carol@remote.test', diagnostic: '550 5.1.1 No such user here' }], { action: 'failed', hostname: 'mail.example.test' });
      assert.deepEqual(readBounce(failed), [{ address: 'carol@remote.test', kind: 'hard', status: '5.1.1' }]);
      const delayed = await buildDeliveryReport(entry, [{ address: 'carol@remote.test', original: 'carol@remote.test', diagnostic: null }], { action: 'delayed', hostname: 'mail.example.test' });
      assert.equal(readBounce(delayed)?.[0].kind, 'soft');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('Postfix without DSN, qmail, Exim, Sendmail and Exchange texts', () => {
    const postfix = plain(`This is the mail system at host mx.example.org.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients. It's attached below.

                   The mail system

<dave@example.org>: host in.example.org[192.0.2.1] said: 550 5.1.1 User unknown
    (in reply to RCPT TO command)
`);
    assert.deepEqual(readBounce(postfix), [{ address: 'dave@example.org', kind: 'hard', status: '5.1.1' }]);

    const qmail = plain(`Hi. This is the qmail-send program at mx.example.org.
I'm afraid I wasn't able to deliver your message to the following addresses.
This is a permanent error; I've given up. Sorry it didn't work out.

<erin@example.org>:
192.0.2.1 does not like recipient.
Remote host said: 550 sorry, no mailbox here by that name. (#5.1.1)

--- Below this line is a copy of the message.

To: <not-this@example.org>
`);
    assert.deepEqual(readBounce(qmail)?.map((r) => [r.address, r.kind]), [['erin@example.org', 'hard']]);

    const exim = plain(`This message was created automatically by mail delivery software.

A message that you sent could not be delivered to one or more of its
recipients. This is a permanent error. The following address(es) failed:

  frank@example.org
    SMTP error from remote mail server after RCPT TO:<frank@example.org>:
    550 5.1.1 unknown user

------ This is a copy of the message, including all the headers. ------

From: someone@else.example
`);
    assert.deepEqual(readBounce(exim)?.map((r) => [r.address, r.kind]), [['frank@example.org', 'hard']]);

    const sendmail = plain(`The original message was received at Mon, 7 Dec 2026 10:00:00 GMT

   ----- The following addresses had permanent fatal errors -----
<grace@example.org>
    (reason: 550 5.1.1 <grace@example.org>... User unknown)
`);
    assert.deepEqual(readBounce(sendmail)?.map((r) => [r.address, r.kind]), [['grace@example.org', 'hard']]);

    const transient = plain(`   ----- The following addresses had transient non-fatal errors -----
<heidi@example.org>
    (reason: 452 4.2.2 Mailbox full)
`);
    assert.deepEqual(readBounce(transient)?.map((r) => [r.address, r.kind]), [['heidi@example.org', 'soft']]);

    const exchange = plain(`Delivery has failed to these recipients or groups:

ivan@example.org (ivan@example.org)
The email address you entered couldn't be found.

Diagnostic information for administrators:
Remote Server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup'
`);
    assert.deepEqual(readBounce(exchange)?.map((r) => r.address), ['ivan@example.org']);
  });

  it('an auto-reply or a person writing is no bounce', () => {
    assert.equal(readBounce(plain('I am out of the office until Monday.', 'Out of office')), undefined);
    assert.equal(readBounce(plain('Please take me off this list: judy@example.org', 'unsubscribe')), undefined);
  });

  it('a report of 100,000 recipients is read only as far as its first 64 KB', () => {
    const many = `Final-Recipient: rfc822; x@example.org\r\nAction: failed\r\nStatus: 5.0.0\r\n\r\n`.repeat(100_000);
    const raw = crlf(`Content-Type: multipart/report; report-type=delivery-status; boundary="B"\n\n--B\nContent-Type: message/delivery-status\n\n${many}\n--B--\n`);
    const found = readBounce(raw);
    assert.ok(found && found.length > 0 && found.length < 2000, `read only the first 64 KB: ${found?.length}`);
  });
});
