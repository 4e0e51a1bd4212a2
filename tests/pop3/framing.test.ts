import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineSplitter } from '../../server/pop3/line-splitter';
import { DotStuffer, TopFilter } from '../../server/pop3/message-output';

/** Feeds `input` to `f` in chunks of every size from 1 up, so chunk boundaries fall everywhere. */
function everySplit(input: string, f: (chunks: Buffer[]) => string): string[] {
  const data = Buffer.from(input);
  const results: string[] = [];
  for (let size = 1; size <= data.length; size++) {
    const chunks: Buffer[] = [];
    for (let i = 0; i < data.length; i += size) chunks.push(data.subarray(i, i + size));
    results.push(f(chunks));
  }
  return results;
}

test('DotStuffer doubles leading dots across chunk boundaries and terminates with CRLF.CRLF', () => {
  const input = '.a\r\nb\r\n..c\r\n.\r\nd.e\r\n';
  for (const out of everySplit(input, (chunks) => {
    const s = new DotStuffer();
    return Buffer.concat([...chunks.map((c) => s.stuff(c)), s.finish()]).toString();
  })) {
    assert.equal(out, '..a\r\nb\r\n...c\r\n..\r\nd.e\r\n.\r\n');
  }
  const s = new DotStuffer();
  assert.equal(Buffer.concat([s.stuff(Buffer.from('no final newline')), s.finish()]).toString(), 'no final newline\r\n.\r\n');
  assert.equal(new DotStuffer().finish().toString(), '.\r\n');
});

test('TopFilter sends the header, the blank line and n body lines', () => {
  const message = 'A: 1\r\nB: 2\r\n\r\nline1\r\nline2\r\nline3\r\n';
  const run = (n: number) =>
    everySplit(message, (chunks) => {
      const f = new TopFilter(n);
      const out: Buffer[] = [];
      for (const c of chunks) {
        out.push(f.take(c));
        if (f.done) break;
      }
      return Buffer.concat(out).toString();
    });
  for (const out of run(0)) assert.equal(out, 'A: 1\r\nB: 2\r\n\r\n');
  for (const out of run(2)) assert.equal(out, 'A: 1\r\nB: 2\r\n\r\nline1\r\nline2\r\n');
  for (const out of run(10)) assert.equal(out, message);
  const headerOnly = new TopFilter(3);
  assert.equal(headerOnly.take(Buffer.from('A: 1\r\nB: 2\r\n')).toString(), 'A: 1\r\nB: 2\r\n');
});

test('LineSplitter splits CRLF and LF lines and drops over-long ones without keeping them', () => {
  const splitter = new LineSplitter(() => 10);
  assert.deepEqual(splitter.push(Buffer.from('USER a\r\nNOOP\nST')), [
    { kind: 'line', text: 'USER a' },
    { kind: 'line', text: 'NOOP' },
  ]);
  assert.deepEqual(splitter.push(Buffer.from('AT\r\n')), [{ kind: 'line', text: 'STAT' }]);
  assert.deepEqual(splitter.push(Buffer.from('x'.repeat(5000))), []);
  assert.deepEqual(splitter.push(Buffer.from('x'.repeat(5000) + '\r\nQUIT\r\n')), [{ kind: 'too-long' }, { kind: 'line', text: 'QUIT' }]);
  assert.deepEqual(splitter.push(Buffer.from('0123456789\r\n01234567890\r\n')), [
    { kind: 'line', text: '0123456789' },
    { kind: 'too-long' },
  ]);
});
