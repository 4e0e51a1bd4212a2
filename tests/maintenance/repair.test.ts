import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { startEngine, type TestEngine } from '../helpers/engine';
import { smtpSend } from '../helpers/smtp';
import { errorCode, gql, gqlOk, login } from '../graphql/client';

interface Run {
  id: string;
  outcome: string;
  output: string;
  progress: { done: number; total: number; step: string } | null;
}

const RUN_FIELDS = 'id outcome output progress { done total step }';
const mail = (n: number) => `From: bob@example.org\r\nTo: someone\r\nSubject: message ${n}\r\n\r\nbody of message ${n}\r\n`;

/**
 * The repair job (the seed's "repair the mail database") on a store damaged in every way it
 * looks for, while mail keeps arriving; reconstruct from GraphQL; the debug level of the
 * jobs log, changed while the engine runs.
 */
describe('repair and reconstruct', () => {
  let t: TestEngine;
  let token: string;
  let monitor: string;
  let extra: string;
  const ctx = () => t.engine.ctx;
  const user = (name: string) => ctx().directory.userByName(name)!;
  const inbox = (name: string) => ctx().store.mailbox(user(name).id, 'INBOX')!;
  const rows = (name: string) => ctx().store.messages(inbox(name).id);

  const repair = async (input: string) =>
    (await gqlOk<{ repairMailStore: { run: Run } }>(t.ports.http, `mutation { repairMailStore(input: {${input}}) { run { ${RUN_FIELDS} } } }`, { token })).repairMailStore.run;

  before(async () => {
    extra = fs.mkdtempSync(path.join(os.tmpdir(), 'pillarbox-partition-'));
    t = await startEngine({
      settings: { storeLocations: [{ name: 'fast', path: extra }] },
      users: [
        { shortName: 'alice', password: 'alice-password-1' },
        { shortName: 'bob', password: 'bob-password-12' },
        { shortName: 'carol', password: 'carol-password-1', storeLocation: 'fast' },
      ],
    });
    token = await login(t.ports.http);
    await gqlOk(t.ports.http, 'mutation { createAdmin(input: {username: "dash", password: "dashboard-pw-1", role: MONITOR}) { username } }', { token });
    monitor = await login(t.ports.http, 'dash', 'dashboard-pw-1');
    for (let i = 0; i < 3; i++) {
      await smtpSend(t.ports.smtp, 'bob@example.org', ['alice@example.test', 'bob@example.test', 'carol@example.test'], mail(i));
    }
    await ctx().queue.idle();
  });
  after(async () => {
    await t.stop();
    fs.rmSync(extra, { recursive: true, force: true });
  });

  it('is a job with a schedule setting, never on its own by default; monitors may not start it', async () => {
    const { job } = await gqlOk<{ job: { schedule: string; scheduleSetting: string; nextRun: string | null } }>(t.ports.http, '{ job(name: "repair") { schedule scheduleSetting nextRun } }', { token: monitor });
    assert.deepEqual(job, { schedule: '', scheduleSetting: 'repairSchedule', nextRun: null });
    await gqlOk(t.ports.http, 'mutation { updateSettings(input: {repairSchedule: "30 2 * * 0"}) { repairSchedule } }', { token });
    const later = await gqlOk<{ job: { nextRun: string } }>(t.ports.http, '{ job(name: "repair") { nextRun } }', { token });
    assert.equal(new Date(later.job.nextRun).getDay(), 0);
    assert.equal(new Date(later.job.nextRun).getHours(), 2);
    await gqlOk(t.ports.http, 'mutation { updateSettings(input: {repairSchedule: ""}) { repairSchedule } }', { token });
    assert.equal(errorCode(await gql(t.ports.http, 'mutation { repairMailStore { run { id } } }', { token: monitor })), 'FORBIDDEN');
    assert.equal(errorCode(await gql(t.ports.http, 'mutation { reconstructMailboxes(input: {userId: "1"}) { mailboxes { mailbox } } }', { token: monitor })), 'FORBIDDEN');
  });

  it('finds and puts right what is wrong, moves files of no mailbox aside, and keeps messages whose file is gone', async () => {
    const store = ctx().store;
    const root = path.join(t.dataDir, 'store');
    const [gone, grown] = rows('alice');
    fs.rmSync(gone.file);
    // Delivered copies share one file (hard links): this one gets a file of its own, longer than its row says.
    const content = fs.readFileSync(grown.file);
    fs.rmSync(grown.file);
    fs.writeFileSync(grown.file, Buffer.concat([content, Buffer.from('X-Trailing: bytes the row does not count\r\n')]));
    const bobDir = store.mailboxDir(user('bob').id, inbox('bob').id);
    fs.writeFileSync(path.join(bobDir, 'restored.eml'), mail(99));
    fs.writeFileSync(path.join(bobDir, '.half-written.eml.tmp'), 'Subject: cut sho');
    fs.mkdirSync(path.join(root, '9999', '1'), { recursive: true });
    fs.writeFileSync(path.join(root, '9999', '1', 'left-behind.eml'), mail(100));
    const aliceRoot = path.join(root, String(user('alice').id));
    fs.mkdirSync(path.join(aliceRoot, '77777'));
    fs.writeFileSync(path.join(aliceRoot, '77777', 'stray.eml'), mail(101));
    const bobBefore = rows('bob');

    // Mail keeps arriving during the run: none of it may be lost or added twice.
    const arriving = (async () => {
      for (let i = 0; i < 20; i++) await smtpSend(t.ports.smtp, 'bob@example.org', ['alice@example.test'], mail(200 + i));
    })();
    const run = await repair('');
    await arriving;
    await ctx().queue.idle();

    assert.equal(run.outcome, 'OK', run.output);
    assert.equal(run.progress, null);
    assert.match(run.output, /database: integrity ok; foreign keys ok/);
    assert.match(run.output, /files that belong to no mailbox: 2 moved to .*lost\+found/);
    assert.match(run.output, /1 file\(s\) without a row added, 1 message\(s\) whose file is gone \(kept; run repair with expungeMissingFiles to remove them\), 1 size\(s\) corrected, 1 half-written temporary file\(s\) removed/);

    const alice = rows('alice');
    assert.equal(alice.length, 23, 'the message whose file is gone is kept, and the 20 that arrived are there once');
    assert.equal(new Set(alice.map((m) => m.file)).size, alice.length);
    assert.ok(alice.some((m) => m.uid === gone.uid));
    assert.equal(alice.find((m) => m.uid === grown.uid)!.size, fs.statSync(grown.file).size);
    assert.equal(inbox('alice').messageCount, 23);
    assert.equal(inbox('alice').totalSize, alice.reduce((n, m) => n + m.size, 0));
    const bob = rows('bob');
    assert.equal(bob.length, bobBefore.length + 1);
    const restored = bob.find((m) => m.file.endsWith('restored.eml'))!;
    assert.ok(restored.uid > Math.max(...bobBefore.map((m) => m.uid)));
    assert.ok(!fs.existsSync(path.join(bobDir, '.half-written.eml.tmp')));

    const lost = path.join(t.dataDir, 'lost+found');
    const [stamp] = fs.readdirSync(lost);
    assert.equal(fs.readFileSync(path.join(lost, stamp, 'default', '9999', '1', 'left-behind.eml'), 'utf8'), mail(100));
    assert.equal(fs.readFileSync(path.join(lost, stamp, 'default', String(user('alice').id), '77777', 'stray.eml'), 'utf8'), mail(101));
    assert.ok(!fs.existsSync(path.join(root, '9999', '1', 'left-behind.eml')));

    const { logs } = await gqlOk<{ logs: { nodes: { text: string; fields: string }[] } }>(
      t.ports.http,
      '{ logs(filter: {services: [JOBS], text: "file gone"}) { nodes { text fields } } }',
      { token },
    );
    assert.equal(logs.nodes.length, 1);
    assert.equal(JSON.parse(logs.nodes[0].fields).uid, gone.uid);
  });

  it('expunges messages whose file is gone when asked, but leaves a store location that is not there alone', async () => {
    const carol = rows('carol');
    const away = `${extra}-unmounted`;
    fs.renameSync(extra, away);
    try {
      const run = await repair('expungeMissingFiles: true');
      assert.equal(run.outcome, 'OK', run.output);
      assert.match(run.output, /1 message\(s\) whose file is gone \(1 expunged\)/);
      assert.match(run.output, /store locations left alone .*: fast/);
      assert.equal(rows('alice').length, 22);
      assert.deepEqual(rows('carol').map((m) => m.uid), carol.map((m) => m.uid));
    } finally {
      fs.renameSync(away, extra);
    }
  });

  it('a second run finds nothing to do', async () => {
    const clean = await repair('');
    assert.match(clean.output, /files that belong to no mailbox: 0\n/);
    assert.match(clean.output, /0 file\(s\) without a row added, 0 message\(s\) whose file is gone, 0 size\(s\) corrected, 0 half-written/);
  });

  it('reports progress (done of total, step) through the jobRunUpdates subscription', async () => {
    const client: Client = createClient({ url: `ws://127.0.0.1:${t.ports.http}/graphql`, webSocketImpl: WebSocket, connectionParams: { Authorization: `Bearer ${token}` }, retryAttempts: 0, lazy: true });
    try {
      const updates = client.iterate<{ jobRunUpdates: Run }>({ query: `subscription { jobRunUpdates(job: "repair") { ${RUN_FIELDS} } }` });
      const ready = new Promise<void>((resolve) => {
        const watch = (name: string | symbol) => {
          if (name !== 'progress') return;
          ctx().jobs.off('newListener', watch);
          setImmediate(resolve);
        };
        ctx().jobs.on('newListener', watch);
      });
      const first = updates.next();
      await ready;
      const started = await repair('wait: false');
      assert.equal(started.outcome, 'RUNNING');
      const seen: Run[] = [(await first).value!.data!.jobRunUpdates];
      for await (const u of updates) {
        seen.push(u.data!.jobRunUpdates);
        if (u.data!.jobRunUpdates.outcome !== 'RUNNING') break;
      }
      assert.ok(seen.every((r) => r.id === started.id));
      const mailboxes = (ctx().db.prepare('SELECT COUNT(*) AS n FROM mailboxes').get() as { n: number }).n;
      const steps = seen.filter((r) => r.progress?.step === 'reconstructing mailboxes').map((r) => r.progress!);
      assert.ok(steps.length >= mailboxes, `one report per mailbox (${steps.length} for ${mailboxes})`);
      assert.ok(steps.every((p) => p.total === mailboxes && p.done <= p.total));
      assert.equal(steps.at(-1)!.done, mailboxes);
      assert.ok(seen.some((r) => r.progress?.step === 'checking the database'));
      assert.equal(seen.at(-1)!.outcome, 'OK');
      assert.equal(seen.at(-1)!.progress, null);
    } finally {
      await client.dispose();
    }
  });

  it('reconstructs one user\u2019s mailboxes, or one mailbox, from GraphQL', async () => {
    const alice = user('alice');
    const dir = ctx().store.mailboxDir(alice.id, inbox('alice').id);
    fs.writeFileSync(path.join(dir, 'from-backup.eml'), mail(300));
    const [victim] = rows('alice');
    fs.rmSync(victim.file);
    type Payload = { reconstructMailboxes: { mailboxes: { mailbox: string; added: number; missing: number; expunged: number; resized: number; missingMessages: { uid: number }[] }[] } };
    const all = await gqlOk<Payload>(t.ports.http, `mutation { reconstructMailboxes(input: {userId: "${alice.id}"}) { mailboxes { mailbox added missing expunged resized missingMessages { uid } } } }`, { token });
    assert.deepEqual(all.reconstructMailboxes.mailboxes.map((m) => m.mailbox), ctx().store.mailboxes(alice.id).map((b) => b.name));
    const inboxResult = all.reconstructMailboxes.mailboxes.find((m) => m.mailbox === 'INBOX')!;
    assert.deepEqual(inboxResult, { mailbox: 'INBOX', added: 1, missing: 1, expunged: 0, resized: 0, missingMessages: [{ uid: victim.uid }] });
    const one = await gqlOk<Payload>(t.ports.http, `mutation { reconstructMailboxes(input: {userId: "${alice.id}", mailbox: "INBOX", expungeMissingFiles: true}) { mailboxes { mailbox added missing expunged resized missingMessages { uid } } } }`, { token });
    assert.deepEqual(one.reconstructMailboxes.mailboxes, [{ mailbox: 'INBOX', added: 0, missing: 1, expunged: 1, resized: 0, missingMessages: [{ uid: victim.uid }] }]);
    assert.ok(!rows('alice').some((m) => m.uid === victim.uid));
    const missingBox = await gql(t.ports.http, `mutation { reconstructMailboxes(input: {userId: "${alice.id}", mailbox: "Nowhere"}) { mailboxes { mailbox } } }`, { token });
    assert.equal(errorCode(missingBox), 'NOT_FOUND');
    assert.equal(errorCode(await gql(t.ports.http, 'mutation { reconstructMailboxes(input: {userId: "424242"}) { mailboxes { mailbox } } }', { token })), 'NOT_FOUND');
  });

  it('the jobs log has each run with its whole output; its debug level takes effect at once', async () => {
    // What the jobs log holds, through the index (written with the file, in the same call).
    const entries = async () =>
      (
        await gqlOk<{ logs: { nodes: { severity: string; text: string; fields: string }[] } }>(t.ports.http, '{ logs(filter: {services: [JOBS]}, first: 500) { nodes { severity text fields } } }', { token })
      ).logs.nodes.map((n) => ({ severity: n.severity.toLowerCase(), text: n.text, ...(JSON.parse(n.fields) as { run?: number; output?: string }) }));
    const debugOf = async (run: string) => (await entries()).filter((e) => e.severity === 'debug' && String(e.run) === run);

    const quiet = await repair('');
    assert.equal((await debugOf(quiet.id)).length, 0, 'no debug entries at the medium level');
    assert.equal((await entries()).find((e) => e.text === 'job finished' && String(e.run) === quiet.id)?.output, quiet.output);

    await gqlOk(t.ports.http, 'mutation { updateSettings(input: {logLevelJobs: DEBUG}) { logLevelJobs } }', { token });
    const chatty = await repair('');
    assert.ok((await debugOf(chatty.id)).some((e) => e.text === 'job progress'));

    await gqlOk(t.ports.http, 'mutation { updateSettings(input: {logLevelJobs: LOW}) { logLevelJobs } }', { token });
    const silent = await repair('');
    assert.equal((await entries()).filter((e) => String(e.run) === silent.id).length, 0, 'low: errors only');
    assert.ok(fs.readFileSync(path.join(t.dataDir, 'logs', 'jobs.log'), 'utf8').includes(`"run":${Number(chatty.id)}`), 'the jobs log file has the runs');
    await gqlOk(t.ports.http, 'mutation { updateSettings(input: {logLevelJobs: MEDIUM}) { logLevelJobs } }', { token });
  });
});
