import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import net from 'node:net';
import { describe, it } from 'node:test';
import type { TlsManager } from '../../server/certs/tls-manager';
import { type LogEntry, LogHub } from '../../server/logs/logger';
import { ConnectionRegistry } from '../../server/net/connections';
import { ListenerGroup, type ListenerGroupOptions, type WantedListener } from '../../server/net/listener-group';

/** A group on loopback whose wanted set the test changes; sessions are the accepted sockets. */
function group(wanted: () => WantedListener[], extra: Partial<ListenerGroupOptions> = {}) {
  const hub = new LogHub(undefined);
  const entries: LogEntry[] = [];
  hub.on('entry', (e: LogEntry) => entries.push(e));
  const ports: Record<string, number> = {};
  const sockets = new Map<string, Set<net.Socket>>();
  const ended: (string | undefined)[] = [];
  const g = new ListenerGroup({
    log: hub.logger('server'),
    host: '127.0.0.1',
    tls: new EventEmitter() as unknown as TlsManager,
    ports,
    listeners: new Map(),
    wanted,
    listenerOptions: (name) => ({
      protocol: 'imap',
      registry: new ConnectionRegistry(),
      limits: () => ({ maxConnections: 10, maxPerIp: 10 }),
      onConnection: (socket) => {
        if (!sockets.has(name)) sockets.set(name, new Set());
        sockets.get(name)?.add(socket);
        socket.write(`hello from ${name}\r\n`);
      },
      refuse: () => undefined,
    }),
    endSessions: (listener) => void ended.push(listener),
    unwantedSessions: 'carry-on',
    graceMs: 200,
    logStyle: 'named',
    ...extra,
  });
  return { g, ports, entries, sockets, ended };
}

/** Connects and reads the greeting; the socket keeps reading (so it sees the server close it). */
async function connect(port: number): Promise<net.Socket> {
  const s = net.connect({ port, host: '127.0.0.1' });
  await once(s, 'data');
  return s;
}

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1' });
    s.once('connect', () => (s.destroy(), resolve(false)));
    s.once('error', () => resolve(true));
  });
}

const plain = (...names: string[]): WantedListener[] => names.map((name) => ({ name, port: 0, implicitTls: false }));

describe('listener group (server/net/listener-group.ts)', () => {
  it('follows the wanted set one change at a time; a listener on port 0 comes back on the port it had', async () => {
    let wanted = plain('a', 'b');
    const { g, ports, entries } = group(() => wanted);
    await g.start();
    const first = { ...ports };
    assert.deepEqual(Object.keys(first).sort(), ['a', 'b']);
    // Quick flips, none awaited: each is applied after the one before, and the last one wins.
    wanted = [];
    const off = g.apply();
    wanted = plain('a');
    const one = g.apply();
    wanted = plain('a', 'b');
    await Promise.all([off, one, g.apply()]);
    assert.deepEqual(ports, first);
    assert.equal(await refused(first.a), false);
    assert.equal(await refused(first.b), false);
    wanted = plain('a');
    await g.apply();
    assert.deepEqual(Object.keys(ports), ['a']);
    assert.ok(await refused(first.b));
    assert.ok(entries.some((e) => e.text === 'b listener stopped'));
    assert.ok(entries.some((e) => e.text === 'a listening' && e.port === first.a));
    await g.stop();
  });

  it('an optional listener whose port is taken is logged and the others open; a required one fails start', async () => {
    const squatter = net.createServer();
    squatter.listen(0, '127.0.0.1');
    await once(squatter, 'listening');
    const taken = (squatter.address() as net.AddressInfo).port;
    try {
      const optional = group(() => [...plain('main'), { name: 'legacy', port: taken, implicitTls: false, failureMessage: 'the legacy port could not be opened' }]);
      await optional.g.start();
      assert.deepEqual(Object.keys(optional.ports), ['main']);
      assert.ok(optional.entries.some((e) => e.text === 'the legacy port could not be opened' && e.port === taken));
      await optional.g.stop();

      const required = group(() => [{ name: 'main', port: taken, implicitTls: false }]);
      await assert.rejects(required.g.start(), /EADDRINUSE/);
      await required.g.stop();
    } finally {
      squatter.close();
    }
  });

  it('stop: sessions are asked to end, those still open at the deadline are cut; sessions of a listener switched off carry on until then', async () => {
    let wanted = plain('a', 'b');
    const { g, ports, sockets, ended } = group(() => wanted);
    await g.start();
    const onA = await connect(ports.a);
    const onB = await connect(ports.b);
    wanted = plain('a');
    await g.apply();
    assert.equal(onB.destroyed, false, 'the session on b carries on');
    onB.write('still here\r\n');
    await once([...(sockets.get('b') ?? [])][0], 'data');
    const closed = Promise.all([once(onA, 'close'), once(onB, 'close')]);
    await g.stop();
    await closed;
    assert.deepEqual(ended, [undefined]);
  });

  it("a listener switched off with unwantedSessions 'end' asks its sessions to end, then cuts them", async () => {
    let wanted = plain('a', 'b');
    const { g, ports, ended } = group(() => wanted, { unwantedSessions: 'end' });
    await g.start();
    const onB = await connect(ports.b);
    const closed = once(onB, 'close');
    wanted = plain('a');
    await g.apply();
    await closed;
    assert.deepEqual(ended, ['b']);
    await g.stop();
  });
});
