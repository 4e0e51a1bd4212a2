import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import zlib from 'node:zlib';
import { startEngine, type TestEngine } from '../helpers/engine';
import { simpleMessage, smtpSend } from '../helpers/smtp';
import { errorCode, gql, gqlOk, login } from './client';

interface Entry {
  time: string;
  service: string;
  severity: string;
  text: string;
  fields: string;
}
interface Page {
  logs: { nodes: Entry[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
}
interface Archive {
  name: string;
  service: string;
  sizeBytes: number;
  archivedAt: string;
  downloadPath: string;
}

const DAY = 86_400_000;
const ALICE = { shortName: 'alice', password: 'alice-password-1' };
const LOGS = `query ($filter: LogFilterInput, $order: LogOrder, $first: Int, $after: String) {
  logs(filter: $filter, order: $order, first: $first, after: $after) { nodes { time service severity text fields } pageInfo { hasNextPage endCursor } }
}`;

/** Issue 13, "Logs": every entry searchable through GraphQL across restarts; archiving, download and removal. */
describe('logs: search across restarts, archives', () => {
  let t: TestEngine;
  let token: string;
  const queueIds: string[] = [];
  const search = async (filter: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    (await gqlOk<Page>(t.ports.http, LOGS, { token, variables: { filter, ...extra } })).logs;

  before(async () => {
    t = await startEngine({ users: [ALICE], settings: { smtpEarlyTalkerWaitMs: 0 } });
    token = await login(t.ports.http);
    for (let i = 0; i < 3; i++) {
      const r = await smtpSend(t.ports.smtp, `sender${i}@example.org`, ['alice@example.test'], simpleMessage(`message ${i}`, 'Hello.\r\n', `sender${i}@example.org`));
      queueIds.push(/queued as (\S+)/.exec(r.data ?? '')![1]);
    }
  });
  after(async () => {
    await t.stop();
    fs.rmSync(t.dataDir, { recursive: true, force: true });
  });

  it('finds entries by queue ID, mail address, client address, service, severity and words, newest or oldest first, a page at a time', async () => {
    const byQueue = await search({ queueId: queueIds[1] });
    assert.ok(byQueue.nodes.some((e) => e.text === 'accepted' && JSON.parse(e.fields).from === 'sender1@example.org'), JSON.stringify(byQueue));
    assert.ok(byQueue.nodes.every((e) => JSON.parse(e.fields).queueId === queueIds[1]));

    const byAddress = await search({ address: 'sender2@example.org', services: ['SMTP'] });
    assert.deepEqual(byAddress.nodes.map((e) => JSON.parse(e.fields).queueId), [queueIds[2]]);
    const byDomain = await search({ address: 'example.org', services: ['SMTP'], severity: 'MESSAGE' });
    assert.equal(byDomain.nodes.filter((e) => e.text === 'accepted').length, 3);

    const byClient = await search({ address: '127.0.0.1', services: ['SMTP'], text: 'accep' });
    assert.equal(byClient.nodes.length, 3);
    const newest = byClient.nodes.map((e) => JSON.parse(e.fields).queueId);
    assert.deepEqual(newest, [...queueIds].reverse(), 'newest first by default');

    const first = await search({ text: 'accepted', services: ['SMTP'] }, { order: 'OLDEST_FIRST', first: 2 });
    assert.deepEqual(first.nodes.map((e) => JSON.parse(e.fields).queueId), queueIds.slice(0, 2));
    assert.equal(first.pageInfo.hasNextPage, true);
    const second = await search({ text: 'accepted', services: ['SMTP'] }, { order: 'OLDEST_FIRST', first: 2, after: first.pageInfo.endCursor });
    assert.deepEqual(second.nodes.map((e) => JSON.parse(e.fields).queueId), queueIds.slice(2));
    assert.equal(second.pageInfo.hasNextPage, false);

    assert.equal((await search({ text: 'accepted', since: new Date(Date.now() + DAY).toISOString() })).nodes.length, 0);
    assert.equal((await search({ text: 'accepted', until: new Date(Date.now() - DAY).toISOString() })).nodes.length, 0);
    assert.equal((await search({ user: 'nobody' })).nodes.length, 0);
    const bad = await gql(t.ports.http, LOGS, { token, variables: { first: 501 } });
    assert.equal(errorCode(bad), 'BAD_USER_INPUT');
    const unauthenticated = await gql(t.ports.http, LOGS, {});
    assert.equal(errorCode(unauthenticated), 'UNAUTHENTICATED');
  });

  it('keeps the entries across a restart', async () => {
    const dataDir = t.dataDir;
    await t.engine.stop();
    t = await startEngine({ dataDir, users: [], settings: { smtpEarlyTalkerWaitMs: 0 } });
    token = await login(t.ports.http);
    const found = await search({ queueId: queueIds[0], text: 'accepted' });
    assert.equal(found.nodes.length, 1);
  });

  it('archives a log that is logArchiveDays old, lists, serves and removes archives, and keeps them logArchiveKeepDays', async () => {
    // The job on its own finds nothing due: every log began today.
    const run = await gqlOk<{ runJob: { run: { outcome: string; output: string } } }>(t.ports.http, 'mutation { runJob(input: { name: "log-archive" }) { run { outcome output } } }', { token });
    assert.equal(run.runJob.run.outcome, 'OK', JSON.stringify(run));
    assert.match(run.runJob.run.output, /no log is 7 days old yet/);

    // Eight days on, every log is due.
    const summary = await t.engine.ctx.logArchives.run(7, 90, new Date(Date.now() + 8 * DAY));
    assert.match(summary, /^archived .*smtp-/);
    const listed = await gqlOk<{ logArchives: Archive[] }>(t.ports.http, '{ logArchives { name service sizeBytes archivedAt downloadPath } }', { token });
    const smtp = listed.logArchives.find((a) => a.service === 'SMTP');
    assert.ok(smtp && smtp.sizeBytes > 0, JSON.stringify(listed));

    const download = await fetch(`http://127.0.0.1:${t.ports.http}${smtp.downloadPath}`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(download.status, 200);
    assert.equal(download.headers.get('content-type'), 'application/gzip');
    const text = zlib.gunzipSync(Buffer.from(await download.arrayBuffer())).toString('utf8');
    for (const id of queueIds) assert.ok(text.includes(`"queueId":"${id}"`), 'the archive holds the entries');
    assert.equal((await fetch(`http://127.0.0.1:${t.ports.http}${smtp.downloadPath}`)).status, 401);
    assert.equal((await fetch(`http://127.0.0.1:${t.ports.http}/logs/archive/..%2Fsmtp.log`, { headers: { authorization: `Bearer ${token}` } })).status, 400);
    assert.equal((await fetch(`http://127.0.0.1:${t.ports.http}/logs/archive/smtp-2000-01-01T000000Z.log.gz`, { headers: { authorization: `Bearer ${token}` } })).status, 404);

    // A new log begins: the next entries are in a new file, and still searchable.
    const after = await smtpSend(t.ports.smtp, 'late@example.org', ['alice@example.test'], simpleMessage('after the archive'));
    assert.match(after.data ?? '', /^250 /);
    const late = await search({ address: 'late@example.org', text: 'accepted' });
    assert.equal(late.nodes.length, 1);

    const refused = await gql(t.ports.http, 'mutation { deleteLogArchives(input: { names: ["../db/pillarbox.db"] }) { removed } }', { token });
    assert.equal(errorCode(refused), 'BAD_USER_INPUT');
    const removed = await gqlOk<{ deleteLogArchives: { removed: string[] } }>(t.ports.http, `mutation { deleteLogArchives(input: { names: ["${smtp.name}"] }) { removed } }`, { token });
    assert.deepEqual(removed.deleteLogArchives.removed, [smtp.name]);
    const left = (await t.engine.ctx.logArchives.list()).length;
    assert.ok(left > 0);

    // A hundred days on, what is past keeping goes, archives and indexed entries both.
    const pruned = await t.engine.ctx.logArchives.run(7, 90, new Date(Date.now() + 100 * DAY));
    assert.match(pruned, new RegExp(`removed ${left} archive`));
    assert.match(pruned, /forgot \d+ indexed entries/);
    assert.equal((await search({ queueId: queueIds[0] })).nodes.length, 0);
  });
});
