import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEngine } from '../helpers/engine';
import { sendUntilKilled, startEngineProcess } from '../helpers/engine-process';

/**
 * A digest run interrupted by SIGKILL (issue 11): ten clients post to a list whose digest
 * members get an issue every couple of posts (digestSizeKb 1), and the engine is killed
 * mid-stream. After a restart and a last issue, every acknowledged post is in exactly one
 * issue for each digest member, and the issue numbers run without a gap or a repeat.
 */
describe('list digests under SIGKILL', () => {
  it('no member gets a post in two issues or misses one, and no issue number repeats', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pillarbox-digest-crash-'));
    try {
      const setup = await startEngine({
        dataDir,
        users: ['alice', 'bob', 'carol'].map((n) => ({ shortName: n, password: `${n}-password-1` })),
        settings: { listsEnabled: true, inboundAuthChecks: false },
      });
      const list = setup.engine.ctx.lists.create({ name: 'dg', domain: 'example.test', owners: ['alice'], digestSizeKb: 1 });
      await setup.engine.ctx.lists.addMembers(list.id, [{ address: 'bob@example.test', digest: 'mime' }, { address: 'carol@example.test', digest: 'plain' }, { address: 'alice@example.test' }], { welcome: false, confirm: false });
      await setup.stop();

      const acked = await sendUntilKilled(await startEngineProcess(dataDir), {
        from: 'alice@example.test',
        to: 'dg@example.test',
        senders: 10,
        killAfter: 40,
        prefix: 'post',
        message: (token) => `From: alice@example.test\r\nSubject: ${token}\r\nMessage-ID: <${token}@example.test>\r\n\r\n${'text of the post '.repeat(40)}\r\n`,
      });
      assert.ok(acked.length >= 40, `acknowledged ${acked.length}`);

      const after = await startEngine({ dataDir });
      try {
        const { store, directory, queue, lists } = after.engine.ctx;
        await queue.idle();
        // The posts of the unfinished issue go out now.
        await lists.sendDigestNow(list.id);
        await queue.idle();
        for (const user of ['bob', 'carol']) {
          const box = store.mailbox(directory.userByName(user)!.id, 'INBOX')!;
          const inIssues = new Map<string, number>();
          const issues: number[] = [];
          for (const m of store.messages(box.id)) {
            const text = (await store.readMessage(m)).toString('utf8');
            const issue = /^Subject: dg@example\.test Digest, Vol 1, Issue (\d+)$/m.exec(text);
            if (!issue) continue;
            issues.push(Number(issue[1]));
            // The posts' own Subject lines (MIME: each post's header; plain: each message's).
            for (const s of text.matchAll(/^Subject: \[dg\] (\S+)\r?$/gm)) inIssues.set(s[1], (inIssues.get(s[1]) ?? 0) + 1);
          }
          assert.deepEqual(acked.filter((t) => !inIssues.has(t)), [], `${user}: every acknowledged post is in an issue`);
          assert.deepEqual([...inIssues].filter(([, n]) => n > 1).map(([s]) => s), [], `${user}: no post in two issues`);
          issues.sort((a, b) => a - b);
          assert.deepEqual(issues, issues.map((_, i) => i + 1), `${user}: issues 1 to ${issues.length}, none twice or missing`);
          assert.ok(issues.length >= 10, `${user}: ${issues.length} issues`);
        }
        assert.equal(lists.store.digestPosts(list.id).length, 0, 'nothing left waiting');
      } finally {
        await after.stop();
      }
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
