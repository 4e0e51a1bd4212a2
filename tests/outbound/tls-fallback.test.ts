import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startEngine, type TestEngine } from '../helpers/engine';
import { message, queueAndAttempt } from './helpers';
import { ScriptedPeer } from './scripted-peer';

/**
 * A faulty peer no real server reproduces on demand: it offers STARTTLS, agrees to it,
 * then answers the TLS handshake with plain text. Opportunistic TLS must then deliver
 * in plain text on a second connection rather than defer forever.
 */
function brokenTlsPeer(): ScriptedPeer {
  return new ScriptedPeer('broken.peer.test', (verb, socket, s) => {
    if (verb === 'EHLO') socket.write('250-broken.peer.test\r\n250-PIPELINING\r\n250 STARTTLS\r\n');
    else if (verb === 'STARTTLS') {
      s.startTlsTried = true;
      socket.write('220 2.0.0 Ready to start TLS\r\n');
      socket.once('data', () => socket.end('this is not TLS\r\n'));
    } else if (verb === 'MAIL' || verb === 'RCPT') socket.write('250 2.1.0 Ok\r\n');
    else if (verb === 'DATA') {
      socket.write('354 End data with <CR><LF>.<CR><LF>\r\n');
      return 'data';
    } else if (verb === 'QUIT') socket.end('221 2.0.0 Bye\r\n');
    else socket.write('502 5.5.2 Error: command not recognized\r\n');
  });
}

describe('opportunistic STARTTLS', () => {
  let t: TestEngine;
  const peer = brokenTlsPeer();

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
