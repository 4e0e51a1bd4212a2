import { createRequire } from 'node:module';

/** Resolves in a later turn of the event loop, after the I/O that is waiting (new connections, data). */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Runs the steps one per turn of the event loop: work that can follow the listeners (loading
 * libraries, scheduling jobs) comes in pieces, so that a client connecting meanwhile waits for
 * one piece at most, not for all of them. The rest is skipped once `cancelled` says so.
 */
export async function inTurns(steps: (() => unknown)[], cancelled: () => boolean = () => false): Promise<void> {
  for (const step of steps) {
    await nextTurn();
    if (cancelled()) return;
    await step();
  }
}

/**
 * Steps that load modules one by one into the module cache, each in its own turn (inTurns),
 * e.g. a large library's dependencies before the library. `within` names the library whose
 * copies of the dependencies are meant (they are resolved from its own file). A module that
 * cannot be loaded is skipped: whoever needs it loads it again at first use, and fails there.
 */
export function moduleSteps(ids: string[], within?: string): (() => void)[] {
  return ids.map((id) => () => {
    try {
      (within ? createRequire(require.resolve(within)) : require)(id);
    } catch {
      // See above: retried at first use.
    }
  });
}
