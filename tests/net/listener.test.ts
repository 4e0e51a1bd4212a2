import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TlsManager } from '../../server/certs/tls-manager';
import { type ConnectionInfo, ConnectionRegistry } from '../../server/net/connections';
import { type ConnectionLimits, Listener, preAuthLimits } from '../../server/net/listener';
import { LineClient } from '../helpers/line-client';

describe('listener: connections before login (server/net/listener.ts)', () => {
  const registry = new ConnectionRegistry();
  /** Admitted connections by the client's local port. */
  const admitted = new Map<number, ConnectionInfo>();
  let limits: ConnectionLimits = { maxConnections: 6, maxPerIp: 5, preAuth: { maxUnauthenticated: 3, maxUnauthenticatedPerIp: 2 } };
  const listener = new Listener({
    name: 'test',
    protocol: 'imap',
    host: '127.0.0.1',
    port: 0,
    implicitTls: false,
    tls: {} as unknown as TlsManager,
    registry,
    limits: () => limits,
    onConnection: (socket, conn) => {
      admitted.set(conn.remotePort, conn);
      socket.write('hello\r\n');
    },
    refuse: (socket, reason) => socket.write(`refused ${reason}\r\n`),
  });
  const clients: LineClient[] = [];

  before(() => listener.start());
  after(async () => {
    for (const c of clients) c.close();
    await listener.stopAccepting();
    await listener.drain(1000);
  });

  /** Connects from 127.0.0.<host> and returns the client with the server's first line. */
  async function connect(host: number): Promise<{ c: LineClient; first: string }> {
    const c = await LineClient.connect(listener.port, { localAddress: `127.0.0.${host}` });
    clients.push(c);
    return { c, first: await c.waitFor(/^(hello|refused)/) };
  }
  const logIn = (c: LineClient, user: string) => registry.setUser(admitted.get(c.socket.localPort as number) as ConnectionInfo, user);

  it('limits connections not logged in per address, then in all, making room from the busiest address', async () => {
    const a1 = await connect(2);
    const a2 = await connect(2);
    assert.equal(a1.first, 'hello');
    assert.equal(a2.first, 'hello');
    assert.equal((await connect(2)).first, 'refused too-many-from-address', 'two not logged in per address');
    const b1 = await connect(3);
    assert.equal(b1.first, 'hello');
    // Logged-in connections do not count towards the pre-login limits.
    logIn(b1.c, 'bob');
    const c1 = await connect(4);
    assert.equal(c1.first, 'hello');
    assert.equal(registry.count('imap', undefined, { unauthenticated: true }), 3, 'the pre-login share is full');
    // A newcomer gets in; the oldest connection of 127.0.0.2 (which holds two) makes room.
    const d1 = await connect(5);
    assert.equal(d1.first, 'hello');
    await a1.c.waitClose();
    assert.ok(!a2.c.isClosed && !c1.c.isClosed && !b1.c.isClosed);
    assert.equal(registry.count('imap'), 4);

    // Now fill the whole limit: a newcomer still displaces the oldest connection not logged in.
    logIn(c1.c, 'carol');
    logIn(d1.c, 'dave');
    const e1 = await connect(6);
    logIn(e1.c, 'erin');
    const f1 = await connect(7);
    assert.equal(registry.count('imap'), 6);
    const g1 = await connect(8);
    assert.equal(g1.first, 'hello');
    await a2.c.waitClose();
    assert.ok(!f1.c.isClosed);
    // Everybody logged in and the limit reached: only then is a newcomer refused.
    logIn(f1.c, 'frank');
    logIn(g1.c, 'grace');
    assert.equal((await connect(9)).first, 'refused busy');
    assert.ok([b1, c1, d1, e1, f1, g1].every((x) => !x.c.isClosed), 'no logged-in connection was touched');
  });

  it('preAuthLimits: a share of the service limit, never less than one', () => {
    assert.deepEqual(preAuthLimits({ maxUnauthenticatedPerIp: 10, unauthenticatedConnectionsPercent: 50 }, 32), { maxUnauthenticated: 16, maxUnauthenticatedPerIp: 10 });
    assert.equal(preAuthLimits({ maxUnauthenticatedPerIp: 10, unauthenticatedConnectionsPercent: 50 }, 1).maxUnauthenticated, 1);
    limits = { maxConnections: 6, maxPerIp: 5 };
  });
});
