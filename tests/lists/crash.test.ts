import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { startEngine } from '../helpers/engine';
import { sendUntilKilled, startEngineProcess } from '../helpers/engine-process';

/**
 * A list post interrupted by SIGKILL during fan-out: the engine is killed while ten clients post
 * to a list of 503 members (500 remote, held by holdOutbound, to make each fan-out long).
 * After a restart, every post that got its 250 reached each local member exactly once; a copy
 * the kill caught while it was being built (a staged queue entry) is removed and made again.
 */
describe('list fan-out under SIGKILL', () => {
  it('no acknowledged post is lost or sent twice', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pillarbox-list-crash-'));
    try {
      const setup = await startEngine({
        dataDir,
        users: ['alice', 'bob', 'carol'].map((n) => ({ shortName: n, password: `${n}-password-1` })),
        settings: { listsEnabled: true, holdOutbound: true, inboundAuthChecks: false },
      });
      const list = setup.engine.ctx.lists.create({ name: 'crash', domain: 'example.test', owners: ['alice'] });
      await setup.engine.ctx.lists.addMembers(list.id, [...['alice', 'bob', 'carol'].map((n) => ({ address: `${n}@example.test` })), ...Array.from({ length: 500 }, (_, i) => ({ address: `m${i}@remote${i % 20}.test` }))], { welcome: false, confirm: false });
      await setup.stop();

      const acked = await sendUntilKilled(await startEngineProcess(dataDir), {
        from: 'alice@example.test',
        to: 'crash@example.test',
        senders: 10,
        killAfter: 40,
        prefix: 'post',
        message: (token) => `From: alice@example.test\r\nSubject: ${token}\r\nMessage-ID: <${token}@example.test>\r\n\r\nhello\r\n`,
      });
      assert.ok(acked.length >= 40, `acknowledged ${acked.length}`);

      // Where the kill landed: posts not fanned out yet, and copies spooled but never committed.
      const db = new Database(path.join(dataDir, 'db', 'pillarbox.db'), { readonly: true });
      const waiting = (db.prepare(`SELECT COUNT(*) AS n FROM queue_recipients WHERE address LIKE 'list:%' AND status = 'pending'`).get() as { n: number }).n;
      // Copies being built (Queue.stage) when the kill came: removed at start, made again.
      const building = (db.prepare('SELECT COUNT(*) AS n FROM queue WHERE building = 1').get() as { n: number }).n;
      const known = new Set((db.prepare('SELECT path FROM queue WHERE building = 0').all() as { path: string }[]).map((r) => path.basename(r.path)));
      db.close();
      const orphans = fs.readdirSync(path.join(dataDir, 'spool')).filter((f) => !known.has(f));
      const copies = orphans.filter((f) => fs.readFileSync(path.join(dataDir, 'spool', f), 'latin1').startsWith('Return-Path: <crash-bounces@')).length;
      console.log(`killed after ${acked.length} acknowledged posts: ${waiting} not fanned out yet, ${copies} copies spooled but not committed (${building} of them staged entries being built), ${orphans.length - copies} incoming messages without their 250`);

      const after = await startEngine({ dataDir });
      try {
        await after.engine.ctx.queue.idle();
        const { store, directory, queue } = after.engine.ctx;
        for (const user of ['bob', 'carol']) {
          const box = store.mailbox(directory.userByName(user)!.id, 'INBOX')!;
          const seen = new Map<string, number>();
          for (const m of store.messages(box.id)) {
            const subject = /^Subject: \[crash\] (\S+)/m.exec((await store.readMessage(m)).toString())?.[1] ?? '';
            seen.set(subject, (seen.get(subject) ?? 0) + 1);
          }
          assert.deepEqual(acked.filter((t) => !seen.has(t)), [], `${user}: every acknowledged post arrived`);
          assert.deepEqual([...seen].filter(([, n]) => n > 1).map(([s]) => s), [], `${user}: no post twice`);
        }
        // What is left are the copies for the held remote members: one entry per post, never two.
        const entries = new Map<string, number>();
        for (const e of queue.entries()) {
          assert.equal(e.sender, 'crash-bounces@example.test', 'only list copies are left');
          assert.match(e.client, /\[[^\]]+\] via list crash@example\.test$/, 'the copy keeps the client, so local delivery screens it');
          assert.ok(e.recipients.every((r) => r.status !== 'pending' || r.address.includes('@remote')), 'only the held remote members wait');
          const subject = /^Subject: \[crash\] (\S+)/m.exec((await queue.headers(e.id)) ?? '')?.[1] ?? '';
          entries.set(subject, (entries.get(subject) ?? 0) + 1);
        }
        assert.deepEqual([...entries].filter(([, n]) => n > 1), [], 'one copy entry per post');
        assert.deepEqual(acked.filter((t) => !entries.has(t)), [], 'each acknowledged post has its copy entry');
        assert.equal((after.engine.ctx.db.prepare('SELECT COUNT(*) AS n FROM queue WHERE building = 1').get() as { n: number }).n, 0, 'no staged entry is left half built');
      } finally {
        await after.stop();
      }
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
