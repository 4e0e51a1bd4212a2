/**
 * Issue 17 defect 1 at delivery: a user's Sieve script cannot hold the engine. The SMTP greeting is
 * timed from another process (a stalled event loop would also stall a probe in this one), while the
 * scripts of the issue run on messages made for them.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { gql, gqlOk, login } from '../graphql/client';
import { type TestEngine, startEngine } from '../helpers/engine';
import { simpleMessage, smtpSend } from '../helpers/smtp';

const EVIL_REGEX = 'require "regex";\r\nif header :regex "Subject" "^(a+)+$" { discard; }\r\n';
const EVIL_MATCHES = 'if header :matches "Subject" "*a*a*a*a*a*a*a*a*a*a*a*a*b" { discard; }\r\n';
const NOTICE_SUBJECT = 'Your mail filter was stopped';

/** Connects to the SMTP port again and again and prints how long each greeting took, in ms. */
const PROBE = `
const net = require('node:net');
const port = Number(process.argv[1]);
const once = () => new Promise((resolve) => {
  const t0 = process.hrtime.bigint();
  const s = net.connect(port, '127.0.0.1');
  let got = '';
  s.setEncoding('latin1');
  s.on('data', (d) => {
    got += d;
    if (/^220 /m.test(got)) {
      resolve(Number(process.hrtime.bigint() - t0) / 1e6);
      s.end('QUIT\\r\\n');
    }
  });
  s.on('error', () => resolve(-1));
});
(async () => {
  for (;;) {
    process.stdout.write((await once()).toFixed(2) + '\\n');
    await new Promise((r) => setTimeout(r, 5));
  }
})();
`;

class GreetingProbe {
  readonly samples: number[] = [];
  private readonly child: ChildProcess;
  private waiting?: () => void;

  constructor(port: number) {
    this.child = spawn(process.execPath, ['-e', PROBE, String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let buf = '';
    this.child.stdout?.setEncoding('utf8');
    this.child.stdout?.on('data', (d: string) => {
      buf += d;
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        this.samples.push(Number(buf.slice(0, i)));
        buf = buf.slice(i + 1);
        this.waiting?.();
      }
    });
  }

  /** Resolves once `n` more greetings have been timed (10 s at most). */
  async more(n: number): Promise<void> {
    const target = this.samples.length + n;
    const deadline = Date.now() + 10_000;
    while (this.samples.length < target) {
      if (Date.now() > deadline) throw new Error(`the probe timed only ${this.samples.length} greetings`);
      await new Promise<void>((resolve) => {
        this.waiting = resolve;
        setTimeout(resolve, 200);
      });
    }
  }

  stop(): void {
    this.child.kill();
  }
}


/**
 * The greeting stays quick while the scripts run. The 100 ms line is held on the engine's CPU by
 * the stall watchdog every test engine runs (PILLARBOX_STALL_FAIL_MS: the file fails if the event
 * loop is held 100 ms of CPU); in wall time, on a CI machine running two test files at once, one
 * greeting in many may wait a little longer for the CPU, so the median must be under 100 ms and
 * none near the seconds the defect took (30 s and more before the fix).
 */
function assertGreetingsQuick(during: number[]): void {
  const sorted = [...during].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  const text = `greeting latencies (ms): ${during.join(', ')}`;
  assert.ok(during.length > 0 && during.every((ms) => ms >= 0 && ms < 1000), text);
  assert.ok(median < 100, text);
}

describe('Sieve time limits at delivery', () => {
  let t: TestEngine;
  const ctx = () => t.engine.ctx;
  const id = (name: string) => ctx().directory.userByName(name)!.id;
  const subjects = async (user: string): Promise<string[]> => {
    const box = ctx().store.mailbox(id(user), 'INBOX');
    if (!box) return [];
    return Promise.all(ctx().store.messages(box.id).map(async (m) => /^Subject: (.*)\r$/m.exec((await ctx().store.readMessage(m)).toString())?.[1] ?? ''));
  };
  const errorsFor = (user: string) => ctx().logs.tail.filter((e) => e.service === 'sieve' && e.severity === 'error' && e.user === user);

  before(async () => {
    t = await startEngine({
      // Greet at once, so the probe times the engine and not the early-talker wait.
      settings: { smtpEarlyTalkerWaitMs: 0 },
      users: [
        { shortName: 'regexuser', password: 'regexuser-password' },
        { shortName: 'matchuser', password: 'matchuser-password' },
        { shortName: 'slowuser', password: 'slowuser-password' },
        { shortName: 'bodyuser', password: 'bodyuser-password' },
      ],
    });
  });
  after(() => t.stop());

  it('the two scripts of issue 17: the greeting stays under 100 ms while they run, and the mail is kept', async () => {
    // Uploaded as a user would: one through ManageSieve's service object, checked like PUTSCRIPT.
    await ctx().sieve.put(id('regexuser'), 'evil', EVIL_REGEX, { activate: true });
    await ctx().sieve.put(id('matchuser'), 'evil', EVIL_MATCHES, { activate: true });
    const regexSubject = 'a'.repeat(32) + '!';
    const matchesSubject = 'a'.repeat(5000);
    const probe = new GreetingProbe(t.ports.smtp);
    try {
      await probe.more(3);
      const from = probe.samples.length;
      for (let i = 0; i < 3; i++) {
        assert.match((await smtpSend(t.ports.smtp, 'bob@example.org', ['regexuser@mail.example.test'], simpleMessage(regexSubject))).data ?? '', /^250 /);
        assert.match((await smtpSend(t.ports.smtp, 'bob@example.org', ['matchuser@mail.example.test'], simpleMessage(matchesSubject))).data ?? '', /^250 /);
      }
      await ctx().queue.idle();
      await probe.more(3);
      const during = probe.samples.slice(from);
      assertGreetingsQuick(during);
    } finally {
      probe.stop();
    }
    assert.deepEqual(await subjects('regexuser'), [regexSubject, regexSubject, regexSubject]);
    assert.deepEqual(await subjects('matchuser'), [matchesSubject, matchesSubject, matchesSubject]);
    // They ran in about a millisecond each: no budget overrun, so no notice and no error.
    assert.deepEqual(errorsFor('regexuser'), []);
    assert.deepEqual(errorsFor('matchuser'), []);
    assert.deepEqual(ctx().queue.entries(), []);
  });

  it('sieveMaxRunMs (set through GraphQL) stops a slow run: INBOX, a log entry, a notice, then a pause', async () => {
    const token = await login(t.ports.http);
    const set = await gqlOk<{ updateSettings: { sieveMaxRunMs: number } }>(t.ports.http, 'mutation { updateSettings(input: {sieveMaxRunMs: 20}) { sieveMaxRunMs } }', { token });
    assert.equal(set.updateSettings.sieveMaxRunMs, 20);
    try {
      // Linear, but slow on purpose: 2,000 scans of a 100 KB body by the Pike VM take seconds.
      const script = 'require ["body", "regex", "fileinto"];\r\n' + 'if body :raw :regex "(a|aa)*b" { fileinto "Never"; }\r\n'.repeat(2000);
      await ctx().sieve.put(id('slowuser'), 'slow', script, { activate: true });
      const body = ('a'.repeat(76) + '\r\n').repeat(1300);
      const started = Date.now();
      const r = await smtpSend(t.ports.smtp, 'bob@example.org', ['slowuser@mail.example.test'], simpleMessage('slow one', body));
      assert.match(r.data ?? '', /^250 /);
      await ctx().queue.idle();
      // Unbounded, the script runs for seconds; stopped after 20 ms, the delivery is quick.
      assert.ok(Date.now() - started < 3000, `delivered after ${Date.now() - started} ms`);
      assert.deepEqual((await subjects('slowuser')).sort(), [NOTICE_SUBJECT, 'slow one']);
      assert.equal(ctx().store.mailbox(id('slowuser'), 'Never'), undefined);
      const [error] = errorsFor('slowuser');
      assert.ok(error, 'an error was logged');
      assert.match(error.text, /ran longer than its time budget/);
      assert.equal(error.limitMs, 20);
      assert.equal(typeof error.queueId, 'string');
      const box = ctx().store.mailbox(id('slowuser'), 'INBOX')!;
      const texts = await Promise.all(ctx().store.messages(box.id).map(async (m) => (await ctx().store.readMessage(m)).toString()));
      const notice = texts.find((m) => m.includes(`Subject: ${NOTICE_SUBJECT}`));
      assert.ok(notice?.includes(`queue ID ${String(error.queueId)}`), notice);
      assert.match(notice ?? '', /longer than the 20 ms/);

      // While suspended the script is not run: the next message goes to INBOX at once, no second notice.
      assert.match((await smtpSend(t.ports.smtp, 'bob@example.org', ['slowuser@mail.example.test'], simpleMessage('while suspended', body))).data ?? '', /^250 /);
      await ctx().queue.idle();
      assert.deepEqual((await subjects('slowuser')).sort(), [NOTICE_SUBJECT, 'slow one', 'while suspended']);
      assert.ok(ctx().logs.tail.some((e) => e.service === 'sieve' && e.user === 'slowuser' && /suspended/.test(e.text)));
      assert.equal(errorsFor('slowuser').length, 1);
      assert.deepEqual(ctx().queue.entries(), []);
    } finally {
      ctx().settings.update({ sieveMaxRunMs: 2000 });
    }
  });

  it('a script slow on purpose runs its whole budget (2000 ms) in a worker thread: the greeting stays under 100 ms', async () => {
    // Hundreds of body :regex tests on a 1 MB body: the Pike VM is linear, but this is seconds of
    // work, stopped by the default budget. On the main thread it held the greeting for 2 s.
    assert.equal(ctx().settings.get().sieveMaxRunMs, 2000);
    const script = 'require ["body", "regex", "fileinto"];\r\n' + 'if body :raw :regex "(a|aa)*b" { fileinto "Never"; }\r\n'.repeat(300);
    await ctx().sieve.put(id('bodyuser'), 'slow', script, { activate: true });
    const body = ('a'.repeat(76) + '\r\n').repeat(13_500);
    const probe = new GreetingProbe(t.ports.smtp);
    let during: number[];
    let tookMs: number;
    try {
      await probe.more(3);
      const from = probe.samples.length;
      const started = Date.now();
      assert.match((await smtpSend(t.ports.smtp, 'bob@example.org', ['bodyuser@mail.example.test'], simpleMessage('big and slow', body))).data ?? '', /^250 /);
      await ctx().queue.idle();
      tookMs = Date.now() - started;
      await probe.more(1);
      during = probe.samples.slice(from);
    } finally {
      probe.stop();
    }
    assert.ok(tookMs >= 2000, `delivered after ${tookMs} ms: the script ran its budget`);
    // A greeting every few milliseconds while the script ran: every one of them in time.
    assert.ok(during.length >= 20, `only ${during.length} greetings were timed during ${tookMs} ms`);
    assertGreetingsQuick(during);
    const sorted = [...during].sort((a, b) => a - b);
    process.stderr.write(`greeting latency while a 2000 ms Sieve run was delivered: ${during.length} samples, median ${sorted[sorted.length >> 1].toFixed(2)} ms, max ${sorted[sorted.length - 1].toFixed(2)} ms\n`);
    // The overrun is handled as before: kept in INBOX, logged, a notice, the script paused.
    assert.deepEqual((await subjects('bodyuser')).sort(), [NOTICE_SUBJECT, 'big and slow']);
    const [error] = errorsFor('bodyuser');
    assert.match(error.text, /ran longer than its time budget/);
    assert.equal(error.limitMs, 2000);
    assert.match(String(error.error), /^\d+:\d+: the script ran longer than its 2000 ms budget/);
    assert.deepEqual(ctx().queue.entries(), []);
  });

  it('sieveMaxRunMs refuses values outside 10..60000', async () => {
    const token = await login(t.ports.http);
    const r = await gql(t.ports.http, 'mutation { updateSettings(input: {sieveMaxRunMs: 0}) { sieveMaxRunMs } }', { token });
    assert.equal(r.errors?.[0].extensions?.code, 'INVALID_SETTING');
    assert.equal(ctx().settings.get().sieveMaxRunMs, 2000);
  });
});
