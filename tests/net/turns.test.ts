import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { inTurns } from '../../server/net/turns';

/** Blocks the thread for about `ms` (a piece of start-up work such as loading a library). */
function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

test('inTurns runs one step per turn of the event loop: a client connecting meanwhile is greeted between two steps', async () => {
  const order: string[] = [];
  const server = net.createServer((socket) => {
    order.push('greeted');
    socket.end('220 hello\r\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  let greeting = '';
  let ended: Promise<void> | undefined;
  const connect = () => {
    const client = net.connect(port, '127.0.0.1');
    client.on('data', (d) => (greeting += d.toString()));
    ended = new Promise<void>((resolve) => client.once('end', resolve));
  };
  // Run in one turn, the steps would hold the connection back until the last of them.
  const steps = Array.from({ length: 20 }, (_, i) => () => {
    order.push(`step ${i}`);
    busy(2);
  });
  await inTurns([connect, ...steps]);
  await ended;
  server.close();
  assert.equal(greeting, '220 hello\r\n');
  assert.ok(order.indexOf('greeted') < order.indexOf('step 19'), `the client waited for every step: ${order.join(', ')}`);
});

test('inTurns skips the remaining steps once cancelled', async () => {
  const ran: number[] = [];
  let stop = false;
  await inTurns(
    [1, 2, 3].map((n) => () => {
      ran.push(n);
      if (n === 2) stop = true;
    }),
    () => stop,
  );
  assert.deepEqual(ran, [1, 2]);
});
