import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { after, before, test } from 'node:test';
import { ManageSieveService } from '../../server/managesieve/managesieve-service';
import { PAUSE_AT } from '../../server/net/line-pump';
import { type TestEngine, startEngine } from '../helpers/engine';

let t: TestEngine;
before(async () => {
  t = await startEngine();
});
after(() => t.stop());

/** Commands a client pipelines without reading: their replies (about 8 MB) are more than loopback's socket buffers hold. */
const COMMANDS = 20_000;
const tag = (i: number) => `t${i}-${'x'.repeat(400)}`;

test('a client pipelining thousands of commands without reading: the queue stays bounded, reading pauses, every command is answered in order', async (tc) => {
  const ctx = t.engine.ctx;
  const savedPort = ctx.ports.sieve;
  const service = new ManageSieveService(ctx);
  await service.start();
  const port = ctx.ports.sieve;
  ctx.ports.sieve = savedPort;
  const client = net.connect({ port, host: '127.0.0.1' });
  try {
    client.setEncoding('latin1');
    let received = '';
    client.on('data', (chunk: string) => (received += chunk));
    while (!received.includes('OK "Pillarbox ManageSieve ready"\r\n')) await once(client, 'data');
    const greeting = received;
    client.pause();

    const [session] = service.openSessions;
    const pump = session.input;
    const blocked = new Promise<void>((resolve) => {
      const check = () => {
        if (!pump.paused || !pump.waitingForClient) return;
        pump.off('backpressure', check);
        resolve();
      };
      pump.on('backpressure', check);
    });
    const commands = Array.from({ length: COMMANDS }, (_, i) => `NOOP "${tag(i)}"\r\n`);
    for (const c of commands) client.write(c);
    await blocked;

    // At most one read's worth of commands (64 KB) beyond the pause threshold ever waited.
    const bound = PAUSE_AT + Math.ceil(65_536 / commands[0].length);
    assert.ok(pump.peakPending <= bound, `at most ${bound} commands waited, not ${pump.peakPending}`);
    assert.ok(pump.pendingCount < COMMANDS);
    assert.ok(pump.socket.isPaused(), 'the engine stopped reading the socket');
    assert.ok(pump.socket.writableLength < 64 * 1024, `replies held in memory: ${pump.socket.writableLength} bytes`);
    tc.diagnostic(`paused with ${pump.pendingCount} commands waiting (peak ${pump.peakPending}, bound ${bound}), ${pump.socket.writableLength} bytes of replies held`);

    const last = `OK (TAG "${tag(COMMANDS - 1)}") "Done"\r\n`;
    const done = new Promise<void>((resolve) => {
      const check = () => {
        if (!received.endsWith(last)) return;
        client.off('data', check);
        resolve();
      };
      client.on('data', check);
    });
    client.resume();
    await done;
    const replies = received.slice(greeting.length).split('\r\n').slice(0, -1);
    assert.equal(replies.length, COMMANDS);
    replies.forEach((line, i) => assert.equal(line, `OK (TAG "${tag(i)}") "Done"`, `reply ${i}`));
    assert.ok(pump.peakPending <= bound, `at most ${bound} commands waited, not ${pump.peakPending}`);
    assert.equal(pump.paused, false);
  } finally {
    client.destroy();
    await service.stop();
  }
});
