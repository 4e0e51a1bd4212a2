import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startEngine, type TestEngine } from '../helpers/engine';
import { message, queueAndAttempt } from './helpers';
import { missingPeers, SMTP_SINK, SmtpSink } from './peers';

/**
 * A TCP proxy in front of smtp-sink that counts the connections made through it and
 * records what the client sent on each; armed, it answers the next RSET itself with a
 * 421 and hangs up, as a server whose idle timeout just expired would.
 */
class CountingProxy {
  readonly connections: { clientSaid: string; closed: boolean }[] = [];
  refuseNextRset = false;
  private readonly sockets = new Set<net.Socket>();
  private readonly server: net.Server;

  constructor(private readonly target: { address: string; port: number }) {
    this.server = net.createServer((client) => this.relay(client));
  }

  async start(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as net.AddressInfo).port;
  }

  /** Closes every connection, as a server dropping its idle clients does. */
  dropAll(): Promise<void> {
    const closed = [...this.sockets].map((s) => new Promise((resolve) => s.once('close', resolve)));
    for (const s of this.sockets) s.destroy();
    return Promise.all(closed).then(() => undefined);
  }

  /** Resolves once every connection made so far has been closed. */
  async allClosed(): Promise<void> {
    await Promise.all([...this.sockets].map((s) => new Promise((resolve) => s.once('close', resolve))));
  }

  stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private relay(client: net.Socket): void {
    const record = { clientSaid: '', closed: false };
    this.connections.push(record);
    const server = net.connect(this.target.port, this.target.address);
    this.sockets.add(client);
    client.on('error', () => undefined);
    server.on('error', () => client.destroy());
    client.on('close', () => {
      record.closed = true;
      this.sockets.delete(client);
      server.destroy();
    });
    server.on('close', () => client.destroy());
    server.on('data', (chunk) => client.write(chunk));
    client.on('data', (chunk: Buffer) => {
      const text = chunk.toString('latin1');
      record.clientSaid += text;
      if (this.refuseNextRset && text.startsWith('RSET\r\n')) {
        this.refuseNextRset = false;
        client.end('421 4.4.2 idle timeout, closing connection\r\n');
        server.destroy();
        return;
      }
      server.write(chunk);
    });
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(p));
    });
    srv.on('error', reject);
  });
}

const commands = (said: string, verb: string) => said.split('\r\n').filter((l) => l.toUpperCase().startsWith(verb)).length;

/**
 * The connection cache: messages for one host one after another share one SMTP
 * session (RSET between transactions); a cached session the server has closed or
 * refuses costs a new connection, never a failed or duplicated message; shutdown QUITs
 * what is idle.
 */
for (const [variant, flags] of [
  ['with PIPELINING (RSET opens the group)', []],
  ['without PIPELINING (smtp-sink -p: RSET alone)', ['-p']],
] as const) describe(`outbound connection cache, ${variant}`, { skip: SMTP_SINK ? undefined : missingPeers() }, () => {
  let sink: SmtpSink;
  let proxy: CountingProxy;
  let a: TestEngine;

  before(async () => {
    sink = await SmtpSink.start('127.0.0.1', await freePort(), { flags: [...flags] });
    proxy = new CountingProxy(sink);
    const port = await proxy.start();
    a = await startEngine({ users: [{ shortName: 'alice', password: 'alice-password-1' }] });
    a.engine.ctx.settings.update({ relayHost: `127.0.0.1:${port}` });
  });
  after(async () => {
    await a?.stop();
    await proxy?.stop();
    await sink?.stop();
  });

  it('sends several messages for one host over one connection, with RSET before each re-use', async () => {
    for (let i = 1; i <= 4; i++) {
      assert.equal(await queueAndAttempt(a, 'alice@example.test', [`friend${i}@remote.test`], message(`cached ${i}`)), undefined, `message ${i} sent`);
    }
    const got = await sink.waitForMessages(4);
    assert.equal(got.length, 4);
    assert.equal(proxy.connections.length, 1, 'one connection for four messages');
    const said = proxy.connections[0].clientSaid;
    assert.equal(commands(said, 'EHLO'), 1);
    assert.equal(commands(said, 'MAIL FROM'), 4);
    assert.equal(commands(said, 'RSET'), 3);
    assert.equal(commands(said, 'QUIT'), 0, 'kept open, idle');
  });

  it('a cached connection the server closed is replaced by a new one: delivered once', async () => {
    const before = proxy.connections.length;
    await proxy.dropAll();
    assert.equal(await queueAndAttempt(a, 'alice@example.test', ['after-drop@remote.test'], message('after drop')), undefined);
    assert.equal(proxy.connections.length, before + 1, 'a new connection');
    const got = await sink.waitForMessages(5);
    assert.equal(got.filter((m) => m.rcptTo.some((r) => r.includes('after-drop@remote.test'))).length, 1, 'exactly one copy');
  });

  it('a cached connection that refuses RSET (421) is replaced by a new one: delivered once', async () => {
    const before = proxy.connections.length;
    proxy.refuseNextRset = true;
    assert.equal(await queueAndAttempt(a, 'alice@example.test', ['after-421@remote.test'], message('after 421')), undefined, 'sent, not deferred');
    assert.equal(proxy.refuseNextRset, false, 'the cached session was tried first');
    assert.equal(proxy.connections.length, before + 1, 'then a new connection');
    const got = await sink.waitForMessages(6);
    assert.equal(got.filter((m) => m.rcptTo.some((r) => r.includes('after-421@remote.test'))).length, 1, 'exactly one copy');
  });

  it('messages sent at once share the cached sessions, each delivered once', async () => {
    await proxy.dropAll();
    const before = proxy.connections.length;
    const sends = Array.from({ length: 6 }, (_, i) => queueAndAttempt(a, 'alice@example.test', [`burst${i}@remote.test`], message(`burst ${i}`)));
    for (const entry of await Promise.all(sends)) assert.equal(entry, undefined);
    const got = await sink.waitForMessages(12);
    for (let i = 0; i < 6; i++) assert.equal(got.filter((m) => m.rcptTo.some((r) => r.includes(`burst${i}@remote.test`))).length, 1, `burst ${i} once`);
    const opened = proxy.connections.length - before;
    assert.ok(opened >= 1 && opened <= 6, `${opened} connections for six messages sent at once`);
  });

  it('QUITs idle cached sessions when the engine stops', async () => {
    const open = proxy.connections.filter((c) => !c.closed);
    assert.ok(open.length >= 1, 'a session is idle in the cache');
    const closed = proxy.allClosed();
    await a.stop();
    await closed;
    for (const c of open) assert.match(c.clientSaid, /QUIT\r\n$/, 'QUIT last on each idle session');
  });
});
