import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import vm from 'node:vm';
import { ActivityTracker } from '../../server/metrics/activity';
import { EventLoopWatchdog, type Stall } from '../../server/metrics/event-loop-watchdog';
import { ThreadCpuClock } from '../../server/metrics/thread-cpu';
import { LogHub, type LogEntry } from '../../server/logs/logger';
import { startEngine } from '../helpers/engine';
import { ALICE, loggedIn } from '../imap/helpers';
import { simpleMessage, smtpSend } from '../helpers/smtp';

const clock = new ThreadCpuClock();

/** A synchronous computation that holds the event loop for `ms` of CPU time (wall time where that is not known). */
function busy(ms: number): void {
  if (!clock.read()) {
    const end = performance.now() + ms;
    while (performance.now() < end) {
      // spin
    }
    return;
  }
  const start = clock.cpuMs;
  do clock.read();
  while (clock.cpuMs - start < ms);
}

const turn = (ms = 60) => new Promise((r) => setTimeout(r, ms));

function watchdog(thresholdMs = 100) {
  const hub = new LogHub(undefined);
  const entries: LogEntry[] = [];
  hub.on('entry', (e: LogEntry) => entries.push(e));
  const activities = new ActivityTracker();
  const dog = new EventLoopWatchdog(activities, hub.logger('server'), thresholdMs);
  const stalls: Stall[] = [];
  dog.on('stall', (s: Stall) => stalls.push(s));
  return { activities, dog, stalls, entries };
}

test('the main thread CPU clock counts this thread\'s work, and no more than the time that passed', () => {
  const own = new ThreadCpuClock();
  if (!own.available) return; // not Linux
  const before = own.cpuMs;
  const t0 = performance.now();
  const end = t0 + 50;
  while (performance.now() < end) {
    // spin
  }
  assert.ok(own.read());
  const used = own.cpuMs - before;
  // The kernel brings a thread's run time up to date at its own ticks: a few ms of slack.
  assert.ok(used > 5 && used <= performance.now() - t0 + 5, `${used} ms`);
  own.close();
});

test('an activity is named for a stall only if it ran without a break for the stall\'s length', () => {
  const tracker = new ActivityTracker();
  tracker.longMs = 30;
  const within = (since: number) => tracker.runningWithin(since, performance.now(), 30);
  const a = tracker.open();
  const t0 = performance.now();
  assert.deepEqual(within(t0), []);
  a.begin('imap FETCH alice');
  busy(40);
  assert.deepEqual(within(t0), ['imap FETCH alice']);
  a.suspend();
  busy(40);
  assert.deepEqual(within(t0), ['imap FETCH alice'], 'its long stretch lies in the interval');
  const t1 = performance.now();
  busy(40);
  assert.deepEqual(within(t1), [], 'waiting on the client is not running');
  a.resume();
  busy(40);
  assert.deepEqual(within(t1), ['imap FETCH alice']);
  a.end();
  a.resume(); // a resume after the end (a write outside a command) does not start it again
  const t2 = performance.now();
  busy(40);
  assert.deepEqual(within(t2), []);
  const quick = tracker.start('imap NOOP alice');
  quick.close();
  busy(40);
  assert.deepEqual(within(t2), [], 'a command that only ended during the interval did not cause it');
  const b = tracker.start('graphql query Dashboard');
  busy(40);
  b.close();
  assert.deepEqual(within(t2), ['graphql query Dashboard'], 'closed since the last look, after running long');
  tracker.forgetEnded();
  assert.deepEqual(within(t2), []);
  assert.equal(tracker.size, 1);
});

test('a labelled stall is logged with its label and counted; an unlabelled one has no label', async () => {
  const { activities, dog, stalls, entries } = watchdog();
  dog.start();
  try {
    await turn();
    const a = activities.start('delivery sieve Q1');
    busy(250);
    a.close();
    await turn();
    busy(250);
    await turn();
  } finally {
    dog.stop();
  }
  assert.equal(stalls.length, 2, JSON.stringify(stalls));
  assert.deepEqual(stalls[0].running, ['delivery sieve Q1']);
  assert.ok(stalls[0].ms >= 200, `${stalls[0].ms}`);
  if (clock.available) assert.ok((stalls[0].cpuMs ?? 0) >= 200, `${stalls[0].cpuMs}`);
  assert.deepEqual(stalls[1].running, []);
  assert.equal(dog.stats.stalls, 2);
  assert.equal(dog.stats.engineStalls, 1);
  assert.ok(dog.stats.longestMs >= 200);
  const logged = entries.filter((e) => e.text === 'event loop stalled');
  assert.equal(logged.length, 2);
  assert.equal(logged[0].running, 'delivery sieve Q1');
  assert.match(String(logged[1].running), /nothing labelled/);
});

test('short pauses and an idle loop are not stalls of the thread\'s own making', async () => {
  const { dog, stalls } = watchdog();
  dog.start();
  await turn(30);
  busy(40);
  await turn(200);
  const measured = dog.measuresCpu;
  dog.stop();
  // On a busy machine the process may wait for a CPU past the threshold: a stall, but not one of 100 ms of CPU.
  if (measured) assert.deepEqual(stalls.filter((s) => (s.cpuMs ?? 0) >= 100), []);
  else assert.deepEqual(stalls, []);
});

test('an IMAP command that holds the loop fails the test with its label (TestEngine.stop throws)', async () => {
  const t = await startEngine({ users: [ALICE] });
  after(() => t.engine.stop());
  const store = t.engine.ctx.store;
  // Every LIST now takes 200 ms of CPU, as a slow query would. The slow code is compiled under
  // a file name of its own: the profiler must see engine code holding the loop, not the test's.
  const slowly = vm.runInThisContext(
    '(function (original, busy) { return function mailboxes() { busy(200); return original.apply(this, arguments); }; })',
    { filename: '/pillarbox-injected/slow-store.js' },
  ) as (original: typeof store.mailboxes, busy: (ms: number) => void) => typeof store.mailboxes;
  const spin = vm.runInThisContext(
    '(function (clock) { return function busy(ms) { if (!clock.read()) { const end = performance.now() + ms; while (performance.now() < end); return; } const start = clock.cpuMs; do clock.read(); while (clock.cpuMs - start < ms); }; })',
    { filename: '/pillarbox-injected/spin.js' },
  ) as (clock: ThreadCpuClock) => (ms: number) => void;
  store.mailboxes = slowly(store.mailboxes, spin(clock));
  const c = await loggedIn(t);
  await c.command('a1 LIST "" "*"', /^a1 OK/);
  await c.command('a2 LOGOUT', /^a2 OK/);
  const found = t.engineStalls();
  assert.ok(found.length >= 1);
  assert.ok(found.some((s) => s.running.includes('imap LIST alice')), JSON.stringify(found));
  await assert.rejects(() => t.stop(), /stalled the event loop .*\n.*profile: \d+ ms in engine code.*imap LIST alice/);
});

test('test code that holds the loop while a delivery waits (in progress, not running) does not fail the test', async () => {
  const t = await startEngine({ users: [ALICE], settings: { smtpEarlyTalkerWaitMs: 0 } });
  // A first delivery stage that waits 400 ms, as a slow disk or clamd would.
  const processor = (t.engine.ctx.queue as unknown as { processor: { stages: { name: string; run(): Promise<void> }[] } }).processor;
  let entered!: () => void;
  const waiting = new Promise<void>((resolve) => (entered = resolve));
  processor.stages.unshift({ name: 'slow', run: () => (entered(), new Promise((r) => setTimeout(r, 400))) });
  const delivered = new Promise<void>((resolve) => t.engine.ctx.queue.once('settled', () => resolve()));
  try {
    const sent = await smtpSend(t.ports.smtp, 'bob@example.org', ['alice@example.test'], simpleMessage('slow'));
    assert.match(sent.data ?? '', /^250 /);
    await waiting;
    busy(200); // the test's own computation, while "delivery slow <id>" is in progress
    await delivered;
    const candidates = t.engineStalls();
    assert.ok(
      candidates.some((c) => c.running.some((r) => r.startsWith('delivery slow'))),
      `the watchdog alone would blame the delivery: ${JSON.stringify(candidates)}`,
    );
  } finally {
    await t.stop(); // the profile shows the test's frames: no failure
  }
});

test('test code that holds the loop between commands does not fail the test', async () => {
  const t = await startEngine({ users: [ALICE] });
  try {
    const c = await loggedIn(t);
    await c.command('a1 NOOP', /^a1 OK/);
    busy(200); // right after a command ended
    const reply = c.command('a2 NOOP', /^a2 OK/);
    busy(200); // right after the next was sent
    await reply;
    await turn();
    await c.command('a3 LOGOUT', /^a3 OK/);
    assert.ok(t.engine.ctx.watchdog.stats.stalls >= 1);
    assert.deepEqual(t.engineStalls(), []);
  } finally {
    await t.stop();
  }
});
