export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls `count()` every `intervalMs` until it reaches `target`. Fails when the count has not
 * moved for `stallMs` (the system under test is stuck), with how far it got.
 */
export async function waitForCount(
  count: () => number,
  target: number,
  opts: { intervalMs?: number; stallMs: number; what: string; from?: number; aborted?: () => string | undefined },
): Promise<void> {
  const interval = opts.intervalMs ?? 50;
  const from = opts.from ?? 0;
  const progress = (n: number): string => `${n - from} of ${target - from}`;
  let last = -1;
  let lastChange = Date.now();
  while (true) {
    const n = count();
    if (n >= target) return;
    if (n !== last) {
      last = n;
      lastChange = Date.now();
    }
    const abort = opts.aborted?.();
    if (abort) throw new Error(`${abort} (${opts.what}: ${progress(n)})`);
    if (Date.now() - lastChange > opts.stallMs) {
      throw new Error(`${opts.what}: stuck at ${progress(n)} for ${Math.round(opts.stallMs / 1000)} s`);
    }
    await sleep(interval);
  }
}

/** Polls `check()` until it returns a value, or throws after `timeoutMs`. */
export async function waitFor<T>(check: () => T | undefined, timeoutMs: number, what: string, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
    await sleep(intervalMs);
  }
}
