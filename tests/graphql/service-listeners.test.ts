import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import type { Settings } from '../../server/config/settings-schema';
import { freePort } from '../helpers/free-port';
import { type TestEngine, startEngine } from '../helpers/engine';
import { gqlOk, login } from './client';

interface Listener {
  name: string;
  port: number | null;
  enabled: boolean;
}

/** What each listener says first, and whether it speaks TLS from the first byte. */
const GREETING: Record<string, { tls: boolean; request?: string; answer: RegExp }> = {
  SMTP: { tls: false, answer: /^220 / },
  SUBMISSION: { tls: false, answer: /^220 / },
  SMTPS: { tls: true, answer: /^220 / },
  IMAP: { tls: false, answer: /^\* OK/ },
  IMAPS: { tls: true, answer: /^\* OK/ },
  POP3: { tls: false, answer: /^\+OK/ },
  POP3S: { tls: true, answer: /^\+OK/ },
  SIEVE: { tls: false, answer: /^"IMPLEMENTATION"/ },
  SIEVE_LEGACY: { tls: false, answer: /^"IMPLEMENTATION"/ },
  HTTP: { tls: false, request: 'GET /healthz HTTP/1.0\r\n\r\n', answer: /^HTTP\/1\.[01] 200/ },
  HTTPS: { tls: true, request: 'GET /healthz HTTP/1.0\r\n\r\n', answer: /^HTTP\/1\.[01] 200/ },
  METRICS: { tls: false, request: 'GET /metrics HTTP/1.0\r\n\r\n', answer: /^HTTP\/1\.[01] 200/ },
};

/** The first thing the server on `port` says (after `request`), or the connection error's code. */
function probe(port: number, how: { tls: boolean; request?: string }): Promise<string> {
  return new Promise((resolve) => {
    const socket = how.tls ? tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false }) : net.connect({ port, host: '127.0.0.1' });
    let text = '';
    const done = (result: string) => {
      socket.destroy();
      resolve(result);
    };
    socket.once(how.tls ? 'secureConnect' : 'connect', () => {
      if (how.request) socket.write(how.request);
    });
    socket.on('data', (d: Buffer) => {
      text += d.toString('latin1');
      if (text.includes('\n')) done(text);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => done(`error ${err.code ?? err.message}`));
    socket.once('end', () => done(text || 'closed'));
    socket.setTimeout(10_000, () => done('timeout'));
  });
}

describe('serviceStatus reports what the listeners really do', () => {
  let t: TestEngine;
  let token: string;
  /** Every listener's port while it ran: a listener switched off and on again comes back there. */
  const known = new Map<string, number>();

  before(async () => {
    // The legacy ManageSieve port takes any free port (0); metricsListen needs one named.
    t = await startEngine({ settings: { manageSieveLegacyPortEnabled: true, manageSieveLegacyPort: 0, metricsListen: `127.0.0.1:${await freePort()}` } });
    token = await login(t.ports.http);
  });
  after(() => t.stop());

  async function listeners(): Promise<Listener[]> {
    const data = await gqlOk<{ serviceStatus: { listeners: Listener[] } }>(t.ports.http, '{ serviceStatus { listeners { name port enabled } } }', { token });
    return data.serviceStatus.listeners;
  }

  /** Applies the settings, then checks every listener the status names against a real connection. */
  async function check(settings: Partial<Settings>, wanted: string[]): Promise<void> {
    const input = Object.entries(settings)
      .map(([k, v]) => `${k}: ${typeof v === 'string' && /^[a-z]/.test(v) && k.endsWith('Ssl') ? v.toUpperCase() : JSON.stringify(v)}`)
      .join(', ');
    if (input) await gqlOk(t.ports.http, `mutation { updateSettings(input: {${input}}) { __typename } }`, { token });
    const status = await listeners();
    assert.deepEqual(status.map((l) => l.name).sort(), Object.keys(GREETING).sort(), 'every listener is listed');
    for (const l of status) {
      const how = GREETING[l.name];
      assert.equal(l.enabled, wanted.includes(l.name), `${l.name}: enabled as the settings say (${input})`);
      if (l.port !== null) {
        known.set(l.name, l.port);
        assert.match(await probe(l.port, how), how.answer, `${l.name} on ${l.port} answers (${input})`);
      } else {
        assert.equal(l.enabled, false, `${l.name} is enabled but has no port (${input})`);
        const before = known.get(l.name);
        if (before !== undefined) assert.match(await probe(before, how), /^error ECONNREFUSED/, `${l.name} no longer listens on ${before} (${input})`);
      }
    }
  }

  const ALL = Object.keys(GREETING);

  it('everything on: each listener answers on the port the status names', async () => {
    await check({}, ALL);
  });

  it('TLS off: SMTPS, IMAPS and POP3S stop, and the status says so', async () => {
    await check({ smtpSsl: 'off', imapPopSsl: 'off' }, ALL.filter((n) => !['SMTPS', 'IMAPS', 'POP3S'].includes(n)));
  });

  it('SMTP, IMAP, POP, the legacy ManageSieve port and the metrics listener off', async () => {
    await check(
      { smtpEnabled: false, imapEnabled: false, popEnabled: false, manageSieveLegacyPortEnabled: false, metricsListen: '' },
      ['SIEVE', 'HTTP', 'HTTPS'],
    );
  });

  it('one at a time back on, then TLS: each comes back on its old port', async () => {
    await check({ smtpEnabled: true }, ['SMTP', 'SUBMISSION', 'SIEVE', 'HTTP', 'HTTPS']);
    await check({ imapEnabled: true, popEnabled: true }, ['SMTP', 'SUBMISSION', 'IMAP', 'POP3', 'SIEVE', 'HTTP', 'HTTPS']);
    await check({ smtpSsl: 'use', imapPopSsl: 'require' }, ['SMTP', 'SUBMISSION', 'SMTPS', 'IMAP', 'IMAPS', 'POP3', 'POP3S', 'SIEVE', 'HTTP', 'HTTPS']);
    await check({ manageSieveLegacyPortEnabled: true, metricsListen: `127.0.0.1:${known.get('METRICS')}` }, ALL);
  });
});
