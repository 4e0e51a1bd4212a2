import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { TestEngine } from '../helpers/engine';
import { LineClient } from '../helpers/line-client';
import { ALICE, startImapEngine } from './helpers';

let t: TestEngine;
before(async () => {
  t = await startImapEngine({ allowPlaintextAuthWithoutTls: true, imapMaxCommandsPerSecond: 5, logLevelImapPop: 'high' });
});
after(() => t.stop());

test('a client over imapMaxCommandsPerSecond is slowed down, not refused: every pipelined command is answered', async () => {
  const c = await LineClient.connect(t.ports.imap);
  await c.command(`a LOGIN alice ${ALICE.password}`, /^a OK/);
  const n = 30;
  c.send(Array.from({ length: n }, (_, i) => `n${i} NOOP\r\n`).join(''));
  assert.match(await c.command(`last NOOP`, /^last /), /^last OK/);
  const tagged = c.lines.filter((l) => /^n\d+ /.test(l));
  assert.deepEqual(
    tagged.map((l) => l.split(' ').slice(0, 2).join(' ')),
    Array.from({ length: n }, (_, i) => `n${i} OK`),
    'every command answered OK, in order',
  );
  await c.command('z LOGOUT', /^z OK/);
  const log = await import('node:fs/promises').then((fs) => fs.readFile(`${t.dataDir}/logs/imap.log`, 'utf8'));
  assert.match(log, /IMAP commands slowed down/);
});
