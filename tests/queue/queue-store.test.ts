import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../../server/db/database';
import { GroupCommit } from '../../server/db/group-commit';
import type { NewQueueRow, QueueStore } from '../../server/queue/queue-store';
import { SqliteQueueStore } from '../../server/queue/sqlite-queue-store';
import { PostgresQueueStore } from '../../server/queue-postgres/postgres-queue-store';
import { type PostgresCluster, startPostgres } from '../helpers/postgres';

/**
 * The queue's storage seam (server/queue/queue-store.ts): the same suite against SQLite (the
 * engine's own database) and PostgreSQL (a private cluster started here from Debian's
 * postgresql). The PostgreSQL part needs postgresql 15 and fails when it is missing, never
 * skips: tests/run.sh installs it.
 */

let counter = 0;
function row(over: Partial<NewQueueRow> = {}): NewQueueRow {
  const n = ++counter;
  const id = `Q${String(n).padStart(6, '0')}`;
  return {
    id,
    createdAt: 1_000_000 + n,
    sender: `Sender${n}@Example.org`,
    size: 100 + n,
    file: `/spool/${id}.eml`,
    localPrefix: 0,
    client: 'client.example [192.0.2.1]',
    authenticatedUser: null,
    signDkim: false,
    dkimDomain: null,
    recipients: [
      { address: 'local:2', original: 'zed@example.test' },
      { address: 'bob@remote.test', original: 'bob@remote.test' },
      { address: 'local:2', original: 'zed-again@example.test' },
    ],
    ...over,
  };
}

function storeSuite(name: string, open: () => Promise<{ store: QueueStore; close(): Promise<void> }>): void {
  describe(`queue store: ${name}`, () => {
    let store: QueueStore;
    let close: () => Promise<void>;
    before(async () => ({ store, close } = await open()));
    after(() => close());

    it('inserts an entry with its recipients in the order given, a repeated address once', async () => {
      let committed = false;
      const r = row({ once: { parentId: 'nobody', key: 'k' } });
      await assert.rejects(store.insert([r]), 'a generated entry needs its parent queued');
      assert.equal(await store.has(r.id), false, 'nothing of a failed insert stays');
      const parent = row();
      const child = row({ once: { parentId: parent.id, key: 'vacation' } });
      await store.insert([parent, child], () => (committed = true));
      assert.ok(committed);
      const got = await store.get(parent.id);
      assert.equal(got?.sender, parent.sender);
      assert.equal(got?.state, 'active');
      assert.equal(got?.next_attempt, parent.createdAt);
      assert.equal(got?.size, parent.size);
      assert.deepEqual(
        (await store.recipients(parent.id)).map((r) => [r.address, r.original, r.status]),
        [['local:2', 'zed@example.test', 'pending'], ['bob@remote.test', 'bob@remote.test', 'pending']],
      );
      assert.equal(await store.generatedBefore(parent.id, 'vacation'), child.id);
      assert.equal(await store.generatedBefore(parent.id, 'other'), undefined);
      await store.finish(parent.id);
      assert.equal(await store.has(child.id), true);
      assert.equal(await store.generatedBefore(parent.id, 'vacation'), undefined, 'the record goes with its parent');
      await store.finish(child.id);
    });

    it('claims due entries oldest first, not held, not excluded, not in the future', async () => {
      const [a, b, c, d] = [row(), row(), row(), row({ createdAt: 9_000_000_000 })];
      await store.insert([a, b, c, d]);
      assert.equal(await store.hold(b.id), true);
      const due = await store.claimDue(10, 5_000_000, [c.id]);
      assert.deepEqual(due.map((r) => r.id), [a.id]);
      assert.equal(await store.dueCount(5_000_000), 2, 'a and c are due (b is held, d later)');
      assert.equal(await store.nextAttemptAfter(5_000_000), d.createdAt);
      assert.equal(await store.claim(b.id, 5_000_000), false, 'held');
      assert.equal(await store.release(b.id, 4_000_000), true);
      assert.equal(await store.release(b.id, 4_000_000), false, 'not held any more');
      assert.equal((await store.get(b.id))?.next_attempt, 4_000_000);
      assert.equal(await store.retry(d.id, 4_500_000), true);
      assert.equal(await store.claim(d.id, 5_000_000), true);
      for (const r of [a, b, c, d]) await store.finish(r.id);
    });

    it('settles an attempt: recipients, back-off, delay notice once, held stays held', async () => {
      const r = row();
      await store.insert([r]);
      assert.equal(await store.claim(r.id, 5_000_000), true);
      await store.settle(r.id, { status: 'failed', diagnostic: '5.1.1 no such user', addresses: ['local:2'] }, { attempts: 1, nextAttempt: 7_000_000, lastError: '4.4.1 no answer', delayWarned: true });
      let got = await store.get(r.id);
      assert.deepEqual([got?.state, got?.attempts, got?.next_attempt, got?.last_error, got?.delay_warned], ['deferred', 1, 7_000_000, '4.4.1 no answer', 1]);
      assert.deepEqual(
        (await store.recipients(r.id)).map((x) => [x.address, x.status, x.diagnostic]),
        [['local:2', 'failed', '5.1.1 no such user'], ['bob@remote.test', 'pending', null]],
      );
      assert.equal(await store.claim(r.id, 5_000_000), true, 'a settled attempt lets go of its claim');
      await store.hold(r.id);
      await store.settle(r.id, undefined, { attempts: 2, nextAttempt: 8_000_000, lastError: 'x', delayWarned: false });
      got = await store.get(r.id);
      assert.deepEqual([got?.state, got?.attempts, got?.delay_warned], ['held', 2, 1]);
      await store.postpone(r.id, 9_000_000, '4.3.0 internal error');
      assert.equal((await store.get(r.id))?.next_attempt, 9_000_000);
      assert.equal(await store.remove(r.id), r.file);
      assert.equal(await store.remove(r.id), undefined);
      assert.deepEqual(await store.recipients(r.id), [], 'recipients go with their entry');
    });

    it('lists, counts and searches the queue; pages recipients in address order', async () => {
      const many = Array.from({ length: 7 }, (_, i) => ({ address: `user${i}@remote.test`, original: `User${i}@remote.test` }));
      const [a, b, c] = [row({ sender: 'Alice@Example.org', recipients: many }), row({ authenticatedUser: 'carol' }), row()];
      await store.insert([a, b, c]);
      await store.hold(c.id);
      await store.settle(b.id, undefined, { attempts: 1, nextAttempt: 1, lastError: null, delayWarned: false });
      assert.deepEqual(await store.counts(), { active: 1, deferred: 1, held: 1 });
      assert.equal(await store.oldestWaiting(), a.createdAt);
      const all = await store.page({}, undefined, 2);
      assert.equal(all.total, 3);
      assert.deepEqual(all.rows.map((r) => r.id), [a.id, b.id]);
      assert.deepEqual((await store.page({}, b.id, 2)).rows.map((r) => r.id), [c.id]);
      assert.deepEqual((await store.page({ search: 'alice' }, undefined, 10)).rows.map((r) => r.id), [a.id], 'case does not matter');
      assert.deepEqual((await store.page({ search: 'USER3@' }, undefined, 10)).rows.map((r) => r.id), [a.id], 'a recipient matches');
      assert.deepEqual((await store.page({ search: '50%' }, undefined, 10)).total, 0, 'wildcards are literal');
      assert.deepEqual((await store.page({ state: 'held' }, undefined, 10)).rows.map((r) => r.id), [c.id]);
      assert.equal(await store.recipientCount(a.id, 5), 5);
      assert.equal(await store.recipientCount(a.id, 100), 7);
      const page = await store.recipients(a.id, { after: 'user2@remote.test', limit: 3 });
      assert.deepEqual(page.map((r) => r.address), ['user3@remote.test', 'user4@remote.test', 'user5@remote.test']);
      await store.setRecipients(a.id, { status: 'delivered', diagnostic: null, addresses: ['user0@remote.test', 'user6@remote.test'] });
      assert.deepEqual((await store.recipients(a.id)).filter((r) => r.status === 'delivered').map((r) => r.address), ['user0@remote.test', 'user6@remote.test']);
      await store.dropRecipients(a.id, 5);
      assert.equal(await store.recipientCount(a.id, 100), 2);
      assert.ok((await store.paths()).includes(a.file));
      assert.equal(await store.removeUnfinished(), 0);
      for (const r of [a, b, c]) await store.finish(r.id);
      assert.deepEqual(await store.counts(), { active: 0, deferred: 0, held: 0 });
    });
  });
}

storeSuite('sqlite', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pillarbox-queue-store-'));
  const db = openDatabase(path.join(dir, 'pillarbox.db'));
  return {
    store: new SqliteQueueStore(db, new GroupCommit(db)),
    async close() {
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
});

let cluster: PostgresCluster | undefined;
async function postgres(owner: string, leaseMs?: number): Promise<PostgresQueueStore> {
  cluster ??= await startPostgres();
  const store = new PostgresQueueStore({ connection: { host: cluster.host, port: cluster.port, user: cluster.user, database: cluster.database, max: 4 }, owner, leaseMs });
  await store.migrate();
  return store;
}
after(() => cluster?.stop());

storeSuite('postgresql', async () => {
  const store = await postgres('suite');
  return { store, close: () => store.close() };
});

describe('queue store: postgresql, two engines on one database', () => {
  it('never hands one entry to both, however they race', async () => {
    const [a, b] = await Promise.all([postgres('engine-a'), postgres('engine-b')]);
    try {
      const rows = Array.from({ length: 300 }, () => row());
      await a.insert(rows);
      const got = { a: [] as string[], b: [] as string[] };
      const drain = async (store: PostgresQueueStore, into: string[]) => {
        for (;;) {
          const claimed = await store.claimDue(7, 5_000_000, []);
          if (claimed.length === 0) return;
          into.push(...claimed.map((r) => r.id));
        }
      };
      await Promise.all([drain(a, got.a), drain(a, got.a), drain(b, got.b), drain(b, got.b)]);
      assert.equal(got.a.length + got.b.length, 300);
      assert.equal(new Set([...got.a, ...got.b]).size, 300, 'no entry claimed twice');
      assert.ok(got.a.length > 0 && got.b.length > 0, 'both engines took work');
      // One entry just queued, claimed by both at once: one wins.
      const one = row();
      await a.insert([one]);
      const [a1, b1, a2, b2] = await Promise.all([a.claim(one.id), b.claim(one.id), a.claim(one.id), b.claim(one.id)]);
      const aWon = a1 || a2;
      const bWon = b1 || b2;
      assert.ok(aWon !== bWon, `exactly one engine holds it (a: ${aWon}, b: ${bWon})`);
      for (const r of [...rows, one]) await a.finish(r.id);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('takes over an entry whose engine died once its lease has run out, and not before', async () => {
    // A lease of -1 ms: the claim is already out of date, as a dead engine's is in time.
    const [dead, alive, live] = await Promise.all([postgres('dead', -1), postgres('alive'), postgres('live')]);
    try {
      const [r, s] = [row(), row()];
      await dead.insert([r]);
      assert.deepEqual((await dead.claimDue(10, 5_000_000, [])).map((x) => x.id), [r.id]);
      assert.deepEqual((await alive.claimDue(10, 5_000_000, [])).map((x) => x.id), [r.id], 'the dead engine\'s lease ran out');
      await live.insert([s]);
      assert.equal(await live.claim(s.id), true);
      assert.deepEqual((await alive.claimDue(10, 5_000_000, [])).map((x) => x.id), [], 'a live lease holds');
      assert.equal(await alive.claim(s.id), false);
      await live.settle(s.id, undefined, undefined);
      assert.equal(await alive.claim(s.id), true, 'settled: free again');
      for (const x of [r, s]) await alive.finish(x.id);
    } finally {
      await Promise.all([dead.close(), alive.close(), live.close()]);
    }
  });
});
