import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ImapFlow } from 'imapflow';
import { startEngine, type TestEngine } from '../helpers/engine';
import { sum } from '../../server/migration/migration-service';
import { parseCyrusHeader, parseCyrusIndex } from '../../server/migration/cyrus-index';
import { parseSeenDatabase } from '../../server/migration/cyrus-seen';
import { createCyrus, cyrusMissing, type TestCyrus } from './cyrus';
import { makeMessage } from './fixtures';

const MAGIC = '\xa1\x02\x8b\x0dCyrus mailbox header\n"The best thing about this system was that it had lots of goals."\n\t--Jim Morris on Andrew\n';

interface HandRecord {
  uid: number;
  date: Date;
  /** Cyrus's system flag bits: 1 \Answered, 2 \Flagged, 4 \Deleted, 8 \Draft. */
  system: number;
  /** User flag bit numbers set. */
  user?: number[];
}

/**
 * A cyrus.index (or cyrus.expunge) as Cyrus 2.2 and 2.3 wrote them, built by hand from the
 * layout in their imap/mailbox.h (no Cyrus of that age exists to write one): big-endian
 * words; the header gives the minor version (8), where records start (12), their size (16)
 * and count (20); a record holds the UID (0), internal date (4), system flags (32) and four
 * words of user flags (36). 2.2.12 is version 6 (76-byte header, 60-byte records); 2.3 is
 * version 9 (96 and 80).
 */
function handIndex(minorVersion: 6 | 9, records: HandRecord[]): Buffer {
  const [headerSize, recordSize] = minorVersion === 6 ? [76, 60] : [96, 80];
  const buf = Buffer.alloc(headerSize + recordSize * records.length);
  buf.writeUInt32BE(minorVersion, 8);
  buf.writeUInt32BE(headerSize, 12);
  buf.writeUInt32BE(recordSize, 16);
  buf.writeUInt32BE(records.length, 20);
  buf.writeUInt32BE(Math.max(0, ...records.map((r) => r.uid)), 28);
  records.forEach((r, i) => {
    const at = headerSize + i * recordSize;
    buf.writeUInt32BE(r.uid, at);
    buf.writeUInt32BE(Math.floor(r.date.getTime() / 1000), at + 4);
    buf.writeUInt32BE(r.system, at + 32);
    for (const bit of r.user ?? []) {
      const word = at + 36 + Math.floor(bit / 32) * 4;
      buf.writeUInt32BE((buf.readUInt32BE(word) | (2 ** (bit % 32))) >>> 0, word);
    }
  });
  return buf;
}

/** Cyrus 2.2's cyrus.header: magic, "quotaroot TAB uniqueid", the user flag names, the ACL. */
function handHeader(uniqueId: string, userFlags: string[]): Buffer {
  return Buffer.from(`${MAGIC}user.carol\t${uniqueId}\n${userFlags.join(' ')}\ncarol\tlrswipcda\t\n`, 'latin1');
}

describe('Cyrus spool formats', () => {
  it('reads a Cyrus 3 DLIST header and a Cyrus 2 header', () => {
    const dlist = parseCyrusHeader(Buffer.from(`${MAGIC}%(T el N user.carol I 4ik98wvssspossz541ievnef A %(carol lrswipkxtecdan) U ($Label1 NIL "with space" {5+}\r\nlit\\x))\n`, 'latin1'));
    assert.equal(dlist.uniqueId, '4ik98wvssspossz541ievnef');
    assert.deepEqual(dlist.userFlags, ['$Label1', undefined, 'with space', 'lit\\x']);
    const old = parseCyrusHeader(handHeader('a1b2c3d4e5f60718', ['$Label1', '', 'project-x']));
    assert.deepEqual(old, { uniqueId: 'a1b2c3d4e5f60718', userFlags: ['$Label1', undefined, 'project-x'] });
    assert.throws(() => parseCyrusHeader(Buffer.from('not a header\n')), /wrong magic/);
  });

  it('reports a truncated index and keeps the records before the damage', () => {
    const full = handIndex(6, [1, 2, 3].map((uid) => ({ uid, date: new Date(0), system: 1 })));
    const index = parseCyrusIndex(full.subarray(0, full.length - 10));
    assert.deepEqual(index.records.map((r) => r.uid), [1, 2]);
    assert.match(index.damage ?? '', /announces 3 records but holds 2/);
    assert.throws(() => parseCyrusIndex(Buffer.alloc(10)), /shorter than its header/);
  });

  it('reads the record layout of index version 20 (64-bit dates: flags 4 bytes further on)', () => {
    const buf = Buffer.alloc(192 + 144);
    buf.writeUInt32BE(20, 8);
    buf.writeUInt32BE(192, 12);
    buf.writeUInt32BE(144, 16);
    buf.writeUInt32BE(1, 20);
    buf.writeUInt32BE(7, 192);
    buf.writeBigUInt64BE(1_700_000_000_123_000_000n, 192 + 8);
    buf.writeUInt32BE(0x12, 192 + 36);
    buf.writeUInt32BE(0x4, 192 + 40);
    const index = parseCyrusIndex(buf);
    assert.deepEqual(index.records, [{ uid: 7, internalDate: new Date(1_700_000_000_123), systemFlags: 0x12, userFlagBits: [2] }]);
  });

  it('reads a flat seen database: sequence sets per mailbox', () => {
    const flat = parseSeenDatabase(Buffer.from('a1b2\t1 1700000000 9 1700000000 1:3,5,9:8\nother\t1 0 0 0 \n'));
    assert.deepEqual([1, 2, 3, 4, 5, 8, 9, 10].map((uid) => flat.get('a1b2')!.has(uid)), [true, true, true, false, true, true, true, false]);
    assert.equal(flat.get('other')!.has(1), false);
  });
});

describe('a Cyrus 2.2 / 2.3 spool (hand-made index bytes, seen database beside the spool)', () => {
  let t: TestEngine;
  let userId: number;
  let dir: string;
  before(async () => {
    t = await startEngine({ users: [{ shortName: 'carol', password: 'carol-password' }] });
    userId = t.engine.ctx.directory.userByName('carol')!.id;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pillarbox-cyrus22-'));
  });
  after(async () => {
    await t.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const migrate = async (source: string) => {
    const { migrations } = t.engine.ctx;
    const run = await migrations.finished(migrations.startDisk(userId, source).id);
    assert.equal(run.state, 'succeeded', run.error);
    return run;
  };
  const stored = (mailbox: string) => t.engine.ctx.store.messages(t.engine.ctx.store.mailbox(userId, mailbox)!.id);

  it('takes flags, keywords and dates from the index and \\Seen from a flat seen file; skips cyrus.expunge', async () => {
    const spool = path.join(dir, 'carol');
    const lists = path.join(spool, 'Lists');
    fs.mkdirSync(lists, { recursive: true });
    const inbox = [1, 2, 3, 4, 5].map((n) => makeMessage('cyrus22', n));
    inbox.forEach((m, i) => fs.writeFileSync(path.join(spool, `${i + 1}.`), m.raw));
    // 5. is not in the index (written after the last reconstruct): it comes over without flags.
    fs.writeFileSync(path.join(spool, 'cyrus.header'), handHeader('0123456789abcdef', ['$Label1', 'project-x']));
    fs.writeFileSync(
      path.join(spool, 'cyrus.index'),
      handIndex(6, [
        { uid: 1, date: inbox[0].date, system: 0 },
        { uid: 2, date: inbox[1].date, system: 2, user: [0] },
        { uid: 3, date: inbox[2].date, system: 1 | 8, user: [1] },
        { uid: 4, date: inbox[3].date, system: 4 },
      ]),
    );
    // Cyrus 2.3 (version 9) moved expunged records into cyrus.expunge and left the file until cyr_expire.
    const listed = [1, 2, 3].map((n) => makeMessage('cyrus23-lists', n));
    listed.forEach((m, i) => fs.writeFileSync(path.join(lists, `${i + 1}.`), m.raw));
    fs.writeFileSync(path.join(lists, 'cyrus.header'), handHeader('fedcba9876543210', []));
    fs.writeFileSync(path.join(lists, 'cyrus.index'), handIndex(9, [{ uid: 1, date: listed[0].date, system: 0 }, { uid: 3, date: listed[2].date, system: 2 }]));
    fs.writeFileSync(path.join(lists, 'cyrus.expunge'), handIndex(9, [{ uid: 2, date: listed[1].date, system: 4 }]));
    // The user's seen database, converted to flat text with `cvt_cyrusdb carol.seen skiplist carol.seen.flat flat` on the old server.
    fs.writeFileSync(path.join(spool, 'carol.seen'), '0123456789abcdef\t1 1700000000 5 1700000000 1:2,4\nfedcba9876543210\t1 1700000000 3 1700000000 3\n');

    const run = await migrate(spool);
    assert.equal(run.kind, 'cyrus');
    assert.equal(sum(run.folders).copied, 7);
    const got = stored('INBOX');
    assert.deepEqual(got.map((m) => m.flags.slice().sort()), [['\\Seen'], ['$Label1', '\\Flagged', '\\Seen'], ['\\Answered', '\\Draft', 'project-x'], ['\\Deleted', '\\Seen'], []]);
    assert.deepEqual(got.slice(0, 4).map((m) => m.internalDate.getTime()), inbox.slice(0, 4).map((m) => Math.floor(m.date.getTime() / 1000) * 1000));
    for (const [i, m] of got.entries()) assert.deepEqual(await t.engine.ctx.store.readMessage(m), inbox[i].raw);
    assert.deepEqual(stored('Lists').map((m) => m.flags.slice().sort()), [[], ['\\Flagged', '\\Seen']], 'the expunged 2. is left out');
    assert.equal(sum((await migrate(spool)).folders).copied, 0, 'a second run copies nothing');
  });

  it('a damaged index does not stop the migration: its folder comes over without flags', async () => {
    const spool = path.join(dir, 'damaged');
    fs.mkdirSync(spool);
    const messages = [1, 2].map((n) => makeMessage('cyrus-damaged', n));
    messages.forEach((m, i) => fs.writeFileSync(path.join(spool, `${i + 1}.`), m.raw));
    fs.writeFileSync(path.join(spool, 'cyrus.header'), handHeader('0011223344556677', []));
    fs.writeFileSync(path.join(spool, 'cyrus.index'), Buffer.from('garbage, not an index at all'));
    const before = stored('INBOX').length;
    const run = await migrate(spool);
    assert.equal(sum(run.folders).copied, 2);
    assert.deepEqual(stored('INBOX').slice(before).map((m) => m.flags), [[], []]);
  });

  it('reads the seen database as Cyrus 2.2 kept it (a skiplist, written by a real cvt_cyrusdb), beside the spool', { skip: cyrusMissing() }, async () => {
    const cyrus = await createCyrus({});
    try {
      const flat = path.join(cyrus.dir, 'conf', 'carol.flat');
      const skiplist = path.join(cyrus.dir, 'conf', 'carol.seen');
      const entries = Array.from({ length: 40 }, (_, i) => `mailbox${String(i).padStart(2, '0')}\t1 1700000000 ${i + 1} 1700000000 1:${i + 1}\n`).join('');
      fs.writeFileSync(flat, entries);
      cyrus.tool('cvt_cyrusdb', [flat, 'flat', skiplist, 'skiplist']);
      const data = fs.readFileSync(skiplist);
      assert.equal(data.subarray(4, 17).toString('latin1'), 'skiplist file');
      const seen = parseSeenDatabase(data);
      assert.equal(seen.size, 40);
      assert.equal(seen.get('mailbox07')!.has(8), true);
      assert.equal(seen.get('mailbox07')!.has(9), false);

      // The skiplist as the administrator copies it beside a Cyrus 2.2 spool: \Seen comes from it.
      const spool = path.join(dir, 'skiplist-carol');
      fs.mkdirSync(spool);
      const messages = [1, 2, 3].map((n) => makeMessage('cyrus22-skiplist', n));
      messages.forEach((m, i) => fs.writeFileSync(path.join(spool, `${i + 1}.`), m.raw));
      fs.writeFileSync(path.join(spool, 'cyrus.header'), handHeader('mailbox01', []));
      fs.writeFileSync(path.join(spool, 'cyrus.index'), handIndex(6, messages.map((m, i) => ({ uid: i + 1, date: m.date, system: i === 2 ? 1 : 0 }))));
      fs.copyFileSync(skiplist, path.join(spool, 'carol.seen'));
      const before = stored('INBOX').length;
      assert.equal(sum((await migrate(spool)).folders).copied, 3);
      assert.deepEqual(stored('INBOX').slice(before).map((m) => m.flags.slice().sort()), [['\\Seen'], ['\\Seen'], ['\\Answered']], 'mailbox01 has 1:2 seen');
    } finally {
      await cyrus.remove();
    }
  });
});

/** The state of a mailbox as a client sees it: per message its bytes, flags (without \Recent) and internal date. */
interface SeenMessage {
  raw: Buffer;
  flags: string[];
  internalDate: number;
}

describe('a spool written by a real Cyrus 3.6', { skip: cyrusMissing() }, () => {
  let cyrus: TestCyrus;
  let t: TestEngine;
  const expected = new Map<string, SeenMessage[]>();

  before(async () => {
    cyrus = await createCyrus({ carol: 'carol-secret' });
    await cyrus.start();
    const carol = new ImapFlow({ host: '127.0.0.1', port: cyrus.port, secure: false, auth: { user: 'carol', pass: 'carol-secret' }, logger: false });
    await carol.connect();
    await carol.mailboxCreate('INBOX/Work/Projects');
    const inbox = [
      ['\\Seen', '$Label1'],
      ['\\Flagged', 'custom-keyword'],
      ['\\Answered', '\\Seen'],
      ['\\Draft'],
      [],
      ['\\Seen'],
      [],
    ];
    for (const [i, flags] of inbox.entries()) {
      const m = makeMessage('cyrus-inbox', i + 1);
      await carol.append('INBOX', m.raw, flags, m.date);
    }
    await carol.append('INBOX/Work/Projects', makeMessage('cyrus-projects', 1).raw, ['\\Seen', 'project-x'], makeMessage('cyrus-projects', 1).date);
    await carol.append('INBOX/Work/Projects', makeMessage('cyrus-projects', 2).raw, [], makeMessage('cyrus-projects', 2).date);
    const lock = await carol.getMailboxLock('INBOX');
    try {
      // Changes after the APPEND, as a user makes them.
      await carol.messageFlagsAdd('1', ['\\Flagged'], { uid: true });
      await carol.messageFlagsRemove('2', ['\\Flagged'], { uid: true });
      await carol.messageFlagsAdd('2', ['\\Seen'], { uid: true });
      await carol.messageFlagsAdd('4', ['$Label1', 'custom-keyword'], { uid: true });
      // 5 is deleted and expunged: Cyrus 3's delayed expunge keeps its file and an expunged record.
      await carol.messageFlagsAdd('5', ['\\Deleted'], { uid: true });
      await carol.messageDelete('5', { uid: true });
      // 6 is \Deleted but not expunged: it comes over with \Deleted.
      await carol.messageFlagsAdd('6', ['\\Deleted'], { uid: true });
    } finally {
      lock.release();
    }
    for (const mailbox of ['INBOX', 'INBOX/Work/Projects']) {
      const l = await carol.getMailboxLock(mailbox);
      try {
        const list: SeenMessage[] = [];
        for await (const m of carol.fetch('1:*', { uid: true, flags: true, internalDate: true, source: true }, { uid: true })) {
          list.push({ raw: m.source!, flags: [...(m.flags ?? [])].filter((f) => f !== '\\Recent').sort(), internalDate: new Date(m.internalDate!).getTime() });
        }
        expected.set(mailbox === 'INBOX' ? 'INBOX' : 'Work/Projects', list);
      } finally {
        l.release();
      }
    }
    await carol.logout();
    await cyrus.stop();
    t = await startEngine({ users: [{ shortName: 'carol', password: 'carol-password' }] });
  });
  after(async () => {
    await t?.stop();
    await cyrus?.remove();
  });

  it('copies every message once with the flags, keywords, bytes and dates Cyrus showed; not the expunged one', async () => {
    const spool = cyrus.spool('carol');
    assert.ok(fs.existsSync(path.join(spool, '5.')), 'Cyrus kept the expunged message\'s file (delayed expunge)');
    // What Cyrus itself showed its client (5 was expunged; 6 is \Deleted, not expunged).
    assert.deepEqual(
      expected.get('INBOX')!.map((m) => m.flags),
      [['$Label1', '\\Flagged', '\\Seen'], ['\\Seen', 'custom-keyword'], ['\\Answered', '\\Seen'], ['$Label1', '\\Draft', 'custom-keyword'], ['\\Deleted', '\\Seen'], []],
    );
    assert.deepEqual(expected.get('Work/Projects')!.map((m) => m.flags), [['\\Seen', 'project-x'], []]);
    const userId = t.engine.ctx.directory.userByName('carol')!.id;
    const { migrations, store } = t.engine.ctx;
    const run = await migrations.finished(migrations.startDisk(userId, spool).id);
    assert.equal(run.state, 'succeeded', run.error);
    assert.equal(run.kind, 'cyrus');
    assert.equal(sum(run.folders).copied, 8);
    for (const [mailbox, want] of expected) {
      const got = store.messages(store.mailbox(userId, mailbox)!.id);
      assert.deepEqual(got.map((m) => m.flags.slice().sort()), want.map((m) => m.flags), `flags in ${mailbox}`);
      assert.deepEqual(got.map((m) => m.internalDate.getTime()), want.map((m) => m.internalDate), `internal dates in ${mailbox}`);
      for (const [i, m] of got.entries()) assert.deepEqual(await store.readMessage(m), want[i].raw, `bytes of message ${i + 1} in ${mailbox}`);
    }
    const again = await migrations.finished(migrations.startDisk(userId, spool).id);
    assert.equal(sum(again.folders).copied, 0, 'a second run copies nothing');
    assert.equal(sum(again.folders).skipped, 8);
  });
});
