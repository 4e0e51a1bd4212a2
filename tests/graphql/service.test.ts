import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type TestEngine, startEngine } from '../helpers/engine';
import { errorCode, gql, gqlOk, login } from './client';
import { enumName } from '../../graphql/enums';

interface Status {
  serviceStatus: {
    running: boolean;
    version: string;
    hostname: string;
    startedAt: string;
    listeners: { name: string; port: number | null; enabled: boolean }[];
    connections: { protocol: string; count: number }[];
  };
}

describe('GraphQL service status and logs', () => {
  let t: TestEngine;
  let port: number;
  let token: string;

  before(async () => {
    t = await startEngine();
    port = t.ports.http;
    token = await login(port);
  });
  after(() => t.stop());

  it('serviceStatus shows every running listener with its bound port', async () => {
    const data = await gqlOk<Status>(
      port,
      '{ serviceStatus { running version hostname startedAt uptimeSeconds listeners { name port enabled } connections { protocol count } } }',
      { token },
    );
    const s = data.serviceStatus;
    assert.equal(s.running, true);
    assert.match(s.version, /^\d+\.\d+\.\d+/);
    assert.equal(s.hostname, 'mail.example.test');
    assert.equal(Date.parse(s.startedAt), t.engine.ctx.startedAt.getTime());
    for (const [name, bound] of Object.entries(t.engine.ctx.ports)) {
      const listener = s.listeners.find((l) => l.name === enumName(name));
      assert.ok(listener, `listener ${name} is listed`);
      assert.equal(listener.port, bound);
    }
    assert.equal(s.listeners.find((l) => l.name === 'HTTP')?.port, port);
    assert.ok(s.connections.some((c) => c.protocol === 'SMTP'));
  });

  it('listeners follow the settings; connectionList validates its protocol', async () => {
    await gqlOk(port, 'mutation { updateSettings(input: {popEnabled: false}) { popEnabled } }', { token });
    const data = await gqlOk<Status>(port, '{ serviceStatus { listeners { name port enabled } } }', { token });
    assert.equal(data.serviceStatus.listeners.find((l) => l.name === 'POP3')?.enabled, false);
    assert.equal(data.serviceStatus.listeners.find((l) => l.name === 'SMTP')?.enabled, true);
    await gqlOk(port, 'mutation { updateSettings(input: {popEnabled: true}) { popEnabled } }', { token });

    // Issue 15: with TLS off the implicit-TLS listeners are not running, and the status says so.
    await gqlOk(port, 'mutation { updateSettings(input: {smtpSsl: OFF, imapPopSsl: OFF}) { smtpSsl } }', { token });
    const plain = await gqlOk<Status>(port, '{ serviceStatus { listeners { name port enabled } } }', { token });
    for (const name of ['SMTPS', 'IMAPS', 'POP3S']) {
      assert.deepEqual(plain.serviceStatus.listeners.find((l) => l.name === name), { name, port: null, enabled: false }, name);
    }
    for (const name of ['SMTP', 'IMAP', 'POP3']) assert.equal(plain.serviceStatus.listeners.find((l) => l.name === name)?.enabled, true, name);
    await gqlOk(port, 'mutation { updateSettings(input: {smtpSsl: USE, imapPopSsl: USE}) { smtpSsl } }', { token });
    const back = await gqlOk<Status>(port, '{ serviceStatus { listeners { name port enabled } } }', { token });
    for (const name of ['SMTPS', 'IMAPS', 'POP3S']) {
      const l = back.serviceStatus.listeners.find((x) => x.name === name);
      assert.ok(l?.enabled && typeof l.port === 'number', name);
    }

    const list = await gqlOk<{ serviceStatus: { connectionList: unknown[] } }>(port, '{ serviceStatus { connectionList(protocol: SMTP) { id remoteAddress } } }', {
      token,
    });
    assert.ok(Array.isArray(list.serviceStatus.connectionList));
    const bad = await gql(port, '{ serviceStatus { connectionList(protocol: GOPHER) { id } } }', { token });
    assert.equal(errorCode(bad), 'GRAPHQL_VALIDATION_FAILED');
  });

  it('logTail returns recent entries filtered by service and severity', async () => {
    const log = t.engine.ctx.logs.logger('smtp');
    log.error('tail test failure', { queueId: 'Q1' });
    log.message('tail test message');
    const data = await gqlOk<{ logTail: { service: string; severity: string; text: string; fields: string }[] }>(
      port,
      '{ logTail(service: SMTP, severity: ERROR, last: 5) { time service severity text fields } }',
      { token },
    );
    const last = data.logTail[data.logTail.length - 1];
    assert.deepEqual({ ...last, fields: JSON.parse(last.fields) }, {
      service: 'SMTP',
      severity: 'ERROR',
      text: 'tail test failure',
      fields: { queueId: 'Q1' },
      time: (last as { time?: string }).time,
    });
    assert.ok(data.logTail.every((e) => e.service === 'SMTP' && e.severity === 'ERROR'));
    const two = await gqlOk<{ logTail: { text: string }[] }>(port, '{ logTail(service: SMTP, last: 2) { text } }', { token });
    assert.deepEqual(two.logTail.map((e) => e.text), ['tail test failure', 'tail test message']);
  });
});
