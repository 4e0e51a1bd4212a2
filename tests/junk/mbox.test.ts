import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isMbox, looksLikeMail, readMessages, splitMbox } from '../../server/junk/mbox';

const MBOX = [
  'From alice@example.org Mon Jan  1 10:00:00 2024',
  'Subject: one',
  '',
  'first body',
  '>From here on, quoted',
  'From the looks of it this line is not a separator',
  '',
  'From bob@example.org Tue Jan  2 11:00:00 2024',
  'Subject: two',
  '',
  'second body',
  '',
  'From MAILER-DAEMON Wed Jan  3 12:00:00 2024',
  'Subject: three',
  '',
  'third',
  '',
].join('\n');

describe('junk mbox reading', () => {
  it('detects mbox by its envelope line', () => {
    assert.ok(isMbox(Buffer.from(MBOX)));
    assert.ok(!isMbox(Buffer.from('From: alice@example.org\r\n\r\nx')));
    assert.ok(!isMbox(Buffer.from('From here to there\n')));
  });

  it('splits at separator lines after a blank line and undoes >From quoting', () => {
    const messages = splitMbox(Buffer.from(MBOX)).map((b) => b.toString());
    assert.equal(messages.length, 3);
    assert.equal(messages[0], 'Subject: one\n\nfirst body\nFrom here on, quoted\nFrom the looks of it this line is not a separator\n');
    assert.equal(messages[1], 'Subject: two\n\nsecond body\n');
    assert.equal(messages[2], 'Subject: three\n\nthird\n');
    const crlf = splitMbox(Buffer.from(MBOX.replace(/\n/g, '\r\n')));
    assert.equal(crlf.length, 3);
    assert.equal(crlf[1].toString(), 'Subject: two\r\n\r\nsecond body\r\n');
  });

  it('walks files, mbox files and directories recursively in a stable order', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'junk-mbox-'));
    try {
      fs.mkdirSync(path.join(dir, 'cur'));
      fs.writeFileSync(path.join(dir, 'cur', '2.eml'), 'Subject: b\r\n\r\nb');
      fs.writeFileSync(path.join(dir, 'cur', '1.eml'), 'Subject: a\r\n\r\na');
      fs.writeFileSync(path.join(dir, '.hidden'), 'Subject: no\r\n\r\nno');
      fs.writeFileSync(path.join(dir, 'box.mbox'), MBOX);
      fs.writeFileSync(path.join(dir, 'single'), 'From x@y Thu Aug 22 13:17:22 2002\nSubject: s\n\nFrom a single message\n');
      const names = [...readMessages([dir])].map((m) => path.relative(dir, m.name));
      assert.deepEqual(names, ['box.mbox#1', 'box.mbox#2', 'box.mbox#3', 'cur/1.eml', 'cur/2.eml', 'single']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('skips what mail programs keep beside the messages, and says so', () => {
    // A Dovecot maildir as it is on disk: index and state files next to cur/ and new/.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'junk-maildir-'));
    try {
      fs.mkdirSync(path.join(dir, 'cur'));
      fs.mkdirSync(path.join(dir, 'new'));
      fs.writeFileSync(path.join(dir, 'cur', '1700000000.M1P1.host:2,S'), 'Return-Path: <a@example.org>\r\nSubject: a\r\n\r\na');
      fs.writeFileSync(path.join(dir, 'new', '1700000001.M2P1.host'), 'Received: from x\r\nSubject: b\r\n\r\nb');
      fs.writeFileSync(path.join(dir, 'dovecot-uidlist'), '3 V1700000000 N3 G0123abcd\n1 :1700000000.M1P1.host\n');
      fs.writeFileSync(path.join(dir, 'dovecot.index.log'), Buffer.from([1, 2, 0, 0, 0x28, 0, 0, 0, 0x3a, 0x0a]));
      fs.writeFileSync(path.join(dir, 'subscriptions'), 'V\t2\n\nINBOX\n');
      fs.writeFileSync(path.join(dir, 'index.json'), '{"id":"1","text":"Subject: x"}\n');
      fs.writeFileSync(path.join(dir, 'maildirfolder'), '');
      const skipped: string[] = [];
      const names = [...readMessages([dir], false, (p) => skipped.push(path.relative(dir, p)))].map((m) => path.relative(dir, m.name));
      assert.deepEqual(names, ['cur/1700000000.M1P1.host:2,S', 'new/1700000001.M2P1.host']);
      assert.deepEqual(skipped, ['dovecot-uidlist', 'dovecot.index.log', 'index.json', 'subscriptions']);
      // With --mbox every file is read as an mbox, and one without separators holds no messages.
      const forced: string[] = [];
      assert.equal([...readMessages([path.join(dir, 'subscriptions')], true, (p) => forced.push(p))].length, 0);
      assert.deepEqual(forced, []);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('tells mail from other files by the first line', () => {
    assert.equal(looksLikeMail(Buffer.from('From MAILER-DAEMON Thu Aug 22 13:17:22 2002\nSubject: s\n\n')), true);
    assert.equal(looksLikeMail(Buffer.from('Subject: s\r\n\r\nbody')), true);
    assert.equal(looksLikeMail(Buffer.from('X-Odd_Name.1 : value\n')), true);
    assert.equal(looksLikeMail(Buffer.from('{"From":"x"}')), false);
    assert.equal(looksLikeMail(Buffer.from('\r\nSubject: late\r\n')), false);
    assert.equal(looksLikeMail(Buffer.from('just some text\n')), false);
  });
});
