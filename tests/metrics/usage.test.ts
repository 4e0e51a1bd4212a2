import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type TestEngine, startEngine } from '../helpers/engine';
import { errorCode, gql, gqlOk, login } from '../graphql/client';
import { putMessage } from '../imap/helpers';
import BetterSqlite3 from 'better-sqlite3';
import { MIGRATIONS } from '../../server/db/migrations';
import { migrate } from '../../server/db/database';

const KB = 1024;

interface UsagePage {
  accountUsage: {
    totalCount: number;
    nodes: { user: { shortName: string }; usedBytes: number; limitBytes: number; percent: number | null; messages: number }[];
    pageInfo: { hasNextPage: boolean; endCursor: string };
  };
}

describe('accounts usage and store locations', () => {
  let t: TestEngine;
  let token: string;
  const archive = fs.mkdtempSync(path.join(os.tmpdir(), 'pillarbox-archive-location-'));
  const body = (kb: number) => `Subject: filler\r\n\r\n${'x'.repeat(kb * KB)}\r\n`;

  before(async () => {
    t = await startEngine({
      settings: { storeLocations: [{ name: 'archive', path: archive }] },
      users: [
        { shortName: 'alice', password: 'alice-password-1', quotaMb: 1 },
        { shortName: 'bob', password: 'bob-password-1' },
        { shortName: 'carol', password: 'carol-password-1', quotaMb: 10, storeLocation: 'archive' },
        { shortName: 'dave', password: 'dave-password-1', quotaMb: 2 },
      ],
    });
    await putMessage(t, body(512), { user: 'alice' });
    await putMessage(t, body(300), { user: 'bob' });
    await putMessage(t, body(300), { user: 'bob', mailbox: 'Sent' });
    for (let i = 0; i < 3; i++) await putMessage(t, body(100), { user: 'carol' });
    const admin = await login(t.ports.http);
    await gqlOk(t.ports.http, 'mutation { createAdmin(input: {username: "watcher", password: "watcher-password", role: MONITOR}) { username } }', { token: admin });
    token = await login(t.ports.http, 'watcher', 'watcher-password');
  });
  after(async () => {
    await t.stop();
    fs.rmSync(archive, { recursive: true, force: true });
  });

  const usage = async (args: string) =>
    (await gqlOk<UsagePage>(t.ports.http, `{ accountUsage(${args}) { totalCount nodes { user { shortName } usedBytes limitBytes percent messages } pageInfo { hasNextPage endCursor } } }`, { token })).accountUsage;
  const names = (page: UsagePage['accountUsage']) => page.nodes.map((n) => n.user.shortName);

  it('lists every user with usage, quota, percent and messages, biggest first by default', async () => {
    const page = await usage('first: 10');
    assert.equal(page.totalCount, 4);
    assert.deepEqual(names(page), ['bob', 'alice', 'carol', 'dave']);
    const alice = page.nodes.find((n) => n.user.shortName === 'alice')!;
    assert.ok(alice.usedBytes > 512 * KB && alice.usedBytes < 513 * KB);
    assert.equal(alice.limitBytes, 1024 * KB);
    assert.equal(alice.percent, Math.round((alice.usedBytes / (1024 * KB)) * 1000) / 10);
    assert.equal(alice.messages, 1);
    const bob = page.nodes.find((n) => n.user.shortName === 'bob')!;
    assert.deepEqual([bob.limitBytes, bob.percent, bob.messages], [0, null, 2]);
  });

  it('sorts by percent (unlimited last), by name, and reversed; pages by cursor', async () => {
    assert.deepEqual(names(await usage('order: PERCENT')), ['alice', 'carol', 'dave', 'bob']);
    assert.deepEqual(names(await usage('order: PERCENT, reverse: true')), ['bob', 'dave', 'carol', 'alice']);
    assert.deepEqual(names(await usage('order: NAME')), ['alice', 'bob', 'carol', 'dave']);
    assert.deepEqual(names(await usage('order: NAME, reverse: true')), ['dave', 'carol', 'bob', 'alice']);
    assert.deepEqual(names(await usage('order: USAGE, reverse: true')), ['dave', 'carol', 'alice', 'bob']);
    const first = await usage('first: 2');
    assert.deepEqual(names(first), ['bob', 'alice']);
    assert.equal(first.pageInfo.hasNextPage, true);
    const second = await usage(`first: 2, after: "${first.pageInfo.endCursor}"`);
    assert.deepEqual(names(second), ['carol', 'dave']);
    assert.equal(second.pageInfo.hasNextPage, false);
    assert.equal(errorCode(await gql(t.ports.http, '{ accountUsage(first: 501) { totalCount } }', { token })), 'BAD_USER_INPUT');
  });

  it('searches by short name, additional name or full name, in the order asked', async () => {
    assert.deepEqual(names(await usage('search: "A", order: NAME')), ['alice', 'carol', 'dave']);
    const bySearch = await usage('search: "  CaRo "');
    assert.equal(bySearch.totalCount, 1);
    assert.deepEqual(names(bySearch), ['carol']);
    assert.deepEqual(names(await usage('search: "nobody-like-this"')), []);
    assert.deepEqual(names(await usage('search: "", order: NAME')), ['alice', 'bob', 'carol', 'dave']);
  });

  it('a user created, renamed or deleted shows at once (the list of users is re-read after each change)', async () => {
    const admin = await login(t.ports.http);
    assert.equal((await usage('search: "zed"')).totalCount, 0);
    const { createUser } = await gqlOk<{ createUser: { id: string } }>(t.ports.http, 'mutation { createUser(input: {shortName: "zed", password: "zed-password-1", quotaMb: 3, names: ["zorro"]}) { id } }', { token: admin });
    assert.deepEqual(names(await usage('search: "zorro"')), ['zed']);
    await gqlOk(t.ports.http, `mutation { updateUser(input: {id: "${createUser.id}", shortName: "zeta", names: []}) { id } }`, { token: admin });
    assert.deepEqual(names(await usage('search: "ze"')), ['zeta']);
    assert.equal((await usage('search: "zorro"')).totalCount, 0);
    await gqlOk(t.ports.http, `mutation { deleteUser(input: {id: "${createUser.id}"}) }`, { token: admin });
    assert.equal((await usage('search: "ze"')).totalCount, 0);
  });

  it('biggestMailboxes names the largest mailboxes first', async () => {
    const data = await gqlOk<{ biggestMailboxes: { shortName: string; mailbox: string; bytes: number; messages: number }[] }>(
      t.ports.http,
      '{ biggestMailboxes(first: 3) { shortName mailbox bytes messages } }',
      { token },
    );
    assert.deepEqual(
      data.biggestMailboxes.map((m) => [m.shortName, m.mailbox, m.messages]),
      [
        ['alice', 'INBOX', 1],
        ['carol', 'INBOX', 3],
        ['bob', 'INBOX', 1],
      ],
    );
    assert.equal(errorCode(await gql(t.ports.http, '{ biggestMailboxes(first: 0) { bytes } }', { token })), 'BAD_USER_INPUT');
  });

  it('mailStore shows the data directory and every store location with its size, free space and messages', async () => {
    const data = await gqlOk<{
      mailStore: {
        dataDirectory: { path: string; databaseBytes: number; queueMessages: number; freeBytes: number; sizeBytes: number };
        locations: { name: string; path: string; bytes: number; messages: number; users: number; freeBytes: number; sizeBytes: number }[];
        reserveBytes: number;
      };
    }>(t.ports.http, '{ mailStore { dataDirectory { path databaseBytes queueMessages freeBytes sizeBytes } locations { name path bytes messages users freeBytes sizeBytes } reserveBytes } }', { token });
    const { dataDirectory, locations, reserveBytes } = data.mailStore;
    assert.equal(dataDirectory.path, t.dataDir);
    assert.ok(dataDirectory.databaseBytes > 0);
    assert.equal(dataDirectory.queueMessages, 0);
    assert.ok(dataDirectory.freeBytes > 0 && dataDirectory.sizeBytes >= dataDirectory.freeBytes);
    assert.deepEqual(
      locations.map((l) => [l.name, l.path, l.messages, l.users]),
      [
        ['default', path.join(t.dataDir, 'store'), 3, 3],
        ['archive', archive, 3, 1],
      ],
    );
    assert.ok(locations[1].bytes > 300 * KB && locations[1].bytes < 302 * KB);
    const room = fs.statfsSync(archive);
    assert.equal(locations[1].sizeBytes, room.blocks * room.bsize);
    assert.ok(locations[1].freeBytes > 0);
    assert.equal(reserveBytes, 100 * 1024 * 1024);
  });

  it('each user\'s running totals follow every change of the mailboxes (the triggers of migration 18)', async () => {
    const { store, db, directory } = t.engine.ctx;
    const alice = directory.userByName('alice')!;
    const bob = directory.userByName('bob')!;
    const inbox = store.mailbox(alice.id, 'INBOX')!;
    const kept = store.createMailbox(alice.id, 'Kept');
    await store.copyMessages(inbox.id, store.messages(inbox.id), kept.id);
    await putMessage(t, body(20), { user: 'alice', mailbox: 'Kept' });
    await store.expunge(kept.id, [1]);
    await store.deleteMailbox(bob.id, 'Sent');
    await store.reconstruct(alice.id, 'Kept');
    const rows = db
      .prepare(
        `SELECT u.short_name AS name, u.used_bytes AS bytes, u.used_messages AS messages,
                (SELECT COALESCE(SUM(total_size), 0) FROM mailboxes WHERE user_id = u.id) AS summedBytes,
                (SELECT COALESCE(SUM(message_count), 0) FROM mailboxes WHERE user_id = u.id) AS summedMessages FROM users u`,
      )
      .all() as { name: string; bytes: number; messages: number; summedBytes: number; summedMessages: number }[];
    for (const r of rows) assert.deepEqual([r.name, r.bytes, r.messages], [r.name, r.summedBytes, r.summedMessages]);
    const aliceRow = rows.find((r) => r.name === 'alice')!;
    assert.equal(aliceRow.messages, 2);
    assert.ok(aliceRow.bytes > 532 * KB && aliceRow.bytes < 534 * KB);
  });

  it('pages by cursor through ties in every order, forwards and reversed, each user once', async () => {
    const admin = await login(t.ports.http);
    // Users with no mail tie on USAGE (0 bytes) and on PERCENT (0 % with a quota, unlimited without).
    for (const [name, quota] of [['tie-b', 0], ['tie-a', 5], ['tie-d', 5], ['tie-c', 0], ['Tie-e', 0]] as const) {
      await gqlOk(t.ports.http, `mutation { createUser(input: {shortName: "${name}", password: "tie-password-1", quotaMb: ${quota}}) { id } }`, { token: admin });
    }
    type Node = UsagePage['accountUsage']['nodes'][number];
    const lower = (n: Node) => n.user.shortName.toLowerCase();
    // SQLite's NOCASE: ASCII letters folded, then byte order.
    const byName = (a: Node, b: Node) => (lower(a) < lower(b) ? -1 : lower(a) > lower(b) ? 1 : 0);
    const value: Record<string, (n: Node) => number> = { USAGE: (n) => -n.usedBytes, PERCENT: (n) => (n.percent === null ? 1 : -n.percent), NAME: () => 0 };
    for (const order of ['USAGE', 'PERCENT', 'NAME']) {
      for (const reverse of [false, true]) {
        const all = await usage(`first: 500, order: ${order}, reverse: ${reverse}`);
        const expected = [...all.nodes].sort((a, b) => (value[order](a) - value[order](b) || byName(a, b)) * (reverse ? -1 : 1));
        assert.deepEqual(names(all), names({ ...all, nodes: expected }), `${order} reverse ${reverse}`);
        const paged: string[] = [];
        let cursor = '';
        for (;;) {
          const page = await usage(`first: 2, order: ${order}, reverse: ${reverse}${cursor}`);
          paged.push(...names(page));
          if (!page.pageInfo.hasNextPage) break;
          cursor = `, after: "${page.pageInfo.endCursor}"`;
        }
        assert.deepEqual(paged, names(all), `${order} reverse ${reverse} paged`);
        assert.equal(paged.length, all.totalCount);
      }
    }
    // A cursor of the NAME order is no position in the USAGE order.
    const byNameCursor = (await usage('first: 1, order: NAME')).pageInfo.endCursor;
    assert.equal(errorCode(await gql(t.ports.http, `{ accountUsage(order: USAGE, after: "${byNameCursor}") { totalCount } }`, { token })), 'BAD_USER_INPUT');
  });
});

describe('the users\' running totals on upgrade', () => {
  it('an existing server\'s totals are summed from its mailboxes when migration 18 runs', () => {
    const db = new BetterSqlite3(':memory:');
    try {
      db.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
      for (const m of MIGRATIONS.filter((x) => x.version < 18)) {
        db.exec(m.sql);
        db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(m.version, 'then');
      }
      const now = new Date().toISOString();
      const user = (name: string, quotaMb: number) => Number(db.prepare("INSERT INTO users (short_name, password_hash, quota_mb, created_at) VALUES (?, 'x', ?, ?)").run(name, quotaMb, now).lastInsertRowid);
      const box = (userId: number, name: string, bytes: number, messages: number) =>
        db.prepare('INSERT INTO mailboxes (user_id, name, uidvalidity, message_count, total_size, created_at) VALUES (?, ?, 1, ?, ?, ?)').run(userId, name, messages, bytes, now);
      const erin = user('erin', 1);
      box(erin, 'INBOX', 300_000, 3);
      box(erin, 'Sent', 224_288, 2);
      user('fred', 0);
      migrate(db);
      const rows = db.prepare("SELECT short_name AS name, used_bytes AS bytes, used_messages AS messages, used_ppm AS ppm FROM users WHERE short_name NOT LIKE '#%' ORDER BY short_name").all();
      assert.deepEqual(rows, [
        { name: 'erin', bytes: 524_288, messages: 5, ppm: 500_000 },
        { name: 'fred', bytes: 0, messages: 0, ppm: -1 },
      ]);
    } finally {
      db.close();
    }
  });
});
