import fs from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { JunkFilter } from '../server/junk/filter';
import { TokenStore } from '../server/junk/token-store';
import { UserJunkTables } from '../server/junk/user-tables';
import { verdictFor } from '../server/junk/verdict';
import { ThreadCpuClock } from '../server/metrics/thread-cpu';
import type { BenchContext, Column } from './types';

export const USER_TABLE_COLUMNS: Column[] = [
  { key: 'users', label: 'users', decimals: 0 },
  { key: 'tokensPerTable', label: 'tokens/table', decimals: 0 },
  { key: 'fileMbPerTable', label: 'file MB/table', decimals: 2 },
  { key: 'openTables', label: 'open at most', decimals: 0 },
  { key: 'memoryMbPerOpenTable', label: 'MB/open table', decimals: 2 },
  { key: 'memoryMbAllUsers', label: 'MB after all users', decimals: 1 },
  { key: 'recipients', label: 'recipients', decimals: 0 },
  { key: 'messageMsMedian', label: 'ms/message median', decimals: 1 },
  { key: 'messageMsMax', label: 'ms/message max', decimals: 1 },
  { key: 'messageCpuMsMedian', label: 'CPU ms/message median', decimals: 1 },
  { key: 'longestStretchMs', label: 'longest stretch ms', decimals: 1 },
  { key: 'longestStretchCpuMs', label: 'longest stretch main-thread CPU ms', decimals: 1 },
];

/** This process's CPU time in ms, all threads (the tables are loaded in a worker thread: that is CPU the message costs too). */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** The main thread's CPU time in ms, what a stretch of its event loop costs (the process's where the system does not tell). */
function mainThreadCpuMs(clock: ThreadCpuClock): number {
  return clock.read() ? clock.cpuMs : cpuMs();
}

/** Messages of each class one user's table learns: a user who has filed a while (the threshold is 200 of each). */
const LEARNT_PER_CLASS = 500;
/** Test messages sent to all the recipients, one after another. */
const MESSAGES = 5;

/** gc(), reachable without --expose-gc on the command line. */
function collectGarbage(): void {
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as () => void)();
}

function memoryMb(): number {
  collectGarbage();
  const m = process.memoryUsage();
  return (m.heapUsed + m.external + m.arrayBuffers) / 2 ** 20;
}

/**
 * Per-user token tables (junkTokenTables = per-user) at scale, in this process, through the
 * same objects the junk stage uses (UserJunkTables, JunkFilter): `users` tables of
 * LEARNT_PER_CLASS spam and ham each (one table trained from the corpus, copied per user);
 * the memory after every user's table was asked for once; then MESSAGES test messages each to
 * `recipients` users, scored per recipient as server/delivery/junk-stage.ts does, timing each
 * message's whole scoring and the longest stretch without a turn of the event loop (what the
 * 100 ms stall watchdog sees).
 */
export async function runUserTables(ctx: BenchContext, corpus: { train: { spam: string[]; ham: string[] }; test: { spam: string[]; ham: string[] } }, dir: string, users: number, recipients: number): Promise<Record<string, number>> {
  const dataDir = path.join(dir, 'data');
  const dbDir = path.join(dataDir, 'db');
  fs.mkdirSync(dbDir, { recursive: true });
  const first = path.join(dbDir, 'junk-user-1.db');
  ctx.log(`training one user's table on ${LEARNT_PER_CLASS} spam and ${LEARNT_PER_CLASS} ham`);
  const trainer = new JunkFilter(new TokenStore(first));
  trainer.learnMany(corpus.train.spam.slice(0, LEARNT_PER_CLASS).map((f) => fs.readFileSync(f)), 'spam');
  trainer.learnMany(corpus.train.ham.slice(0, LEARNT_PER_CLASS).map((f) => fs.readFileSync(f)), 'ham');
  const tokensPerTable = trainer.store.tokenCount();
  // The counts as one blob, which is what a table is loaded from (pillarbox learn writes it too).
  trainer.saveSnapshot();
  trainer.store.db.pragma('wal_checkpoint(TRUNCATE)');
  trainer.close();
  const fileMbPerTable = fs.statSync(first).size / 2 ** 20;
  ctx.log(`copying it for ${users} users (${fileMbPerTable.toFixed(2)} MB each)`);
  for (let id = 2; id <= users; id++) fs.copyFileSync(first, path.join(dbDir, `junk-user-${id}.db`));

  const tables = new UserJunkTables(dataDir);
  try {
    const before = memoryMb();
    let openTables = 0;
    let memoryMbPerOpenTable = 0;
    const probe = fs.readFileSync(corpus.test.ham[0]);
    for (let id = 1; id <= users; id++) {
      // Scored once, as a delivery to the user would: that loads the table's counts.
      if ((await tables.scoreFor([id], (table) => table.classify(probe))).size !== 1) throw new Error(`user ${id}'s table is not in use`);
      if (openTables === 0 && tables.openCount() < id) {
        // The cache let one go: it holds id - 1 at most.
        openTables = id - 1;
        memoryMbPerOpenTable = (memoryMb() - before) / openTables;
      }
    }
    if (openTables === 0) {
      openTables = users;
      memoryMbPerOpenTable = (memoryMb() - before) / users;
    }
    const memoryMbAllUsers = memoryMb() - before;
    ctx.log(`memory: ${memoryMbPerOpenTable.toFixed(2)} MB per open table, ${memoryMbAllUsers.toFixed(1)} MB after all ${users} users, at most ${openTables} open`);

    // A stretch is the time between two turns of the event loop; a timer that should fire every millisecond sees them.
    // On a busy machine the wall time of a stretch counts other processes' turns too; its CPU time does not.
    let longestStretchMs = 0;
    let longestStretchCpuMs = 0;
    const mainClock = new ThreadCpuClock();
    let last = performance.now();
    let lastCpu = mainThreadCpuMs(mainClock);
    const ticker = setInterval(() => {
      const now = performance.now();
      const cpu = mainThreadCpuMs(mainClock);
      longestStretchMs = Math.max(longestStretchMs, now - last);
      longestStretchCpuMs = Math.max(longestStretchCpuMs, cpu - lastCpu);
      last = now;
      lastCpu = cpu;
    }, 1);
    const times: number[] = [];
    const cpuTimes: number[] = [];
    try {
      for (let i = 0; i < MESSAGES; i++) {
        const raw = fs.readFileSync(i % 2 ? corpus.test.spam[i] : corpus.test.ham[i]);
        // A different set of recipients each time, as mail to many users comes in.
        const ids = Array.from({ length: recipients }, (_, k) => 1 + ((i * recipients + k) % users));
        last = performance.now();
        lastCpu = mainThreadCpuMs(mainClock);
        const start = performance.now();
        const startCpu = cpuMs();
        await tables.scoreFor(ids, (table) => verdictFor(table.classify(raw), 'moderate'));
        times.push(performance.now() - start);
        cpuTimes.push(cpuMs() - startCpu);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    } finally {
      clearInterval(ticker);
      mainClock.close();
    }
    times.sort((a, b) => a - b);
    cpuTimes.sort((a, b) => a - b);
    const metrics = {
      users,
      tokensPerTable,
      fileMbPerTable,
      openTables,
      memoryMbPerOpenTable,
      memoryMbAllUsers,
      recipients,
      messageMsMedian: times[Math.floor(times.length / 2)],
      messageMsMax: times[times.length - 1],
      messageCpuMsMedian: cpuTimes[Math.floor(cpuTimes.length / 2)],
      longestStretchMs,
      longestStretchCpuMs,
    };
    ctx.log(`a message to ${recipients} recipients: median ${metrics.messageMsMedian.toFixed(1)} ms (${metrics.messageCpuMsMedian.toFixed(1)} ms CPU), max ${metrics.messageMsMax.toFixed(1)} ms, longest stretch ${longestStretchMs.toFixed(1)} ms (${longestStretchCpuMs.toFixed(1)} ms CPU)`);
    return metrics;
  } finally {
    tables.close();
  }
}
