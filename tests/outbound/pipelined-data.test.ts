import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startEngine, type TestEngine } from '../helpers/engine';
import { message, queueAndAttempt } from './helpers';
import { ScriptedPeer } from './scripted-peer';

/**
 * A careless peer no real server reproduces on demand: it offers PIPELINING, refuses
 * every RCPT, and still answers the pipelined DATA with 354. The client must then end
 * the (empty) message at once, send none of its own, and not re-use the session.
 */
function carelessPeer(): ScriptedPeer {
  return new ScriptedPeer('careless.peer.test', (verb, socket) => {
    if (verb === 'EHLO') socket.write('250-careless.peer.test\r\n250 PIPELINING\r\n');
    else if (verb === 'MAIL' || verb === 'RSET') socket.write('250 2.1.0 Ok\r\n');
    else if (verb === 'RCPT') socket.write('550 5.1.1 No such user\r\n');
    else if (verb === 'DATA') {
      socket.write('354 End data with <CR><LF>.<CR><LF>\r\n');
      return 'data';
    } else if (verb === 'QUIT') socket.end('221 2.0.0 Bye\r\n');
    else socket.write('502 5.5.2 Error: command not recognized\r\n');
  });
}

describe('pipelined DATA', () => {
  let t: TestEngine;
  const peer = carelessPeer();

  before(async () => {
    const port = await peer.start();
    t = await startEngine({ settings: { relayHost: `127.0.0.1:${port}` } });
  });
  after(async () => {
    await t?.stop();
    await peer.stop();
  });

  it('a 354 after every recipient was refused gets an empty message ended at once; the session is not re-used', async () => {
    assert.equal(await queueAndAttempt(t, 'alice@example.test', ['x@peer.test'], message('careless one')), undefined, 'bounced');
    assert.equal(await queueAndAttempt(t, 'alice@example.test', ['y@peer.test'], message('careless two')), undefined, 'bounced');
    assert.equal(peer.sessions.length, 2, 'a new session for the second message');
    for (const s of peer.sessions) {
      assert.equal(s.data, '', 'no message content sent');
      assert.deepEqual(s.lines.slice(1, 4).map((l) => l.split(':')[0]), ['MAIL FROM', 'RCPT TO', 'DATA']);
    }
  });
});
