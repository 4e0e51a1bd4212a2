import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { type TestEngine, startEngine } from '../helpers/engine';
import { freePort } from '../helpers/free-port';
import { TestPrometheus } from '../helpers/prometheus';
import { simpleMessage, smtpSend } from '../helpers/smtp';
import { errorCode, gql, gqlOk, login } from '../graphql/client';
import { ALICE } from '../imap/helpers';

describe('/metrics scraped by a real Prometheus', () => {
  let t: TestEngine;
  let prometheus: TestPrometheus;
  let metricsPort: number;

  before(async () => {
    metricsPort = await freePort();
    t = await startEngine({ users: [ALICE], settings: { metricsListen: `127.0.0.1:${metricsPort}` } });
    prometheus = await new TestPrometheus([{ job: 'pillarbox', target: `127.0.0.1:${metricsPort}` }]).start();
  });
  after(async () => {
    await prometheus?.remove();
    await t?.stop();
  });

  it('Prometheus sees the message counters, the queue, connections, store, disks and process metrics', async () => {
    const done = once(t.engine.ctx.queue, 'done');
    const sent = await smtpSend(t.ports.smtp, 'bob@example.org', ['alice@mail.example.test', 'carol@elsewhere.example'], simpleMessage('scraped'));
    assert.match(sent.data ?? '', /^250 /);
    await done;
    const received = await prometheus.until(async () => {
      const r = await prometheus.query('pillarbox_messages_received_total{job="pillarbox"}');
      return r[0]?.value >= 1 && r;
    }, 'the received counter did not reach Prometheus');
    assert.equal(received[0].value, 1);
    const rejected = await prometheus.query('pillarbox_messages_rejected_total');
    assert.deepEqual(rejected.map((s) => [s.metric.reason, s.value]), [['relay-denied', 1]]);
    assert.equal((await prometheus.query('pillarbox_messages_delivered_total'))[0].value, 1);
    const queue = await prometheus.query('pillarbox_queue_messages');
    assert.deepEqual(queue.map((s) => s.metric.state).sort(), ['active', 'deferred', 'held']);
    assert.ok((await prometheus.query('pillarbox_connections{protocol="smtp"}')).length === 1);
    const store = await prometheus.query('pillarbox_store_messages{location="default"}');
    assert.equal(store[0].value, 1);
    assert.ok((await prometheus.query('pillarbox_store_bytes{location="default"}'))[0].value > 0);
    const disk = await prometheus.query(`pillarbox_disk_free_bytes{path="${t.dataDir}"}`);
    assert.ok(disk[0].value > 0);
    assert.ok((await prometheus.query('process_resident_memory_bytes'))[0].value > 0);
    const certs = await prometheus.query('pillarbox_certificate_expiry_seconds');
    for (const c of certs) assert.ok(c.value > 0, `${c.metric.certificate} has not ended`);
  });

  it('job results: the last run of each job, when it ended and whether it succeeded', async () => {
    const token = await login(t.ports.http);
    await gqlOk(t.ports.http, 'mutation { runJob(input: {name: "sieve-vacation-pruning"}) { run { outcome } } }', { token });
    const ok = await prometheus.until(async () => {
      const r = await prometheus.query('pillarbox_job_last_run_success{name="sieve-vacation-pruning"}');
      return r.length === 1 && r;
    }, 'the job result did not reach Prometheus');
    assert.equal(ok[0].value, 1);
    const at = await prometheus.query('pillarbox_job_last_run_timestamp_seconds{name="sieve-vacation-pruning"}');
    assert.ok(Math.abs(at[0].value - Date.now() / 1000) < 120);
  });

  it('the management port answers /metrics to a login token only', async () => {
    const url = `http://127.0.0.1:${t.ports.http}/metrics`;
    const anonymous = await fetch(url);
    assert.equal(anonymous.status, 401);
    const wrong = await fetch(url, { headers: { authorization: 'Bearer not-a-token' } });
    assert.equal(wrong.status, 401);
    const admin = await login(t.ports.http);
    await gqlOk(t.ports.http, 'mutation { createAdmin(input: {username: "scraper", password: "scraper-password", role: MONITOR}) { username } }', { token: admin });
    const monitor = await login(t.ports.http, 'scraper', 'scraper-password');
    const r = await fetch(url, { headers: { authorization: `Bearer ${monitor}` } });
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    assert.match(await r.text(), /^pillarbox_messages_received_total 1$/m);
    // The separate listener serves /metrics and nothing else.
    assert.equal((await fetch(`http://127.0.0.1:${metricsPort}/graphql`)).status, 404);
  });

  it('metricsListen takes effect at once: moved, turned off, and refused when malformed', async () => {
    const token = await login(t.ports.http);
    const moved = await freePort();
    await gqlOk(t.ports.http, `mutation { updateSettings(input: {metricsListen: "127.0.0.1:${moved}"}) { metricsListen } }`, { token });
    await prometheus.until(async () => (await fetch(`http://127.0.0.1:${moved}/metrics`).catch(() => undefined))?.ok, 'the moved listener did not answer');
    await assert.rejects(fetch(`http://127.0.0.1:${metricsPort}/metrics`));
    assert.equal(t.engine.ctx.ports.metrics, moved);
    await gqlOk(t.ports.http, 'mutation { updateSettings(input: {metricsListen: ""}) { metricsListen } }', { token });
    await prometheus.until(async () => (await fetch(`http://127.0.0.1:${moved}/metrics`).then(() => false, () => true)), 'the listener did not close');
    assert.equal(t.engine.ctx.ports.metrics, undefined);
    const bad = await gql(t.ports.http, 'mutation { updateSettings(input: {metricsListen: "127.0.0.1"}) { metricsListen } }', { token });
    assert.equal(errorCode(bad), 'INVALID_SETTING');
    assert.equal(t.engine.ctx.settings.get().metricsListen, '');
  });
});
