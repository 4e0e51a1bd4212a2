import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { TestEngine } from '../helpers/engine';
import { smtpSend } from '../helpers/smtp';
import { ALICE, simpleMessage, startImapEngine, userId } from './helpers';

const exec = promisify(execFile);
let t: TestEngine;
let home: string;
let rc: string;
let maildirName = 'mail';
const maildir = (): string => path.join(home, maildirName);

/** The certificate the IMAPS listener serves, as a file mbsync trusts. */
function servedCertificateFile(): string {
  const store = t.engine.ctx.tls.store;
  const file = path.join(home, 'served.crt');
  fs.writeFileSync(file, store.pair(store.idForService('imaps')).cert);
  return file;
}

/** isync 1.4 (bookworm) syntax: SSLType, Far/Near; the engine's self-signed certificate is trusted explicitly. */
function writeConfig(ssl: 'IMAPS' | 'STARTTLS' = 'IMAPS'): void {
  rc = path.join(home, `mbsyncrc-${maildirName}`);
  fs.mkdirSync(maildir(), { recursive: true });
  fs.writeFileSync(
    rc,
    [
      'IMAPAccount pb',
      'Host 127.0.0.1',
      `Port ${ssl === 'IMAPS' ? t.ports.imaps : t.ports.imap}`,
      `User ${ALICE.shortName}`,
      `Pass ${ALICE.password}`,
      `SSLType ${ssl}`,
      `CertificateFile ${servedCertificateFile()}`,
      '',
      'IMAPStore pb-remote',
      'Account pb',
      '',
      'MaildirStore pb-local',
      `Path ${maildir()}/`,
      `Inbox ${maildir()}/INBOX`,
      'SubFolders Verbatim',
      '',
      'Channel pb',
      'Far :pb-remote:',
      'Near :pb-local:',
      'Patterns INBOX Archive',
      'Create Both',
      'Expunge Both',
      'SyncState *',
      '',
    ].join('\n'),
  );
}

async function sync(): Promise<string> {
  const { stdout, stderr } = await exec('mbsync', ['-V', '-c', rc, 'pb'], { cwd: home });
  assert.doesNotMatch(stderr, /error|warning/i, stderr);
  return stdout;
}

/** Messages of a local Maildir folder: file name and the flags mbsync wrote after ":2,". */
function local(folder: string): { file: string; flags: string; body: string }[] {
  const out: { file: string; flags: string; body: string }[] = [];
  for (const sub of ['cur', 'new']) {
    const dir = path.join(maildir(), folder, sub);
    if (!fs.existsSync(dir)) continue;
    for (const file of fs.readdirSync(dir)) {
      out.push({ file: path.join(dir, file), flags: file.split(':2,')[1] ?? '', body: fs.readFileSync(path.join(dir, file), 'latin1') });
    }
  }
  return out;
}

function server(folder: string) {
  const box = t.engine.ctx.store.mailbox(userId(t), folder)!;
  return t.engine.ctx.store.messages(box.id);
}

before(async () => {
  t = await startImapEngine();
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'pillarbox-mbsync-'));
  writeConfig();
});
after(async () => {
  await t.stop();
  fs.rmSync(home, { recursive: true, force: true });
});

test('mbsync: two-way sync of INBOX and Archive over IMAPS without errors or duplicates', async () => {
  // Two deliveries by SMTP, one message already in Archive on the server.
  for (const subject of ['smtp one', 'smtp two']) {
    const r = await smtpSend(t.ports.smtp, 'sender@example.org', ['alice@mail.example.test'], simpleMessage(subject));
    assert.match(r.data ?? '', /^250/);
  }
  await t.engine.ctx.queue.idle();
  assert.equal(server('INBOX').length, 2);

  await sync();
  const inbox = local('INBOX');
  assert.equal(inbox.length, 2, 'both deliveries reached the Maildir');
  assert.ok(inbox.some((m) => m.body.includes('Subject: smtp one')));
  assert.ok(fs.existsSync(path.join(maildir(), 'Archive', 'cur')), 'Archive was created locally');

  // A message written into the Maildir goes up to the server.
  const newFile = path.join(maildir(), 'Archive', 'new', `${Date.now()}.1.localhost`);
  fs.writeFileSync(newFile, simpleMessage('written locally').replace(/\r\n/g, '\n'));
  await sync();
  const archive = server('Archive');
  assert.equal(archive.length, 1, 'the local message was uploaded once');
  const uploaded = (await t.engine.ctx.store.readMessage(archive[0])).toString('latin1');
  assert.match(uploaded, /Subject: written locally/);

  // Flag locally (Maildir F = \Flagged, S = \Seen): propagates up.
  const one = local('INBOX').find((m) => m.body.includes('Subject: smtp one'))!;
  fs.renameSync(one.file, path.join(path.dirname(one.file), '..', 'cur', path.basename(one.file).split(':2,')[0] + ':2,FS'));
  // Flag on the server: \Answered on "smtp two" propagates down as R.
  const twoUid = Math.max(...server('INBOX').map((m) => m.uid));
  t.engine.ctx.store.setFlags(t.engine.ctx.store.mailbox(userId(t), 'INBOX')!.id, [twoUid], 'add', ['\\Answered']);
  await sync();
  const flagsOnServer = server('INBOX').map((m) => m.flags.slice().sort().join(' '));
  assert.ok(flagsOnServer.includes('\\Flagged \\Seen'), `server flags: ${JSON.stringify(flagsOnServer)}`);
  const two = local('INBOX').find((m) => m.body.includes('Subject: smtp two'))!;
  assert.equal(two.flags, 'R');

  // A second sync changes nothing: same files, same server messages.
  const beforeLocal = local('INBOX').map((m) => m.file).sort();
  const beforeServer = server('INBOX').map((m) => `${m.uid}:${m.flags.join(',')}`);
  await sync();
  assert.deepEqual(local('INBOX').map((m) => m.file).sort(), beforeLocal);
  assert.deepEqual(server('INBOX').map((m) => `${m.uid}:${m.flags.join(',')}`), beforeServer);
  assert.equal(local('Archive').length, 1);
  assert.equal(server('Archive').length, 1);

  // Deletion propagates with Expunge: locally trashed (T) goes away on the server,
  // expunged on the server goes away locally.
  const trash = local('INBOX').find((m) => m.body.includes('Subject: smtp one'))!;
  fs.renameSync(trash.file, trash.file.replace(/:2,.*$/, ':2,FST'));
  const box = t.engine.ctx.store.mailbox(userId(t), 'Archive')!;
  await t.engine.ctx.store.expunge(box.id, [archive[0].uid]);
  await sync();
  assert.equal(server('INBOX').length, 1);
  assert.equal(local('INBOX').length, 1);
  assert.ok(local('INBOX')[0].body.includes('Subject: smtp two'));
  assert.equal(local('Archive').length, 0);
  assert.equal(server('Archive').length, 0);
  await sync();
  assert.equal(server('INBOX').length, 1);
  assert.equal(local('INBOX').length, 1);
});

test('mbsync over STARTTLS: a fresh Maildir gets the server\u2019s state once, with its flags', async () => {
  maildirName = 'mail-starttls';
  writeConfig('STARTTLS');
  // On the plain port, -V shows the upgrade (STARTTLS) happening before the login.
  const out = await sync();
  assert.match(out, /Connection is now encrypted\s+Logging in/, out);
  const inbox = local('INBOX');
  assert.equal(inbox.length, server('INBOX').length);
  assert.equal(inbox[0].flags, 'R');
  const files = inbox.map((m) => m.file);
  await sync();
  assert.deepEqual(local('INBOX').map((m) => m.file), files);
  assert.equal(server('INBOX').length, 1);
});
