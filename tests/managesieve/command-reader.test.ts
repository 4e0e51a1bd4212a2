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
