import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type TestEngine, startEngine } from '../helpers/engine';
import { TESTSSL, severeFindings } from '../helpers/testssl';

// Issue 17, defect 8, with the client that found it: testssl.sh must show no finding above
// LOW on SMTPS, SMTP STARTTLS, IMAPS and the engine's HTTPS with the first-start certificate.
// The ECDSA and per-domain certificates have their own file (testssl-sni.test.ts): one
// testssl round takes over a minute on a busy CI machine.
describe('testssl.sh finds nothing above LOW', { skip: TESTSSL ? undefined : 'testssl.sh is not installed' }, () => {
  let t: TestEngine;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'pillarbox-testssl-'));

  before(async () => {
    t = await startEngine({ settings: { smtpEarlyTalkerWaitMs: 0 } });
  });
  after(async () => {
    await t.stop();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('on SMTPS, SMTP STARTTLS, IMAPS and HTTPS', async () => {
    const severe = await severeFindings(work, [
      ['smtps', `127.0.0.1:${t.ports.smtps}`, []],
      ['smtp-starttls', `127.0.0.1:${t.ports.smtp}`, ['-t', 'smtp']],
      ['imaps', `127.0.0.1:${t.ports.imaps}`, []],
      // The engine's own HTTPS listener (ClientHello read by the engine).
      ['https', `127.0.0.1:${t.ports.https}`, ['-h']],
    ]);
    assert.deepEqual(severe, []);
  });
});
