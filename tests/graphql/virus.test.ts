import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startEngine, type TestEngine } from '../helpers/engine';
import { simpleMessage, smtpSend } from '../helpers/smtp';
import { freshclamConfig } from '../../server/virus/freshclam';
import { EICAR, EICAR_NAME, FRESHCLAM, TestClamd, missingClamd } from '../helpers/clamd';
import { errorCode, gql, gqlOk, login } from './client';

/** ClamAV over GraphQL with a real clamd: status, the quarantine, and the freshclam job (offline here). */
describe('GraphQL virus status, quarantine and database updates', { skip: missingClamd() }, () => {
  let t: TestEngine;
  let clamd: TestClamd;
  let token: string;
  let monitor: string;
  const aliceInbox = async () => {
    const box = t.engine.ctx.store.mailbox(t.engine.ctx.directory.userByName('alice')!.id, 'INBOX')!;
    return Promise.all(t.engine.ctx.store.messages(box.id).map(async (m) => (await t.engine.ctx.store.readMessage(m)).toString()));
  };
  const sendInfected = async (subject: string) => {
    await smtpSend(t.ports.smtp, 'mallory@example.org', ['alice@example.test'], simpleMessage(subject, `${EICAR}\r\n`));
    await t.engine.ctx.queue.idle();
  };

  before(async () => {
    clamd = await new TestClamd({ tcp: true }).start();
    t = await startEngine({
      users: [{ shortName: 'alice', password: 'alice-password-1' }],
      settings: { virusScanEnabled: true, clamdAddress: clamd.address, virusAction: 'quarantine' },
    });
    token = await login(t.ports.http);
    await gqlOk(t.ports.http, 'mutation { createAdmin(input: {username: "dash", password: "dashboard-pw-1", role: MONITOR}) { username } }', { token });
    monitor = await login(t.ports.http, 'dash', 'dashboard-pw-1');
  });
  after(async () => {
    await t?.stop();
    await clamd?.dispose();
  });

  it('shows whether clamd answers and its version', async () => {
    const { virusStatus } = await gqlOk<{ virusStatus: { enabled: boolean; clamdReachable: boolean; version: string; engineVersion: string; databaseVersion: string | null; clamdAddress: string } }>(
      t.ports.http,
      '{ virusStatus { enabled clamdReachable clamdAddress version engineVersion databaseVersion } }',
      { token: monitor },
    );
    assert.equal(virusStatus.enabled, true);
    assert.equal(virusStatus.clamdReachable, true);
    assert.equal(virusStatus.clamdAddress, clamd.address);
    assert.match(virusStatus.engineVersion, /^ClamAV \d+\.\d+\.\d+$/);
    // Only the test's own signature file is loaded: no daily database, so no database version.
    assert.equal(virusStatus.databaseVersion, null);
  });

  it('lists quarantined messages, releases one to its recipient and deletes another; the monitor role may only look', async () => {
    await sendInfected('first infected');
    await sendInfected('second infected');
    const list = await gqlOk<{ quarantine: { totalCount: number; nodes: { id: string; virus: string; subject: string; sender: string; recipients: string[]; size: number }[] } }>(
      t.ports.http,
      '{ quarantine { totalCount nodes { id virus subject sender recipients size } } }',
      { token: monitor },
    );
    assert.equal(list.quarantine.totalCount, 2);
    const [first, second] = list.quarantine.nodes;
    assert.equal(first.subject, 'first infected');
    assert.equal(first.virus, EICAR_NAME);
    assert.deepEqual(first.recipients, ['alice@example.test']);
    assert.ok(first.size > EICAR.length);
    assert.equal(fs.readdirSync(path.join(t.dataDir, 'quarantine')).length, 2, 'kept as files in the data directory');

    const denied = await gql(t.ports.http, `mutation { deleteQuarantinedMessages(input: {ids: ["${second.id}"]}) { done } }`, { token: monitor });
    assert.equal(errorCode(denied), 'FORBIDDEN');

    const released = await gqlOk<{ releaseQuarantinedMessages: { done: string[]; skipped: string[]; queueIds: string[] } }>(
      t.ports.http,
      `mutation { releaseQuarantinedMessages(input: {ids: ["${first.id}", "nope"]}) { done skipped queueIds } }`,
      { token },
    );
    assert.deepEqual(released.releaseQuarantinedMessages.done, [first.id]);
    assert.deepEqual(released.releaseQuarantinedMessages.skipped, ['nope']);
    await t.engine.ctx.queue.idle();
    assert.match((await aliceInbox()).at(-1)!, /Subject: first infected/);

    const deleted = await gqlOk<{ deleteQuarantinedMessages: { done: string[] } }>(t.ports.http, `mutation { deleteQuarantinedMessages(input: {ids: ["${second.id}"]}) { done } }`, { token });
    assert.deepEqual(deleted.deleteQuarantinedMessages.done, [second.id]);
    assert.equal(t.engine.ctx.virus.quarantine.list().length, 0);
    assert.deepEqual(fs.readdirSync(path.join(t.dataDir, 'quarantine')), []);
    assert.equal(errorCode(await gql(t.ports.http, 'mutation { deleteQuarantinedMessages(input: {ids: []}) { done } }', { token })), 'BAD_USER_INPUT');
  });

  it('records a failed freshclam update with its output; the config points at the configured mirror and proxy', { skip: FRESHCLAM ? undefined : 'freshclam is not installed' }, async () => {
    const dbDir = path.join(t.dataDir, 'clamav-db');
    await gqlOk(
      t.ports.http,
      `mutation { updateSettings(input: {virusDatabaseMirror: "http://127.0.0.1:9", virusUpdateProxy: "", virusDatabaseDir: "${dbDir}"}) { virusDatabaseMirror } }`,
      { token },
    );
    const { runJob } = await gqlOk<{ runJob: { run: { outcome: string; output: string } } }>(t.ports.http, 'mutation { runJob(input: {name: "virus-database-update"}) { run { outcome output } } }', { token });
    assert.equal(runJob.run.outcome, 'FAILED');
    assert.match(runJob.run.output, /freshclam failed \(exit \d+\)/);
    assert.match(runJob.run.output, /127\.0\.0\.1:9/);
    const config = fs.readFileSync(t.engine.ctx.virus.configFile(), 'utf8');
    assert.match(config, /^DatabaseMirror http:\/\/127\.0\.0\.1:9$/m);
    assert.match(config, /^DatabaseDirectory .*clamav-db$/m);
    assert.match(config, /^DNSDatabaseInfo no$/m);

    const { virusStatus } = await gqlOk<{ virusStatus: { lastUpdate: { outcome: string; output: string }; lastSuccessfulUpdate: string | null } }>(
      t.ports.http,
      '{ virusStatus { lastUpdate { outcome output } lastSuccessfulUpdate } }',
      { token: monitor },
    );
    assert.equal(virusStatus.lastUpdate.outcome, 'FAILED');
    assert.equal(virusStatus.lastSuccessfulUpdate, null);

    // A private mirror behind a proxy (with credentials): both end up in the config (written, not run: freshclam's retry waits 5 s).
    await gqlOk(t.ports.http, 'mutation { updateSettings(input: {virusPrivateMirror: "127.0.0.1:9", virusUpdateProxy: "http://fc:s%40cret@127.0.0.1:3128"}) { virusPrivateMirror } }', { token });
    const proxied = freshclamConfig(t.engine.ctx.settings.get(), 'clamav');
    assert.match(proxied, /^PrivateMirror 127\.0\.0\.1:9$/m);
    assert.doesNotMatch(proxied, /^DatabaseMirror/m);
    assert.match(proxied, /^HTTPProxyServer http:\/\/127\.0\.0\.1$/m);
    assert.match(proxied, /^HTTPProxyPort 3128$/m);
    assert.match(proxied, /^HTTPProxyUsername fc$/m);
    assert.match(proxied, /^HTTPProxyPassword s@cret$/m);
  });

  it('shows clamd as unreachable when it is down', async () => {
    await clamd.stop();
    const { virusStatus } = await gqlOk<{ virusStatus: { clamdReachable: boolean; version: string | null } }>(t.ports.http, '{ virusStatus { clamdReachable version } }', { token });
    assert.equal(virusStatus.clamdReachable, false);
    assert.equal(virusStatus.version, null);
    await clamd.start();
  });
});
