import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { ConnectionLimiter } from '../../server/outbound/connection-limiter';
import { DotStuffer } from '../../server/outbound/dot-stuffing';

async function stuff(chunks: string[]): Promise<string> {
  const out: Buffer[] = [];
  for await (const c of Readable.from(chunks.map((s) => Buffer.from(s, 'latin1'))).pipe(new DotStuffer())) out.push(c as Buffer);
  return Buffer.concat(out).toString('latin1');
}

describe('dot-stuffing', () => {
  it('doubles leading dots, also across chunk boundaries, and terminates the data', async () => {
    assert.equal(await stuff(['.a\r\nb\r\n..c\r\n.\r\n']), '..a\r\nb\r\n...c\r\n..\r\n.\r\n');
    assert.equal(await stuff(['x\r\n', '.y\r\n', 'z.\r\n.']), 'x\r\n..y\r\nz.\r\n..\r\n.\r\n');
    assert.equal(await stuff(['x\r', '\n', '.', 'y\r\n']), 'x\r\n..y\r\n.\r\n');
  });

  it('adds CRLF before the final dot when the message lacks one, and handles an empty message', async () => {
    assert.equal(await stuff(['no newline']), 'no newline\r\n.\r\n');
    assert.equal(await stuff(['ends with CR\r']), 'ends with CR\r\n.\r\n', 'a bare CR is a line end (line-ends.ts)');
    assert.equal(await stuff([]), '.\r\n');
  });
});

describe('connection limiter', () => {
  it('keeps to the per-destination and total limits, first come first served', async () => {
    const limiter = new ConnectionLimiter(2, 3);
    const order: string[] = [];
    const take = (key: string, name: string) => limiter.acquire(key).then((release) => (order.push(name), release));
    const a1 = await take('a.example', 'a1');
    const a2 = await take('A.example', 'a2');
    const a3 = take('a.example', 'a3');
    const b1 = await take('b.example', 'b1');
    const b2 = take('b.example', 'b2');
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(order, ['a1', 'a2', 'b1']);
    assert.deepEqual(limiter.snapshot(), { total: 3, perDestination: { 'a.example': 2, 'b.example': 1 } });
    a1();
    a1(); // releasing twice counts once
    assert.equal((await a3, order.at(-1)), 'a3', 'a3 waited for a slot at its destination and came first');
    b1();
    await b2;
    assert.deepEqual(order, ['a1', 'a2', 'b1', 'a3', 'b2']);
    assert.equal(limiter.snapshot().total, 3);
    a2();
  });
});
