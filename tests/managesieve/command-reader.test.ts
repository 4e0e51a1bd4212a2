import test from 'node:test';
import assert from 'node:assert/strict';
import { CommandReader, type ReadEvent } from '../../server/managesieve/command-reader';

const limits = () => ({ maxLine: 100, maxLiteral: 50 });

test('a literal over the limit is refused and its bytes are dropped as they arrive, never held (found by tests/fuzz/managesieve)', () => {
  const r = new CommandReader(limits);
  const held = () => (r as unknown as { buffer: Buffer; waitingBytes: number }).buffer.length + (r as unknown as { waitingBytes: number }).waitingBytes;
  const events: ReadEvent[] = [];
  events.push(...r.push(Buffer.from('PUTSCRIPT "big" {100000+}\r\n')));
  for (let i = 0; i < 100; i++) {
    events.push(...r.push(Buffer.alloc(1000, 0x61)));
    assert.ok(held() < 200, `holds ${held()} bytes`);
  }
  assert.equal(events.length, 0);
  events.push(...r.push(Buffer.from(' trailing\r\nNOOP\r\n')));
  assert.deepEqual(events, [
    { kind: 'bad', message: 'a literal can have at most 50 bytes' },
    { kind: 'command', args: [{ kind: 'atom', value: 'NOOP' }] },
  ]);
});

test('a literal within the limit arriving a byte at a time gives the same command', () => {
  const r = new CommandReader(limits);
  const input = Buffer.from('PUTSCRIPT "s" {10+}\r\nkeep;\r\n...\r\n');
  const events: ReadEvent[] = [];
  for (const b of input) events.push(...r.push(Buffer.from([b])));
  assert.deepEqual(events, [{ kind: 'command', args: [{ kind: 'atom', value: 'PUTSCRIPT' }, { kind: 'string', value: 's' }, { kind: 'string', value: 'keep;\r\n...' }] }]);
});

test('a line over the limit ends the session whether it comes in one piece or several (found by tests/fuzz/managesieve)', () => {
  const line = Buffer.from(`NOOP "${'x'.repeat(150)}"\r\n`);
  const whole = new CommandReader(limits).push(line);
  const pieces = new CommandReader(limits);
  // (The session closes at the first fatal event: nothing is pushed after it.)
  const split = [...pieces.push(line.subarray(0, 60)), ...pieces.push(line.subarray(60, 120))];
  assert.deepEqual(whole, [{ kind: 'fatal', message: 'line too long' }]);
  assert.deepEqual(split, [{ kind: 'fatal', message: 'line too long' }]);
});

/** Counts the reader's parses of its buffer, and those that begin at the start of the line. */
function countParses(r: CommandReader): { all: () => number; fromStart: () => number } {
  const inner = r as unknown as { parse: () => unknown; resume?: { at: number } };
  const parse = inner.parse.bind(r);
  let all = 0;
  let fromStart = 0;
  inner.parse = () => {
    all++;
    if (!inner.resume?.at) fromStart++;
    return parse();
  };
  return { all: () => all, fromStart: () => fromStart };
}

test('a line arriving a byte at a time is parsed once it is complete, not again at every byte (found by tests/fuzz/managesieve)', () => {
  // Before, every piece re-parsed the line from its start: 8 KB of "a " a byte at a time took 12 s of CPU, before login.
  const wide = () => ({ maxLine: 8192, maxLiteral: 1 << 20 });
  for (const line of ['a '.repeat(4000), '"'.repeat(8000), `"${'x'.repeat(8000)}`, `AUTHENTICATE {5+}\r\nabcde ${'b'.repeat(8000)}`, `x\r${'y'.repeat(8000)}`]) {
    const input = Buffer.from(`${line}\r\nNOOP\r\n`);
    const r = new CommandReader(wide);
    const parses = countParses(r);
    const split: ReadEvent[] = [];
    for (const b of input) split.push(...r.push(Buffer.from([b])));
    assert.ok(parses.all() <= 40, `${parses.all()} parses for ${JSON.stringify(line.slice(0, 20))}`);
    assert.deepEqual(split, new CommandReader(wide).push(input));
  }
});

test('a line of literals, each in a read of its own, is parsed on from where the last read stopped, not from its start', () => {
  const wide = () => ({ maxLine: 8192, maxLiteral: 1 << 20 });
  const pieces = ['PUTSCRIPT "s" ', ...Array.from({ length: 1000 }, (_, i) => `{1+}\r\n${i % 10}`), '\r\n'];
  const r = new CommandReader(wide);
  const parses = countParses(r);
  const events = pieces.flatMap((p) => r.push(Buffer.from(p)));
  assert.ok(parses.fromStart() <= 2, `${parses.fromStart()} parses from the start of the line`);
  assert.deepEqual(events, new CommandReader(wide).push(Buffer.from(pieces.join(''))));
  assert.equal(events.length, 1);
});

test('a line over the limit arriving a byte at a time ends the session at the byte that passes the limit', () => {
  // The 101st byte outside literals (the literal's 40 bytes do not count).
  for (const [line, at] of [[`NOOP "${'x'.repeat(150)}"`, 100], ['a '.repeat(80), 100], [`NOOP {40+}\r\n${'z'.repeat(40)} ${'w'.repeat(120)}`, 140]] as const) {
    const r = new CommandReader(limits);
    const input = Buffer.from(`${line}\r\n`);
    let fatalAt = -1;
    for (let i = 0; i < input.length && fatalAt < 0; i++) if (r.push(input.subarray(i, i + 1)).some((e) => e.kind === 'fatal')) fatalAt = i;
    assert.equal(fatalAt, at, JSON.stringify(line.slice(0, 20)));
  }
  // Exactly at the limit, with CR and LF in pieces of their own: a command.
  const r = new CommandReader(limits);
  const events = [...r.push(Buffer.from(`NOOP "${'x'.repeat(93)}"`)), ...r.push(Buffer.from('\r')), ...r.push(Buffer.from('\n'))];
  assert.deepEqual(events, [{ kind: 'command', args: [{ kind: 'atom', value: 'NOOP' }, { kind: 'string', value: 'x'.repeat(93) }] }]);
});
