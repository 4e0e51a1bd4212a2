import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startEngine, type TestEngine } from '../helpers/engine';
import { message, queueAndAttempt } from './helpers';

/**
 * A faulty peer no real server reproduces on demand: it offers STARTTLS, agrees to it,
 * then answers the TLS handshake with plain text. Opportunistic TLS must then deliver
 * in plain text on a second connection rather than defer forever.
 */
class BrokenTlsPeer {
  readonly sessions: { startTlsTried: boolean; data: string }[] = [];
  private readonly server = net.createServer((socket) => this.session(socket));

  async start(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as net.AddressInfo).port;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private session(socket: net.Socket): void {
    const s = { startTlsTried: false, data: '' };
    this.sessions.push(s);
    let buffer = '';
    let inData = false;
    socket.on('error', () => undefined);
    socket.write('220 broken.peer.test ESMTP\r\n');
    socket.on('data', (chunk) => {
      buffer += chunk.toString('latin1');
      let i: number;
      while ((i = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, i);
        buffer = buffer.slice(i + 2);
        if (inData) {
          if (line === '.') {
            inData = false;
            socket.write('250 2.0.0 Ok: queued\r\n');
          } else s.data += line + '\r\n';
          continue;
        }
        const verb = line.split(' ')[0].toUpperCase();
        if (verb === 'EHLO') socket.write('250-broken.peer.test\r\n250-PIPELINING\r\n250 STARTTLS\r\n');
        else if (verb === 'STARTTLS') {
          s.startTlsTried = true;
          socket.write('220 2.0.0 Ready to start TLS\r\n');
          socket.once('data', () => socket.end('this is not TLS\r\n'));
          return;
        } else if (verb === 'MAIL' || verb === 'RCPT') socket.write('250 2.1.0 Ok\r\n');
        else if (verb === 'DATA') {
          inData = true;
          socket.write('354 End data with <CR><LF>.<CR><LF>\r\n');
        } else if (verb === 'QUIT') socket.end('221 2.0.0 Bye\r\n');
        else socket.write('502 5.5.2 Error: command not recognized\r\n');
      }
    });
  }
}

describe('opportunistic STARTTLS', () => {
  let t: TestEngine;
  const peer = new BrokenTlsPeer();

  before(async () => {
    const port = await peer.start();
    t = await startEngine({ settings: { relayHost: `127.0.0.1:${port}` } });
  });
  after(async () => {
    await t?.stop();
    await peer.stop();
  });

  it('delivers in plain text on a new connection when the TLS handshake fails', async () => {
    assert.equal(await queueAndAttempt(t, 'alice@example.test', ['x@peer.test'], message('tls fallback')), undefined);
    assert.equal(peer.sessions.length, 2);
    assert.equal(peer.sessions[0].startTlsTried, true);
    assert.equal(peer.sessions[1].startTlsTried, false);
    assert.match(peer.sessions[1].data, /Subject: tls fallback/);
  });
});
