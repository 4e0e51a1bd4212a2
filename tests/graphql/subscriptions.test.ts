import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { type TestEngine, startEngine } from '../helpers/engine';
import { login, subscribed } from './client';

/** Waits until earlier tests' management sessions have closed on the server side too. */
async function noManagementSessions(t: TestEngine): Promise<void> {
  const connections = t.engine.ctx.connections;
  while (connections.count('http') > 0) await once(connections, 'close');
}

function connect(port: number, connectionParams: Record<string, unknown>): Client {
  return createClient({ url: `ws://127.0.0.1:${port}/graphql`, webSocketImpl: WebSocket, connectionParams, retryAttempts: 0, lazy: true });
}

describe('GraphQL subscriptions over graphql-ws', () => {
  let t: TestEngine;
  let port: number;
  let token: string;

  before(async () => {
    t = await startEngine();
    port = t.ports.http;
    token = await login(port);
  });
  after(() => t.stop());

  it('logEntries streams log entries of the services asked for', async () => {
    const client = connect(port, { Authorization: `Bearer ${token}` });
    try {
      const entries = client.iterate<{ logEntries: { service: string; severity: string; text: string; fields: string } }>({
        query: 'subscription { logEntries(services: [SMTP], severity: MESSAGE) { time service severity text fields } }',
      });
      const ready = subscribed(t.engine.ctx.logs, 'entry');
      const first = entries.next();
      await ready;
      t.engine.ctx.logs.logger('imap').message('not this one');
      t.engine.ctx.logs.logger('smtp').event('nor this one (below MESSAGE)');
      t.engine.ctx.logs.logger('smtp').message('message accepted', { queueId: 'ABC' });
      const { value } = await first;
      assert.ok(value?.data);
      assert.equal(value.data.logEntries.service, 'SMTP');
      assert.equal(value.data.logEntries.text, 'message accepted');
      assert.deepEqual(JSON.parse(value.data.logEntries.fields), { queueId: 'ABC' });
      await entries.return?.();
    } finally {
      await client.dispose();
    }
  });

  it('connectionEvents reports management sessions opening', async () => {
    const client = connect(port, { token });
    const other = connect(port, { Authorization: `Bearer ${token}` });
    try {
      const events = client.iterate<{ connectionEvents: { kind: string; connection: { protocol: string; user: string } } }>({
        query: 'subscription { connectionEvents(protocols: [HTTP]) { kind connection { protocol user remoteAddress since } } }',
      });
      const ready = subscribed(t.engine.ctx.connections, 'open');
      const first = events.next();
      await ready;
      // Any operation makes the lazy client connect.
      const done = new Promise<void>((resolve, reject) =>
        other.subscribe({ query: '{ me { username } }' }, { next: () => undefined, error: reject, complete: resolve }),
      );
      const { value } = await first;
      assert.deepEqual(value?.data?.connectionEvents.kind, 'OPENED');
      assert.equal(value?.data?.connectionEvents.connection.user, 'admin');
      await done;
      await events.return?.();
    } finally {
      await Promise.all([client.dispose(), other.dispose()]);
    }
  });

  it('connectionCounts sends the counts again when a connection opens', async () => {
    await noManagementSessions(t);
    const client = connect(port, { token });
    const other = connect(port, { token });
    try {
      const counts = client.iterate<{ connectionCounts: { protocol: string; count: number }[] }>({
        query: 'subscription { connectionCounts { protocol count } }',
      });
      const ready = subscribed(t.engine.ctx.connections, 'open');
      const first = counts.next();
      await ready;
      await new Promise<void>((resolve, reject) =>
        other.subscribe({ query: '{ me { username } }' }, { next: () => undefined, error: reject, complete: resolve }),
      );
      const { value } = await first;
      const http = value?.data?.connectionCounts.find((c: { protocol: string }) => c.protocol === 'HTTP');
      assert.equal(http?.count, 2, 'both management sessions are counted');
      await counts.return?.();
    } finally {
      await Promise.all([client.dispose(), other.dispose()]);
    }
  });

  it('a connection without a valid token is closed with 4403', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/graphql`, 'graphql-transport-ws');
    await once(ws, 'open');
    ws.send(JSON.stringify({ type: 'connection_init', payload: { Authorization: 'Bearer wrong-token' } }));
    const [code] = (await once(ws, 'close')) as [number];
    assert.equal(code, 4403);
  });

  it('refuses sessions over the per-address connection limit with HTTP 429', async () => {
    await noManagementSessions(t);
    t.engine.ctx.settings.update({ maxConnectionsPerIp: 1 });
    const first = new WebSocket(`ws://127.0.0.1:${port}/graphql`, 'graphql-transport-ws');
    try {
      await once(first, 'open');
      first.send(JSON.stringify({ type: 'connection_init', payload: { token } }));
      const [ack] = (await once(first, 'message')) as [Buffer];
      assert.equal(JSON.parse(ack.toString()).type, 'connection_ack');
      const second = new WebSocket(`ws://127.0.0.1:${port}/graphql`, 'graphql-transport-ws');
      second.on('error', () => undefined);
      const [, response] = (await once(second, 'unexpected-response')) as [unknown, { statusCode: number }];
      assert.equal(response.statusCode, 429);
      second.terminate();
    } finally {
      first.close();
      t.engine.ctx.settings.update({ maxConnectionsPerIp: 50 });
    }
  });
});
