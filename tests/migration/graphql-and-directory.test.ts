import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { EventEmitter } from 'node:events';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { startEngine, type TestEngine } from '../helpers/engine';
import { errorCode, gql, gqlOk, login } from '../graphql/client';
import { verifyPassword } from '../../server/directory/passwords';
import { makeMessage, writeMaildirFolder } from './fixtures';

/** Resolves once something listens for `event` on `emitter` (the server set up a subscription). */
function subscribed(emitter: EventEmitter, event: string): Promise<void> {
  return new Promise((resolve) => {
    const watch = (name: string | symbol) => {
      if (name !== event) return;
      emitter.off('newListener', watch);
      setImmediate(resolve); // 'newListener' fires just before the listener is added
    };
    emitter.on('newListener', watch);
  });
}

interface Update {
  id: string;
  state: string;
  copied: number;
  total: number;
  folders: { source: string; total: number; copied: number; skipped: number }[];
}
const UPDATE = '{ id state copied total folders { source total copied skipped } }';

/** Every update of a subscription until it ends (or until `stop` says so), and the errors it ended with. */
async function collect(client: Client, query: string, stop: (u: Update) => boolean = () => false, listening?: () => void): Promise<{ updates: Update[]; errorCodes: string[] }> {
  const updates: Update[] = [];
  const iterator = client.iterate<{ migrationUpdates: Update }>({ query });
  const next = iterator.next();
  listening?.();
  try {
    for (let result = await next; !result.done; result = await iterator.next()) {
      if (result.value.errors) return { updates, errorCodes: result.value.errors.map((e) => String(e.extensions?.code)) };
      const update = result.value.data!.migrationUpdates;
      updates.push(update);
      if (stop(update)) break;
    }
  } catch (err) {
    const errors = Array.isArray(err) ? (err as { extensions?: { code?: string } }[]) : [];
    if (!errors.length) throw err;
    return { updates, errorCodes: errors.map((e) => String(e.extensions?.code)) };
  } finally {
    await iterator.return?.();
  }
  return { updates, errorCodes: [] };
}

const REPORT = '{ dryRun applied changes { line kind name action detail } errors { line message } }';

describe('migration through GraphQL, users and aliases from CSV and a Postfix virtual map', () => {
  let t: TestEngine;
  let token: string;
  let monitor: string;
  before(async () => {
    t = await startEngine({ users: [{ shortName: 'dave', password: 'dave-password' }] });
    t.engine.ctx.directory.addDomain('example.com', 'local');
    t.engine.ctx.directory.addDomain('vhost.example', 'virtual-host');
    token = await login(t.ports.http);
    await gqlOk(t.ports.http, 'mutation { createAdmin(input: {username: "dash", password: "dashboard-pw-1", role: MONITOR}) { username } }', { token });
    monitor = await login(t.ports.http, 'dash', 'dashboard-pw-1');
  });
  after(() => t.stop());

  it('starts a Maildir migration and reports its progress per folder', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'pillarbox-gql-maildir-'));
    writeMaildirFolder(root, [makeMessage('gql', 1), makeMessage('gql', 2, ['\\Seen'])], 1);
    writeMaildirFolder(path.join(root, '.Old'), [makeMessage('gql-old', 1)], 2);
    const started = await gqlOk<{ startDiskMigration: { id: string; state: string } }>(t.ports.http, 'mutation ($p: String!) { startDiskMigration(input: {user: "dave", path: $p}) { id state kind } }', { token, variables: { p: root } });
    await t.engine.ctx.migrations.finished(Number(started.startDiskMigration.id));
    const { migration } = await gqlOk<{ migration: { state: string; kind: string; copied: number; total: number; folders: { source: string; target: string; copied: number; total: number }[] } }>(
      t.ports.http,
      'query ($id: String!) { migration(id: $id) { state kind copied total skipped bytes messagesPerSecond folders { source target total copied skipped bytes } } }',
      { token, variables: { id: started.startDiskMigration.id } },
    );
    assert.equal(migration.state, 'SUCCEEDED');
    assert.equal(migration.kind, 'MAILDIR');
    assert.equal(migration.copied, 3);
    assert.deepEqual(migration.folders.map((f) => [f.source, f.target, f.copied, f.total]), [['INBOX', 'INBOX', 2, 2], ['Old', 'Old', 1, 1]]);
    const list = await gqlOk<{ migrations: { totalCount: number; nodes: { id: string }[] } }>(t.ports.http, '{ migrations(first: 10) { totalCount nodes { id source } } }', { token });
    assert.equal(list.migrations.nodes[0].id, started.startDiskMigration.id);
    fs.rmSync(root, { recursive: true });
  });

  it('migrationUpdates streams a run\u2019s progress per folder from its start to its end', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'pillarbox-gql-live-'));
    writeMaildirFolder(root, [1, 2, 3].map((n) => makeMessage('live', n)), 1);
    writeMaildirFolder(path.join(root, '.Archive'), [1, 2].map((n) => makeMessage('live-archive', n, ['\\Seen'])), 2);
    writeMaildirFolder(path.join(root, '.Archive.2019'), [makeMessage('live-2019', 1)], 3);
    const url = `ws://127.0.0.1:${t.ports.http}/graphql`;
    const client = createClient({ url, webSocketImpl: WebSocket, connectionParams: { Authorization: `Bearer ${token}` }, retryAttempts: 0, lazy: true });
    const monitorClient = createClient({ url, webSocketImpl: WebSocket, connectionParams: { Authorization: `Bearer ${monitor}` }, retryAttempts: 0, lazy: true });
    try {
      // Every run: listening before the run starts sees its start, each report and its end.
      const ready = subscribed(t.engine.ctx.migrations, 'progress');
      let started: Promise<{ startDiskMigration: { id: string } }> | undefined;
      const all = collect(client, `subscription { migrationUpdates ${UPDATE} }`, (u) => u.state !== 'RUNNING', () => {
        started = ready.then(() => gqlOk(t.ports.http, 'mutation ($p: String!) { startDiskMigration(input: {user: "dave", path: $p}) { id } }', { token, variables: { p: root } }));
      });
      const { updates, errorCodes } = await all;
      assert.deepEqual(errorCodes, []);
      assert.ok(updates.length >= 4, `a start, reports and an end: ${JSON.stringify(updates)}`);
      assert.ok(updates.every((u) => u.id === updates[0].id));
      assert.equal(updates[0].state, 'RUNNING');
      assert.equal(updates[0].copied, 0);
      assert.deepEqual(updates.slice(0, -1).map((u) => u.state), updates.slice(0, -1).map(() => 'RUNNING'));
      const last = updates.at(-1)!;
      assert.equal(last.state, 'SUCCEEDED');
      assert.deepEqual(last.folders.map((f) => [f.source, f.total, f.copied, f.skipped]), [['INBOX', 3, 3, 0], ['Archive', 2, 2, 0], ['Archive/2019', 1, 1, 0]]);
      for (let i = 1; i < updates.length; i++) assert.ok(updates[i].copied >= updates[i - 1].copied, 'copied never goes back');
      assert.ok(updates.some((u) => u.state === 'RUNNING' && u.copied > 0), 'progress is reported while the run goes on');
      assert.equal((await started!).startDiskMigration.id, last.id);

      // One run, already ended: its final state, then the stream ends by itself.
      const ended = await collect(client, `subscription { migrationUpdates(id: "${last.id}") ${UPDATE} }`);
      assert.deepEqual(ended.errorCodes, []);
      assert.deepEqual(ended.updates.map((u) => [u.state, u.copied]), [['SUCCEEDED', 6]]);

      // A second run of the same source followed by id: its start (or where it is), then its end, copying nothing.
      const again = await gqlOk<{ startDiskMigration: { id: string } }>(t.ports.http, 'mutation ($p: String!) { startDiskMigration(input: {user: "dave", path: $p}) { id } }', { token, variables: { p: root } });
      const second = await collect(client, `subscription { migrationUpdates(id: "${again.startDiskMigration.id}") ${UPDATE} }`);
      assert.deepEqual(second.errorCodes, []);
      assert.equal(second.updates.at(-1)!.state, 'SUCCEEDED');
      assert.equal(second.updates.at(-1)!.copied, 0);
      assert.equal(second.updates.at(-1)!.folders.reduce((n, f) => n + f.skipped, 0), 6);

      assert.deepEqual((await collect(client, `subscription { migrationUpdates(id: "99999") ${UPDATE} }`)).errorCodes, ['NOT_FOUND']);
      assert.deepEqual((await collect(monitorClient, `subscription { migrationUpdates ${UPDATE} }`)).errorCodes, ['FORBIDDEN']);
    } finally {
      await client.dispose();
      await monitorClient.dispose();
      fs.rmSync(root, { recursive: true });
    }
  });

  it('is for admins only, and refuses bad input with typed errors', async () => {
    assert.equal(errorCode(await gql(t.ports.http, '{ migrations(first: 1) { totalCount } }', { token: monitor })), 'FORBIDDEN');
    assert.equal(errorCode(await gql(t.ports.http, 'mutation { startDiskMigration(input: {user: "nobody-here", path: "/tmp"}) { id } }', { token })), 'NOT_FOUND');
    assert.equal(errorCode(await gql(t.ports.http, 'mutation { startDiskMigration(input: {user: "dave", path: "/nonexistent/path"}) { id } }', { token })), 'BAD_USER_INPUT');
    const imap = await gqlOk<{ startImapMigration: { id: string } }>(t.ports.http, 'mutation { startImapMigration(input: {user: "dave", host: "127.0.0.1", port: 1, tls: NONE, username: "x", password: "very-secret-pw"}) { id source } }', { token });
    const run = await t.engine.ctx.migrations.finished(Number(imap.startImapMigration.id));
    assert.equal(run.state, 'failed');
    const shown = await gqlOk(t.ports.http, '{ migrations(first: 10) { nodes { source error } } }', { token });
    assert.doesNotMatch(JSON.stringify(shown), /very-secret-pw/);
  });

  it('imports users from CSV: dry run first, then all lines in one transaction', async () => {
    const csv = [
      'address,name,password,quotaMb,aliases',
      'erin@example.com,Erin Example,erin-password-1,100,erin.example',
      'frank@vhost.example,"Frank, Jr.",frank-password-1,,',
      'dave,Dave Updated,,50,',
    ].join('\n');
    const dry = await gqlOk<{ importUsers: { applied: boolean; changes: { name: string; action: string; detail: string | null }[]; errors: unknown[] } }>(t.ports.http, `mutation ($t: String!) { importUsers(input: {text: $t, dryRun: true}) ${REPORT} }`, { token, variables: { t: csv } });
    assert.equal(dry.importUsers.applied, false);
    assert.deepEqual(dry.importUsers.errors, []);
    assert.deepEqual(dry.importUsers.changes.map((c) => [c.name, c.action, c.detail]), [['erin', 'CREATE', null], ['frank', 'CREATE', null], ['dave', 'UPDATE', 'name, quotaMb']]);
    assert.equal(t.engine.ctx.directory.userByName('erin'), undefined, 'a dry run changes nothing');

    const real = await gqlOk<{ importUsers: { applied: boolean } }>(t.ports.http, `mutation ($t: String!) { importUsers(input: {text: $t}) ${REPORT} }`, { token, variables: { t: csv } });
    assert.equal(real.importUsers.applied, true);
    const erin = t.engine.ctx.directory.userByName('erin')!;
    assert.equal(erin.fullName, 'Erin Example');
    assert.equal(erin.quotaMb, 100);
    assert.deepEqual(erin.names, ['erin.example']);
    assert.ok(await t.engine.ctx.directory.authenticate('erin', 'erin-password-1'));
    assert.ok(t.engine.ctx.store.mailbox(erin.id, 'Sent'), 'new users get their folders');
    assert.deepEqual(t.engine.ctx.directory.userByName('frank')!.names, ['frank@vhost.example']);
    assert.equal(t.engine.ctx.directory.userByName('frank')!.fullName, 'Frank, Jr.');
    assert.equal(t.engine.ctx.directory.userByName('dave')!.quotaMb, 50);
  });

  it('a CSV with any bad line changes nothing and says which lines', async () => {
    const hash = (await import('../../server/directory/passwords')).hashPassword;
    const csv = [
      'address,password,passwordHash,quotaMb',
      `gina@example.com,,"${await hash('gina-password-1')}",`, // quoted: the hash holds commas
      'hank@unknown.example,hank-password-1,,',
      'ivan,short,,',
      'jane,jane-password-1,,-5',
      'erin,,,',
      'kate,kate-password-1,,',
    ].join('\n');
    const r = await gqlOk<{ importUsers: { applied: boolean; errors: { line: number; message: string }[] } }>(t.ports.http, `mutation ($t: String!) { importUsers(input: {text: $t}) ${REPORT} }`, { token, variables: { t: csv } });
    assert.equal(r.importUsers.applied, false);
    assert.deepEqual(r.importUsers.errors.map((e) => e.line), [3, 4, 5]);
    assert.match(r.importUsers.errors[0].message, /unknown\.example is not one of this server's domains/);
    assert.equal(t.engine.ctx.directory.userByName('gina'), undefined);
    assert.equal(t.engine.ctx.directory.userByName('kate'), undefined);
    const header = await gqlOk<{ importUsers: { errors: { line: number; message: string }[] } }>(t.ports.http, `mutation { importUsers(input: {text: "mail,pass\\nx,y"}) ${REPORT} }`, { token });
    assert.match(header.importUsers.errors.map((e) => e.message).join(), /unknown column "mail"/);

    // The same file without its bad lines: a user with a hash from another Pillarbox logs in with its password.
    const good = await gqlOk<{ importUsers: { applied: boolean } }>(t.ports.http, `mutation ($t: String!) { importUsers(input: {text: $t}) ${REPORT} }`, { token, variables: { t: csv.split('\n').filter((_, i) => [0, 1, 6].includes(i)).join('\n') } });
    assert.equal(good.importUsers.applied, true);
    assert.ok(await t.engine.ctx.directory.authenticate('gina', 'gina-password-1'));
    assert.ok(await verifyPassword('gina-password-1', (t.engine.ctx.db.prepare("SELECT password_hash FROM users WHERE short_name = 'gina'").get() as { password_hash: string }).password_hash));
  });

  it('takes SHA-crypt hashes (a Dovecot passwd-file) and replaces them with ours at the first login', async () => {
    const csv = [
      'address,passwordHash',
      'olga,{SHA512-CRYPT}$6$pillarboxsalt$yGsAv13xZVLNhei4AjN2Rv0MD9/DROv/4KFAh1ZLOpKC/aBKVBCrWNDxjvBkC/2bSZMFuTdI5hLv1P2yKgjPq1',
      'paul,$5$pillarboxsalt$CrwoDDeEdWqni3F654Tc5OBnGZYyTpUrNIcWBU39pD0',
    ].join('\n');
    const r = await gqlOk<{ importUsers: { applied: boolean; errors: unknown[] } }>(t.ports.http, `mutation ($t: String!) { importUsers(input: {text: $t}) ${REPORT} }`, { token, variables: { t: csv } });
    assert.deepEqual(r.importUsers.errors, []);
    const stored = (name: string) => (t.engine.ctx.db.prepare('SELECT password_hash FROM users WHERE short_name = ?').get(name) as { password_hash: string }).password_hash;
    assert.equal(await t.engine.ctx.directory.authenticate('olga', 'wrong-password'), undefined);
    assert.match(stored('olga'), /^\{SHA512-CRYPT\}/);
    assert.ok(await t.engine.ctx.directory.authenticate('olga', 'olga-password-1'));
    assert.ok(await t.engine.ctx.directory.authenticate('paul', 'paul-password-1'));
    assert.match(stored('olga'), /^\$scrypt\$/, 'rehashed at the first login');
    assert.ok(await t.engine.ctx.directory.authenticate('olga', 'olga-password-1'));
    const bad = await gqlOk<{ importUsers: { errors: { message: string }[] } }>(t.ports.http, `mutation { importUsers(input: {text: "address,passwordHash\\nquinn,{MD5}abc"}) ${REPORT} }`, { token });
    assert.match(bad.importUsers.errors[0].message, /for other schemes give the password instead/);
  });

  it('imports a Postfix virtual map: aliases, domain lines, continuation lines; bad lines change nothing', async () => {
    const map = ['# sales team', 'lists.example   anything', 'sales@example.com   erin, frank', '    dave', 'info@lists.example  someone@elsewhere.example', ''].join('\n');
    const dry = await gqlOk<{ importVirtualAliases: { applied: boolean; changes: { line: number; kind: string; name: string; action: string }[] } }>(t.ports.http, `mutation ($t: String!) { importVirtualAliases(input: {text: $t, dryRun: true}) ${REPORT} }`, { token, variables: { t: map } });
    assert.deepEqual(dry.importVirtualAliases.changes.map((c) => [c.line, c.kind, c.name, c.action]), [[2, 'DOMAIN', 'lists.example', 'CREATE'], [3, 'ALIAS', 'sales@example.com', 'CREATE'], [5, 'ALIAS', 'info@lists.example', 'CREATE']]);
    assert.equal(t.engine.ctx.directory.domainKind('lists.example'), undefined);
    const real = await gqlOk<{ importVirtualAliases: { applied: boolean } }>(t.ports.http, `mutation ($t: String!) { importVirtualAliases(input: {text: $t}) ${REPORT} }`, { token, variables: { t: map } });
    assert.equal(real.importVirtualAliases.applied, true);
    assert.deepEqual(t.engine.ctx.directory.alias('sales@example.com')!.targets, ['erin', 'frank', 'dave']);
    const resolved = t.engine.ctx.directory.resolve('sales@example.com');
    assert.equal(resolved.kind, 'local');

    const bad = ['support@example.com erin', '@example.com catchall', 'x@nowhere.example erin', 'lonely@example.com'].join('\n');
    const r = await gqlOk<{ importVirtualAliases: { applied: boolean; errors: { line: number; message: string }[] } }>(t.ports.http, `mutation ($t: String!) { importVirtualAliases(input: {text: $t}) ${REPORT} }`, { token, variables: { t: bad } });
    assert.equal(r.importVirtualAliases.applied, false);
    assert.deepEqual(r.importVirtualAliases.errors.map((e) => e.line), [4, 2, 3]);
    assert.equal(t.engine.ctx.directory.alias('support@example.com'), undefined, 'the good line was not applied either');
  });
});
