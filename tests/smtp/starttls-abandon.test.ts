import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { LineClient } from '../helpers/line-client';
import { type TestEngine, startEngine } from '../helpers/engine';
import { reply } from '../helpers/smtp';

// Issue 17, defect 2: a client that sent STARTTLS, got 220 and closed without a handshake
// stayed counted for ever, until port 25 refused everybody.
let t: TestEngine;

before(async () => {
  t = await startEngine({ settings: { maxConnectionsPerIp: 3, smtpEarlyTalkerWaitMs: 0 } });
});
after(() => t.stop());

/** Resolves once the engine counts no open connection for the protocol. */
function drained(protocol: 'smtp' | 'submission'): Promise<void> {
  const registry = t.engine.ctx.connections;
  return new Promise((resolve) => {
    const check = () => {
      if (registry.count(protocol) > 0) return;
      registry.off('close', check);
      resolve();
    };
    registry.on('close', check);
    check();
  });
}

async function abandonAfterStartTls(port: number): Promise<void> {
  const client = await LineClient.connect(port);
  await reply(client);
  await client.command('EHLO prober.example.org', /^250 /);
  await client.command('STARTTLS', /^220 /);
  client.close();
  await client.waitClose();
}

for (const listener of ['smtp', 'submission'] as const) {
  test(`${listener}: connections abandoned after STARTTLS are released`, async () => {
    const port = t.ports[listener];
    // Twice the per-address limit: each would have stayed counted before the fix.
    for (let i = 0; i < 6; i++) await abandonAfterStartTls(port);
    await drained(listener);
    const client = await LineClient.connect(port);
    assert.match(await reply(client), /^220 /);
    client.send('QUIT\r\n');
    await client.waitClose();
  });
}

test('a TLS session that ends after STARTTLS is released too', async () => {
  const client = await LineClient.connect(t.ports.submission);
  await reply(client);
  await client.command('EHLO prober.example.org', /^250 /);
  await client.command('STARTTLS', /^220 /);
  await client.startTls();
  await client.command('EHLO prober.example.org', /^250 /);
  assert.equal(t.engine.ctx.connections.list('submission')[0]?.secure, true);
  client.close();
  await drained('submission');
});
