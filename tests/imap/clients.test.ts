import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ImapFlow } from 'imapflow';
import type { TestEngine } from '../helpers/engine';
import { ALICE, MULTIPART, putMessage, simpleMessage, startImapEngine, userId } from './helpers';

const exec = promisify(execFile);
let t: TestEngine;

before(async () => {
  t = await startImapEngine();
});
after(() => t.stop());

function client(opts: { starttls?: boolean } = {}): ImapFlow {
  return new ImapFlow({
    host: '127.0.0.1',
    port: opts.starttls ? t.ports.imap : t.ports.imaps,
    secure: !opts.starttls,
    doSTARTTLS: opts.starttls ? true : undefined,
    auth: { user: ALICE.shortName, pass: ALICE.password },
    tls: { rejectUnauthorized: false },
    logger: false,
  });
}

test('imapflow: STARTTLS login, list, fetch, flags, search, append, move, expunge', async () => {
  const uid1 = await putMessage(t, simpleMessage('flow one'));
  const uid2 = await putMessage(t, MULTIPART);
  const c = client({ starttls: true });
  await c.connect();
  try {
    const conns = t.engine.ctx.connections.list('imap');
    assert.ok(conns.some((x) => x.user === 'alice' && x.secure && x.listener === 'imap'), 'logged in over STARTTLS');
    const boxes = await c.list();
    const sent = boxes.find((b) => b.path === 'Sent');
    assert.equal(sent?.specialUse, '\\Sent');
    assert.ok(boxes.some((b) => b.path === 'INBOX'));

    const lock = await c.getMailboxLock('INBOX');
    try {
      const msg = await c.fetchOne(String(uid2), { source: true, envelope: true, bodyStructure: true, flags: true, uid: true }, { uid: true });
      assert.ok(msg);
      assert.equal(msg.envelope?.subject, 'café report');
      assert.equal(msg.envelope?.from?.[0].address, 'bob@example.org');
      assert.equal(msg.bodyStructure?.childNodes?.length, 3);
      assert.equal(msg.bodyStructure?.childNodes?.[1].disposition, 'attachment');
      const file = t.engine.ctx.store.message(t.engine.ctx.store.mailbox(userId(t), 'INBOX')!.id, uid2)!;
      assert.deepEqual(msg.source, await t.engine.ctx.store.readMessage(file));

      await c.messageFlagsAdd(String(uid1), ['\\Flagged', 'Important'], { uid: true });
      const flagged = await c.search({ flagged: true }, { uid: true });
      assert.deepEqual(flagged, [uid1]);
      const unseen = await c.search({ seen: false, subject: 'report' }, { uid: true });
      assert.deepEqual(unseen, [uid2]);

      const appended = await c.append('INBOX', simpleMessage('appended by imapflow'), ['\\Draft'], new Date('2021-05-01T10:00:00Z'));
      assert.ok(appended && appended.uid);

      const moved = await c.messageMove(String(uid1), 'Archive', { uid: true });
      assert.ok(moved && moved.uidMap?.size === 1);
      assert.ok(!t.engine.ctx.store.message(t.engine.ctx.store.mailbox(userId(t), 'INBOX')!.id, uid1));

      await c.messageDelete(String(appended.uid), { uid: true });
      const left = await c.search({ all: true }, { uid: true });
      assert.ok(left && !left.includes(appended.uid as number));
    } finally {
      lock.release();
    }
    const status = await c.status('Archive', { messages: true, unseen: true });
    assert.equal(status.messages, 1);
  } finally {
    await c.logout();
  }
});

test('imapflow: IDLE sees a delivery as it happens', async () => {
  const c = client();
  await c.connect();
  try {
    await c.mailboxOpen('INBOX');
    const exists = new Promise<number>((resolve) => c.on('exists', (data: { count: number }) => resolve(data.count)));
    const idling = c.idle();
    await new Promise((r) => setTimeout(r, 50));
    await putMessage(t, simpleMessage('delivered during idle'));
    const count = await Promise.race([exists, new Promise<number>((_, reject) => setTimeout(() => reject(new Error('no EXISTS within 1s')), 1000))]);
    assert.ok(count > 0);
    void idling;
  } finally {
    await c.logout();
  }
});

const PYTHON = `
import imaplib, ssl, sys
port = int(sys.argv[1])
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
m = imaplib.IMAP4_SSL('127.0.0.1', port, ssl_context=ctx)
m.login(sys.argv[2], sys.argv[3])
typ, data = m.select('PyBox')
assert typ == 'OK', data
typ, data = m.search(None, 'SUBJECT', '"python"')
ids = data[0].split()
assert len(ids) == 1, data
typ, data = m.fetch(ids[0], '(RFC822)')
assert b'Subject: python test' in data[0][1], data
typ, data = m.store(ids[0], '+FLAGS', '\\\\Deleted')
assert typ == 'OK', data
typ, data = m.expunge()
assert data == [b'1'], data
typ, data = m.search(None, 'ALL')
assert data == [b''], data
m.logout()
print('python ok')
`;

test('Python imaplib over implicit TLS: select, search, fetch, store, expunge', async () => {
  t.engine.ctx.store.createMailbox(userId(t), 'PyBox');
  await putMessage(t, simpleMessage('python test'), { mailbox: 'PyBox' });
  const { stdout } = await exec('python3', ['-c', PYTHON, String(t.ports.imaps), ALICE.shortName, ALICE.password]);
  assert.match(stdout, /python ok/);
  assert.equal(t.engine.ctx.store.mailbox(userId(t), 'PyBox')!.messageCount, 0);
});

test('curl: fetches a message byte for byte over imaps, lists over STARTTLS', async () => {
  t.engine.ctx.store.createMailbox(userId(t), 'CurlBox');
  const body = Buffer.from(simpleMessage('curl test', 'Line one.\r\nLine two with 8-bit: \xe9\r\n'), 'latin1');
  const uid = await putMessage(t, body, { mailbox: 'CurlBox' });
  const fetched = await exec('curl', ['-sk', '--max-time', '10', `imaps://127.0.0.1:${t.ports.imaps}/CurlBox;UID=${uid}`, '-u', `${ALICE.shortName}:${ALICE.password}`], { encoding: 'buffer' });
  assert.deepEqual(fetched.stdout, body);
  const listed = await exec('curl', ['-sk', '--max-time', '10', '--ssl-reqd', `imap://127.0.0.1:${t.ports.imap}/`, '-u', `${ALICE.shortName}:${ALICE.password}`]);
  assert.match(listed.stdout, /\* LIST \(.*\) "\/" "?CurlBox"?/);
  assert.match(listed.stdout, /\* LIST \(.*\) "\/" "?INBOX"?/);
});
