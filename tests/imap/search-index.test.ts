import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { TestEngine } from '../helpers/engine';
import { MULTIPART, loggedIn, putMessage, run, simpleMessage, startImapEngine, userId } from './helpers';

// Issue 16: SEARCH BODY/TEXT and the header keys use the full-text index (migration 24) as a
// pre-filter. IMAP SEARCH is a substring match, so the answers must be exactly the ones a scan
// of every message gives, whatever the charset, transfer encoding or case.
let t: TestEngine;

const b64 = (s: string, charset: BufferEncoding = 'utf8') => Buffer.from(s, charset).toString('base64');

const CORPUS: (string | Buffer)[] = [
  simpleMessage('plain one', 'The quick brown fox jumps over the lazy dog.\r\nzebra crossing\r\n'),
  simpleMessage('résumé', 'Un café crème et une brûlée.\r\n', 'MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n'),
  simpleMessage('=?iso-8859-1?q?Gr=FC=DFe_aus_M=FCnchen?=', b64('Schöne Grüße aus der Straße, ÄÖÜ.\r\n', 'latin1') + '\r\n', 'MIME-Version: 1.0\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: base64\r\n'),
  simpleMessage('greek', b64('ΟΔΟΣ και οδός, ΣΊΣΥΦΟΣ. İstanbul\r\n') + '\r\n', 'MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n'),
  simpleMessage('quoted', 'caf=C3=A9 au lait, soft=\r\nbreak joined\r\n', 'MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n'),
  MULTIPART,
  simpleMessage('html only', '<p>Zebra <b>stripes</b> &amp; more</p>\r\n', 'MIME-Version: 1.0\r\nContent-Type: text/html; charset=us-ascii\r\nX-Custom: Some Value Here\r\n'),
  // "Привет" in KOI8-R.
  Buffer.concat([Buffer.from(simpleMessage('koi8', '', 'MIME-Version: 1.0\r\nContent-Type: text/plain; charset=koi8-r\r\n')), Buffer.from([0xf0, 0xd2, 0xc9, 0xd7, 0xc5, 0xd4, 0x0d, 0x0a])]),
  'From: "Folded (comment)" <folded\r\n @example.net>\r\nTo: someone@example.org\r\nSubject: Re: [list] zebra news\r\n\r\nno body words here\r\n',
  // Larger than the index takes: it is always scanned.
  simpleMessage('huge', 'filler text line\r\n'.repeat(40_000) + 'needle at the very end\r\n'),
];

/** SEARCH programs; 8-bit strings go as literals. */
const PROGRAMS: string[] = [
  'BODY zebra',
  'BODY ZEBRA',
  'TEXT zebra',
  'BODY café',
  'BODY CAFÉ',
  'TEXT crème',
  'SUBJECT résumé',
  'SUBJECT grüße',
  'BODY straße',
  'BODY grüße',
  'BODY οδος',
  'BODY ΟΔΌΣ',
  'BODY σισυφος',
  'BODY σίσυφος',
  'BODY istanbul',
  'BODY "soft break"',
  'BODY softbreak',
  'BODY привет',
  'BODY quarterly',
  'TEXT "inner message"',
  'BODY "Inner body"',
  'TEXT sender@example.org',
  'FROM folded@example.net',
  'FROM "folded (comment)"',
  'HEADER X-Custom "value here"',
  'HEADER X-Custom ""',
  'TEXT ab',
  'BODY e',
  'BODY "needle at the very"',
  'BODY nowhere-to-be-found',
  'NOT BODY zebra',
  'OR BODY zebra SUBJECT résumé',
  'BODY zebra SUBJECT news',
  'NOT TEXT example',
  'SENTBEFORE 1-Jan-2000 BODY zebra',
];

function withLiterals(program: string): string {
  return program.replace(/"([^"]*)"|(\S+)/g, (whole, quoted: string | undefined, bare: string | undefined) => {
    const value = quoted ?? bare ?? whole;
    // eslint-disable-next-line no-control-regex
    if (/^[\x00-\x7f]*$/.test(value)) return whole;
    return `{${Buffer.byteLength(value)}+}\r\n${value}`;
  });
}

async function searchAll(): Promise<string[]> {
  const c = await loggedIn(t);
  await run(c, 's', 'SELECT INBOX');
  const out: string[] = [];
  for (const [i, p] of PROGRAMS.entries()) {
    const lines = await run(c, `q${i}`, `UID SEARCH CHARSET UTF-8 ${withLiterals(p)}`);
    assert.match(lines.at(-1) ?? '', new RegExp(`^q${i} OK`), `${p}: ${lines.join(' | ')}`);
    out.push(`${p} => ${lines.filter((l) => l.startsWith('* SEARCH')).join('')}`);
  }
  c.close();
  return out;
}

before(async () => {
  t = await startImapEngine();
  // The test drives the indexer itself.
  await t.engine.ctx.store.textIndex.stop();
  for (const m of CORPUS) await putMessage(t, m);
});
after(() => t.stop());

function inbox() {
  return t.engine.ctx.store.mailbox(userId(t), 'INBOX')!;
}

test('answers with the index are the answers of a scan, for every charset, encoding and case', async () => {
  const index = t.engine.ctx.store.textIndex;
  assert.equal(index.pendingCount(), CORPUS.length);
  const scanned = await searchAll();
  await index.drain();
  assert.equal(index.pendingCount(), 0);
  const indexed = await searchAll();
  assert.deepEqual(indexed, scanned);
  // A sample of the answers themselves, so both sides being wrong alike would show.
  assert.ok(scanned.includes('BODY zebra => * SEARCH 1 7'), scanned.join('\n'));
  assert.ok(scanned.includes('BODY CAFÉ => * SEARCH 2 5 6'), scanned.join('\n'));
  assert.ok(scanned.includes('BODY straße => * SEARCH 3'), scanned.join('\n'));
  assert.ok(scanned.includes('BODY привет => * SEARCH 8'), scanned.join('\n'));
  assert.ok(scanned.includes('BODY σίσυφος => * SEARCH 4'), scanned.join('\n'));
  assert.ok(scanned.includes('BODY "needle at the very" => * SEARCH 10'), scanned.join('\n'));
  assert.ok(scanned.includes('FROM folded@example.net => * SEARCH 9'), scanned.join('\n'));
  // The index itself narrows: only the two messages with "zebra" in the body, and the huge one it could not take.
  const possible = t.engine.ctx.store.textCandidates(inbox().id, 'body', 'zebra')!;
  assert.equal(possible.size, 3);
  assert.equal(t.engine.ctx.store.textCandidates(inbox().id, 'body', 'ab'), undefined);
});

test('expunge takes a message out of the index; reconstruct builds the index again', async () => {
  const store = t.engine.ctx.store;
  const box = inbox();
  const before = await searchAll();
  const zebra = store.messages(box.id).find((m) => m.uid === 7)!;
  assert.ok(store.textCandidates(box.id, 'body', 'stripes')!.has(zebra.id));
  await store.expunge(box.id, [7]);
  // At once no search names it; its text leaves the index in the background (migration 26).
  assert.ok(!store.textCandidates(box.id, 'body', 'stripes')!.has(zebra.id));
  await store.textIndex.drain();
  const rows = t.engine.ctx.db.prepare("SELECT rowid FROM message_text WHERE message_text MATCH 'body : \"stripes\"'").pluck().all();
  assert.deepEqual(rows, []);
  const afterExpunge = await searchAll();
  assert.ok(afterExpunge.includes('BODY zebra => * SEARCH 1'), afterExpunge.join('\n'));
  await putMessage(t, CORPUS[6]);
  await store.reconstruct(userId(t), 'INBOX');
  assert.equal(store.textIndex.pendingCount(), CORPUS.length);
  const rebuilt = await searchAll();
  await store.textIndex.drain();
  assert.deepEqual(await searchAll(), rebuilt);
  assert.deepEqual(rebuilt.length, before.length);
  assert.ok(rebuilt.includes('BODY zebra => * SEARCH 1 11'), rebuilt.join('\n'));
});

test('SORT and THREAD answer the same from their cached keys as from the files', async () => {
  const c = await loggedIn(t);
  await run(c, 's', 'SELECT INBOX');
  const commands = ['UID SORT (DATE) UTF-8 ALL', 'UID SORT (REVERSE SUBJECT FROM) UTF-8 ALL', 'UID THREAD REFERENCES UTF-8 ALL', 'UID THREAD ORDEREDSUBJECT UTF-8 ALL'];
  const first = [];
  for (const [i, cmd] of commands.entries()) first.push((await run(c, `f${i}`, cmd)).slice(0, -1).join());
  const cached = t.engine.ctx.db.prepare('SELECT count(*) FROM messages WHERE mailbox_id = ? AND sort_keys IS NOT NULL').pluck().get(inbox().id);
  assert.equal(cached, inbox().messageCount);
  const again = [];
  for (const [i, cmd] of commands.entries()) again.push((await run(c, `g${i}`, cmd)).slice(0, -1).join());
  assert.deepEqual(again, first);
  c.close();
});
