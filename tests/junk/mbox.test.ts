import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isMbox, readMessages, splitMbox } from '../../server/junk/mbox';

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
});
