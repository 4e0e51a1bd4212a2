import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type TestEngine, startEngine } from '../helpers/engine';
import { smtpSend, simpleMessage } from '../helpers/smtp';
import { gql, login } from '../graphql/client';
import { loggedIn, run } from '../imap/helpers';
import { LineClient } from '../helpers/line-client';

// Issue 17, defect 3: on a full disk the engine answers "try again later" on every
// protocol, stays up, starts again, and takes mail once there is room.
const canMount = process.getuid?.() === 0;
const ALICE = { shortName: 'alice', password: 'alice-password-1' };

describe('a full disk', { skip: canMount ? undefined : 'needs root to mount a small tmpfs' }, () => {
  let dir: string;
  let t: TestEngine | undefined;
  const filler = () => path.join(dir, 'filler');

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pillarbox-full-'));
    const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64m', 'tmpfs', dir]);
    assert.equal(r.status, 0, r.stderr.toString());
  });
  after(async () => {
    await t?.engine.stop();
    if (spawnSync('umount', [dir]).status !== 0 && spawnSync('umount', ['-l', dir]).status !== 0) {
      console.warn(`could not unmount ${dir}`);
      return;
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const free = () => {
    const s = fs.statfsSync(dir);
    return s.bavail * s.bsize;
  };

  /** Takes every free byte but `leave`, so a write of more fails with ENOSPC. */
  function fillDisk(leave = 0): void {
    // In 1 MB pieces: one 60 MB buffer would land its garbage collection (and its unmapping)
    // in whatever engine code runs next, and the event-loop watchdog would rightly see a stall.
    const piece = Buffer.alloc(1024 * 1024);
    const fd = fs.openSync(filler(), 'w');
    try {
      for (let left = free() - leave; left > 0; left = free() - leave) fs.writeSync(fd, piece, 0, Math.min(piece.length, left));
    } finally {
      fs.closeSync(fd);
    }
    assert.equal(free(), leave);
  }

  it('answers 452 4.3.1, IMAP NO [UNAVAILABLE] and a typed GraphQL error, and stays up', async () => {
    t = await startEngine({ dataDir: dir, users: [ALICE], settings: { smtpEarlyTalkerWaitMs: 0, diskReserveMb: 0 } });
    const first = await smtpSend(t.ports.smtp, 'bob@example.org', ['alice@example.test'], simpleMessage('before'));
    assert.match(first.data ?? '', /^250 /);
    fillDisk();

    const big = simpleMessage('big', ('x'.repeat(76) + '\r\n').repeat(50_000));
    const refused = await smtpSend(t.ports.smtp, 'bob@example.org', ['alice@example.test'], big);
    assert.match(refused.data ?? '', /^452 4\.3\.1 /);

    const imap = await loggedIn(t, ALICE);
    const message = 'Subject: append\r\n\r\n' + 'y'.repeat(200_000) + '\r\n';
    imap.send(`a1 APPEND INBOX {${message.length}+}\r\n${message}\r\n`);
    const appended = await imap.waitFor(/^a1 /);
    assert.match(appended, /^a1 NO \[UNAVAILABLE\] /);
    // The session goes on.
    assert.match((await run(imap, 'a2', 'NOOP')).at(-1) ?? '', /^a2 OK/);
    imap.close();

    // The administrator can still log in and look (to free space, say).
    const token = await login(t.ports.http);
    const users = await gql<{ users: { totalCount: number } }>(t.ports.http, '{ users { totalCount } }', { token });
    assert.equal(users.errors, undefined);
    assert.ok((users.data?.users.totalCount ?? 0) >= 1);
    const refusedChange = await gql(t.ports.http, 'mutation { createUser(input: { shortName: "carol", password: "carol-password-1" }) { shortName } }', { token });
    assert.ok(refusedChange.errors?.length, 'a change that needs space fails');
    assert.equal(refusedChange.errors?.[0]?.extensions?.code, 'INSUFFICIENT_SPACE', JSON.stringify(refusedChange.errors));
    const health = await fetch(`http://127.0.0.1:${t.ports.http}/healthz`);
    assert.equal(health.status, 200);
  });

  it('starts again on the full disk, and takes mail once there is room', async () => {
    await t?.engine.stop();
    t = await startEngine({ dataDir: dir, users: [], settings: { smtpEarlyTalkerWaitMs: 0, diskReserveMb: 0 } });
    const refused = await smtpSend(t.ports.smtp, 'bob@example.org', ['alice@example.test'], simpleMessage('while full', 'z'.repeat(100_000)));
    assert.match(refused.data ?? '', /^45\d /);
    fs.rmSync(filler());
    const accepted = await smtpSend(t.ports.smtp, 'bob@example.org', ['alice@example.test'], simpleMessage('after'));
    assert.match(accepted.data ?? '', /^250 /);
  });

  // Issue 13, "Disk full": a reserve keeps the disk from filling in the first place.
  it('keeps the free-space reserve: 452 at MAIL and after DATA, APPEND NO [OVERQUOTA], reading goes on, and mail is taken again once space is freed', async () => {
    await t?.engine.stop();
    if (fs.existsSync(filler())) fs.rmSync(filler());
    const MB = 1024 * 1024;
    t = await startEngine({ dataDir: dir, users: [], settings: { smtpEarlyTalkerWaitMs: 0, diskReserveMb: 16 } });
    fillDisk(20 * MB);
    const small = await smtpSend(t.ports.smtp, 'bob@example.org', ['alice@example.test'], simpleMessage('within the reserve'));
    assert.match(small.data ?? '', /^250 /);

    // A declared size that would go past the reserve is refused at MAIL (RFC 1870).
    const sized = await LineClient.connect(t.ports.smtp);
    await sized.waitFor(/^220 /);
    await sized.command('EHLO client.example.org', /^250 /);
    assert.match(await sized.command('MAIL FROM:<bob@example.org> SIZE=6000000', /^\d{3} /), /^452 4\.3\.1 /);
    assert.match(await sized.command('MAIL FROM:<bob@example.org> SIZE=1000', /^\d{3} /), /^250 /);
    sized.close();

    // Undeclared, it is refused after DATA, and its spool file goes again.
    const before = free();
    const big = simpleMessage('past the reserve', ('x'.repeat(76) + '\r\n').repeat(80_000));
    const refused = await smtpSend(t.ports.smtp, 'bob@example.org', ['alice@example.test'], big);
    assert.equal(refused.mail.slice(0, 3), '250');
    assert.match(refused.data ?? '', /^452 4\.3\.1 /);
    assert.ok(free() >= before - MB, 'the refused message took no space');

    const imap = await loggedIn(t, ALICE);
    const message = 'Subject: append\r\n\r\n' + 'y'.repeat(6 * MB) + '\r\n';
    imap.send(`a1 APPEND INBOX {${message.length}+}\r\n${message}\r\n`);
    assert.match(await imap.waitFor(/^a1 /), /^a1 NO \[OVERQUOTA\] Not enough disk space/);

    // Below the reserve: new mail waits, what is there can still be read and deleted.
    fillDisk(10 * MB);
    const below = await smtpSend(t.ports.smtp, 'bob@example.org', ['alice@example.test'], simpleMessage('below the reserve'));
    assert.match(below.mail, /^452 4\.3\.1 /);
    assert.ok(t.engine.ctx.logs.tail.some((e) => e.text.startsWith('free space is below the reserve')));
    await run(imap, 'a2', 'SELECT INBOX');
    const fetched = await run(imap, 'a3', 'FETCH 1:* (BODY.PEEK[HEADER.FIELDS (SUBJECT)])');
    assert.ok(fetched.some((l) => l.includes('within the reserve')), fetched.join('\n'));
    assert.match((await run(imap, 'a4', 'STORE 1:* +FLAGS (\\Deleted)')).at(-1) ?? '', /^a4 OK/);
    assert.match((await run(imap, 'a5', 'EXPUNGE')).at(-1) ?? '', /^a5 OK/);

    // Freed space is used at once: no restart, no wait.
    fs.rmSync(filler());
    const after = await smtpSend(t.ports.smtp, 'bob@example.org', ['alice@example.test'], simpleMessage('space again'));
    assert.match(after.data ?? '', /^250 /);
    assert.ok(t.engine.ctx.logs.tail.some((e) => e.text.startsWith('free space is above the reserve again')));
    imap.close();
  });
});
