import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { Readable } from 'node:stream';
import { CrlfNormalizer, normalizeLineEnds } from '../../server/outbound/line-ends';
import { DotStuffer } from '../../server/outbound/dot-stuffing';
import { startEngine, type TestEngine } from '../helpers/engine';
import { LineClient } from '../helpers/line-client';
import { reply } from '../helpers/smtp';
import { nextAttempt } from './helpers';
import { newQueueId } from '../../server/queue/queue';

const latin1 = (s: string) => Buffer.from(s, 'latin1');

/** Every split of `input` into two chunks gives the same output as the whole. */
function normalizedInPieces(input: string): string {
  const whole = normalizeLineEnds(latin1(input)).toString('latin1');
  for (let cut = 0; cut <= input.length; cut++) {
    const n = new CrlfNormalizer();
    const out = Buffer.concat([n.push(latin1(input.slice(0, cut))), n.push(latin1(input.slice(cut))), n.end()]).toString('latin1');
    assert.equal(JSON.stringify(out), JSON.stringify(whole), `cut at ${cut}`);
  }
  return whole;
}

describe('line ends for the next hop', () => {
  it('bare CR and bare LF become CRLF, CRLF stays, also across chunk boundaries', () => {
    assert.equal(normalizedInPieces('a\r\nb\rc\nd\r\n'), 'a\r\nb\r\nc\r\nd\r\n');
    assert.equal(normalizedInPieces('x\r.\ry'), 'x\r\n.\r\ny');
    assert.equal(normalizedInPieces('x\n.\ny\r\n.\n'), 'x\r\n.\r\ny\r\n.\r\n');
    assert.equal(normalizedInPieces('\r\r\n\n\r'), '\r\n\r\n\r\n\r\n');
    assert.equal(normalizedInPieces('no line end'), 'no line end');
    const plain = latin1('already\r\nfine\r\n');
    assert.equal(normalizeLineEnds(plain), plain, 'nothing copied when nothing changes');
  });

  it('dot-stuffing sees every line start once line ends are made CRLF', async () => {
    const out: Buffer[] = [];
    for await (const c of Readable.from([latin1('Subject: s\r\n\r\nhi\r.\rMAIL FROM:<x@evil.test>\n.\nRCPT'), latin1('\r')]).pipe(new DotStuffer())) out.push(c as Buffer);
    assert.equal(Buffer.concat(out).toString('latin1'), 'Subject: s\r\n\r\nhi\r\n..\r\nMAIL FROM:<x@evil.test>\r\n..\r\nRCPT\r\n.\r\n');
  });
});

/** A next hop that records the raw bytes of each message, dot-stuffing and all. */
class RawPeer {
  readonly messages: Buffer[] = [];
  readonly commands: string[] = [];
  private readonly server = net.createServer((socket) => {
    socket.on('error', () => undefined);
    socket.write('220 raw.peer.test ESMTP\r\n');
    let buf = Buffer.alloc(0);
    let inData = false;
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      for (;;) {
        if (inData) {
          // Only CRLF.CRLF ends the data, as RFC 5321 says.
          const end = buf.indexOf('\r\n.\r\n');
          if (end < 0) return;
          this.messages.push(buf.subarray(0, end + 2));
          buf = buf.subarray(end + 5);
          inData = false;
          socket.write('250 2.0.0 Ok: queued\r\n');
          continue;
        }
        const i = buf.indexOf('\r\n');
        if (i < 0) return;
        const line = buf.subarray(0, i).toString('latin1');
        buf = buf.subarray(i + 2);
        this.commands.push(line);
        const verb = line.split(' ')[0].toUpperCase();
        if (verb === 'EHLO') socket.write('250-raw.peer.test\r\n250 8BITMIME\r\n');
        else if (verb === 'DATA') {
          inData = true;
          socket.write('354 go ahead\r\n');
        } else if (verb === 'QUIT') socket.end('221 bye\r\n');
        else socket.write('250 Ok\r\n');
      }
    });
  });

  async start(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as net.AddressInfo).port;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

function hasBareCrOrLf(b: Buffer): boolean {
  for (let i = 0; i < b.length; i++) {
    if (b[i] === 0x0d && b[i + 1] !== 0x0a) return true;
    if (b[i] === 0x0a && b[i - 1] !== 0x0d) return true;
  }
  return false;
}

describe('relaying bare CR and bare LF (SMTP smuggling on the way out)', () => {
  let t: TestEngine;
  const peer = new RawPeer();

  before(async () => {
    const port = await peer.start();
    t = await startEngine({ settings: { relayHost: `127.0.0.1:${port}`, relayRestricted: true, relayAllowedHosts: ['127.0.0.0/8'] } });
  });
  after(async () => {
    await t?.stop();
    await peer.stop();
  });

  it('a message received by SMTP with "\\r.\\r" and a smuggled command reaches the next hop as one message, every line end CRLF', async () => {
    const c = await LineClient.connect(t.ports.smtp);
    assert.match(await reply(c), /^220/);
    c.send('EHLO client.test\r\n');
    assert.match(await reply(c), /^250/);
    c.send('MAIL FROM:<alice@client.test>\r\n');
    assert.match(await reply(c), /^250/);
    c.send('RCPT TO:<bob@remote.test>\r\n');
    assert.match(await reply(c), /^250/);
    c.send('DATA\r\n');
    assert.match(await reply(c), /^354/);
    const before = peer.messages.length;
    const settled = new Promise<void>((resolve) => t.engine.ctx.queue.once('settled', () => resolve()));
    c.send(latin1('Subject: smuggle\r\n\r\nhello\r.\rMAIL FROM:<evil@client.test>\rRCPT TO:<victim@remote.test>\rDATA\r\r\nsecond\r\n.\r\n'));
    assert.match(await reply(c), /^250/);
    c.send('QUIT\r\n');
    await settled;
    assert.equal(peer.messages.length, before + 1, 'one message');
    const sent = peer.messages[peer.messages.length - 1];
    assert.ok(!hasBareCrOrLf(sent), JSON.stringify(sent.toString('latin1')));
    const text = sent.toString('latin1');
    assert.ok(text.includes('hello\r\n..\r\nMAIL FROM:<evil@client.test>\r\nRCPT TO:<victim@remote.test>\r\nDATA\r\n\r\nsecond\r\n'), JSON.stringify(text));
    assert.ok(!peer.commands.some((l) => l.includes('evil@client.test') || l.includes('victim@')), 'nothing smuggled became a command');
  });

  it('bare LF and bare CR in a queued message (and one at its very end) go out as CRLF', async () => {
    const id = newQueueId();
    const attempted = nextAttempt(t, id);
    const prefix = latin1('Return-Path: <alice@client.test>\r\n');
    const body = latin1('Subject: bare\r\n\r\none\ntwo\rthree\n.\nfour\r');
    await t.engine.ctx.queue.enqueue(
      { id, sender: 'alice@client.test', recipients: [{ address: 'bob@remote.test', original: 'bob@remote.test' }], client: 'test', localPrefix: prefix.length },
      [prefix, body],
    );
    assert.equal(await attempted, undefined, 'delivered');
    const text = peer.messages[peer.messages.length - 1].toString('latin1');
    assert.equal(text, 'Subject: bare\r\n\r\none\r\ntwo\r\nthree\r\n..\r\nfour\r\n');
  });
});
