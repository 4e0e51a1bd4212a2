import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEngine } from '../helpers/engine';
import { sendUntilKilled, startEngineProcess } from '../helpers/engine-process';

/**
 * The durability promise: SIGKILL the engine while 20 clients send; after a restart
 * every message that got its 250 is in the mailbox (exactly once) or still queued.
 */
describe('crash safety', () => {
  it('loses no acknowledged message when killed with SIGKILL under load', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pillarbox-crash-'));
    try {
      const setup = await startEngine({ dataDir, users: [{ shortName: 'alice', password: 'alice-password-1' }] });
      await setup.stop();

      const acked = await sendUntilKilled(await startEngineProcess(dataDir), {
        from: 'load@example.org',
        to: 'alice@example.test',
        senders: 20,
        killAfter: 200,
        prefix: 'crash',
        message: (token) => `Subject: ${token}\r\nMessage-ID: <${token}@example.org>\r\n\r\n${'x'.repeat(2000)}\r\n`,
      });
      assert.ok(acked.length >= 200, `acknowledged ${acked.length}`);

      const after = await startEngine({ dataDir });
      try {
        await after.engine.ctx.queue.idle();
        const { store, directory, queue } = after.engine.ctx;
        const box = store.mailbox(directory.userByName('alice')!.id, 'INBOX')!;
        const seen = new Map<string, number>();
        for (const m of store.messages(box.id)) {
          const subject = /^Subject: (\S+)/m.exec((await store.readMessage(m)).toString())?.[1] ?? '';
          seen.set(subject, (seen.get(subject) ?? 0) + 1);
        }
        assert.deepEqual(queue.entries(), [], 'the queue drained after restart');
        const missing = acked.filter((t) => !seen.has(t));
        assert.deepEqual(missing, [], 'every acknowledged message was delivered');
        const twice = [...seen].filter(([, n]) => n > 1);
        assert.deepEqual(twice, [], 'and delivered once');
      } finally {
        await after.stop();
      }
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
