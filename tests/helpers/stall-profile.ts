import inspector from 'node:inspector';
import type { Stall } from '../../server/metrics/event-loop-watchdog';

/**
 * Whose code held the event loop during a stall, from V8's sampling profiler, which runs in
 * the test process while an engine does (a sample every 2 ms, on V8's own thread).
 *
 * The watchdog names the engine work that was in progress during a stall, but in-progress
 * includes waiting on the disk: a test that fills a disk with one 60 MB write while a
 * delivery waits for its fsync would be blamed on the delivery. The profile settles it: a
 * sample whose stack holds a frame of the tests (dist/tests/) is the test's own work, even
 * where it called into engine code; one with engine frames (dist/server/, dist/graphql/) and
 * no test frame is the engine's; the rest (GC, idle, Node internals) is nobody's.
 */
export interface StallShare {
  engineMs: number;
  testMs: number;
  otherMs: number;
  /** Where the engine's time went: its innermost engine function per sample, most first (up to three). */
  engineTop: string[];
}

const INTERVAL_US = 2000;
let session: inspector.Session | undefined;
let users = 0;
/** Stalls waiting to be classified, and the verdicts of those that were. */
const pending = new Set<Stall>();
const verdicts = new WeakMap<Stall, StallShare>();
/** performance.now() (ms) to the profiler's clock (µs of the monotonic clock, as process.hrtime). */
const offsetUs = Number(process.hrtime.bigint() / 1000n) - performance.now() * 1000;

function post<T>(method: string, params: object = {}): Promise<T> {
  return new Promise((resolve, reject) => {
    (session as inspector.Session).post(method, params, (err, result) => (err ? reject(err) : resolve(result as T)));
  });
}

/** Starts the profiler for one more engine (it runs while any test engine does). */
export async function profileFor(): Promise<boolean> {
  try {
    if (users++ === 0) {
      session = new inspector.Session();
      session.connect();
      await post('Profiler.enable');
      await post('Profiler.setSamplingInterval', { interval: INTERVAL_US });
      await post('Profiler.start');
    }
    return true;
  } catch {
    users--;
    session = undefined;
    return false;
  }
}

/** A stall to look at when the profile is next taken. */
export function watch(stall: Stall): void {
  pending.add(stall);
}

interface ProfileNode {
  id: number;
  callFrame: { url: string; functionName: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Takes the profile so far, classifies every pending stall with it, and goes on profiling. */
async function takeProfile(): Promise<void> {
  if (!session || pending.size === 0) return;
  const { profile } = await post<{ profile: Profile }>('Profiler.stop');
  await post('Profiler.start');
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const kind = new Map<number, 'test' | 'engine' | 'other'>();
  /** The innermost engine frame of each node's stack. */
  const where = new Map<number, string>();
  const walk = (node: ProfileNode, test: boolean, engine: boolean, inner: string | undefined) => {
    const { url, functionName, lineNumber } = node.callFrame;
    const t = test || url.includes('/dist/tests/');
    const own = url.includes('/dist/server/') || url.includes('/dist/graphql/');
    const e = engine || own;
    const here = own ? `${functionName || '(anonymous)'} ${url.slice(url.indexOf('/dist/') + 6)}:${lineNumber + 1}` : inner;
    kind.set(node.id, t ? 'test' : e ? 'engine' : 'other');
    if (here) where.set(node.id, here);
    for (const c of node.children ?? []) {
      const child = byId.get(c);
      if (child) walk(child, t, e, here);
    }
  };
  walk(profile.nodes[0], false, false, undefined);
  const stalls = [...pending];
  pending.clear();
  const shares = stalls.map(() => ({ engineMs: 0, testMs: 0, otherMs: 0, engineTop: [] as string[], spots: new Map<string, number>() }));
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    const ms = (profile.timeDeltas[i + 1] ?? INTERVAL_US) / 1000;
    stalls.forEach((s, j) => {
      if (t < s.from * 1000 + offsetUs || t > s.to * 1000 + offsetUs) return;
      const k = kind.get(profile.samples[i]) ?? 'other';
      if (k === 'engine') {
        shares[j].engineMs += ms;
        const spot = where.get(profile.samples[i]) ?? '?';
        shares[j].spots.set(spot, (shares[j].spots.get(spot) ?? 0) + ms);
      }
      else if (k === 'test') shares[j].testMs += ms;
      else shares[j].otherMs += ms;
    });
  }
  stalls.forEach((s, j) => {
    const { spots, ...share } = shares[j];
    share.engineTop = [...spots].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([spot, ms]) => `${spot} (${Math.round(ms)} ms)`);
    verdicts.set(s, share);
  });
}

/** Whose the stall was (undefined when no profile could be had: then the watchdog's word stands). */
export async function shareOf(stall: Stall): Promise<StallShare | undefined> {
  if (pending.has(stall)) await takeProfile().catch(() => undefined);
  return verdicts.get(stall);
}

/** One engine fewer; the profiler stops with the last. */
export async function release(): Promise<void> {
  if (users === 0 || --users > 0) return;
  await takeProfile().catch(() => undefined);
  try {
    await post('Profiler.stop');
  } catch {
    // already stopped
  }
  session?.disconnect();
  session = undefined;
}
