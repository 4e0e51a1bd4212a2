import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { openDatabase, type Db } from '../../server/db/database';
import { GroupCommit } from '../../server/db/group-commit';
import { silentLogger } from '../../server/logs/logger';
import { MessageCounters } from '../../server/metrics/message-counters';
import { defaultSettings } from '../../server/config/settings-schema';
import { Queue, type RecipientOutcome } from '../../server/queue/queue';
import type { QueueEntry } from '../../server/queue/types';
import { PostgresQueueStore } from '../../server/queue-postgres/postgres-queue-store';
import { type PostgresCluster, startPostgres } from '../helpers/postgres';

/**
 * The queue's runner (server/queue/queue.ts) over the PostgreSQL store: two engines, each with
 * its own runner and pool, share one database and one spool directory (as they would share an
 * object store). Both queue messages at once; every message is attempted exactly once, by one
 * of them, and leaves the queue with its spool file.
 */
describe('queue runner: two engines on one PostgreSQL', () => {
  let cluster: PostgresCluster;
  let dir: string;
  const dbs: Db[] = [];
  before(async () => {
    cluster = await startPostgres();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pillarbox-queue-runner-'));
  });
  after(async () => {
    for (const db of dbs) db.close();
    await cluster.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function engine(name: string, attempts: Map<string, string[]>): Promise<{ queue: Queue; store: PostgresQueueStore }> {
    const store = new PostgresQueueStore({ connection: { host: cluster.host, port: cluster.port, user: cluster.user, database: cluster.database, max: 8 }, owner: name });
    await store.migrate();
    // The engine's own SQLite database still holds its other tables; the queue is not in it.
    const db = openDatabase(path.join(dir, `${name}.db`));
    dbs.push(db);
    const settings = defaultSettings();
    const queue = new Queue(db, new GroupCommit(db), path.join(dir, 'spool'), () => settings, silentLogger(), new MessageCounters(db), store);
    queue.setProcessor({
      async process(entry: QueueEntry) {
        attempts.set(entry.id, [...(attempts.get(entry.id) ?? []), name]);
        return new Map<string, RecipientOutcome>(entry.recipients.map((r) => [r.address, { status: 'delivered' }]));
      },
    });
    return { queue, store };
  }

  it('attempts every message once, on one engine or the other', async () => {
    const attempts = new Map<string, string[]>();
    const a = await engine('engine-a', attempts);
    const b = await engine('engine-b', attempts);
    await Promise.all([a.queue.start(), b.queue.start()]);
    const total = 200;
    let done = 0;
    const allDone = new Promise<void>((resolve) => {
      const count = () => ++done === total && resolve();
      a.queue.on('done', count);
      b.queue.on('done', count);
    });
    const send = (q: Queue, i: number) =>
      q.enqueue({ sender: `s${i}@example.org`, recipients: [{ address: `r${i}@remote.test`, original: `r${i}@remote.test` }], client: 'test' }, [Buffer.from(`Subject: ${i}\r\n\r\nbody ${i}\r\n`)]);
    const queued = await Promise.all(Array.from({ length: total }, (_, i) => send(i % 2 ? a.queue : b.queue, i)));
    await allDone;
    assert.equal(attempts.size, total);
    const twice = [...attempts].filter(([, by]) => by.length !== 1);
    assert.deepEqual(twice, [], 'no message attempted twice');
    const by = [...attempts.values()].flat();
    assert.ok(by.includes('engine-a') && by.includes('engine-b'), 'both engines delivered');
    for (const q of queued) assert.ok(attempts.has(q.id));
    assert.deepEqual(await a.store.counts(), { active: 0, deferred: 0, held: 0 });
    assert.deepEqual(fs.readdirSync(path.join(dir, 'spool')), [], 'every spool file removed');
    await Promise.all([a.queue.stop(), b.queue.stop()]);
    await Promise.all([a.store.close(), b.store.close()]);
  });

  it('picks up what a stopped engine left queued, and refuses the SQLite-only listings', async () => {
    const attempts = new Map<string, string[]>();
    const a = await engine('engine-c', attempts);
    const b = await engine('engine-d', attempts);
    // Queued by a without a runner (it stopped after the 250): b's runner finds them.
    const ids = await Promise.all([1, 2, 3].map(async (i) => (await a.queue.enqueue({ sender: 'x@example.org', recipients: [{ address: `r${i}@remote.test`, original: `r${i}@remote.test` }], client: 'test' }, [Buffer.from('x\r\n')])).id));
    const settled = once(b.queue, 'done');
    await b.queue.start();
    await settled;
    await b.queue.idle();
    assert.deepEqual([...attempts.keys()].sort(), ids.sort());
    assert.deepEqual([...attempts.values()].flat(), ['engine-d', 'engine-d', 'engine-d']);
    assert.throws(() => a.queue.counts(), /not available yet with the queue on postgresql/);
    await b.queue.stop();
    await Promise.all([a.store.close(), b.store.close()]);
  });
});
