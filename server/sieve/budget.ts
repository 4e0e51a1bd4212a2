import { performance } from 'node:perf_hooks';
import { SieveFault, type SievePosition } from './errors';

/**
 * What a long computation calls as it goes: `spend(n)` records n units of work and, now and then,
 * looks at the clock. The matchers take one so a single test on a large value can be stopped.
 */
export interface WorkMeter {
  spend(units: number): void;
}

/** Thrown when a run has used up its time; runSieve turns it into the implicit keep. */
export class SieveBudgetExceeded extends SieveFault {
  constructor(
    readonly limitMs: number,
    pos: SievePosition = { line: 0, column: 0 },
  ) {
    super(`the script ran longer than its ${limitMs} ms budget and was stopped`, pos);
  }
}

/** Units of work between two looks at the clock: about 0.1-1 ms of matching. */
const UNITS_PER_CHECK = 8192;

/**
 * The time budget of one Sieve run (one script, one recipient, one message). The interpreter spends
 * a unit per command and test, the matchers one per step; every UNITS_PER_CHECK units (and at each
 * command) the wall clock is read. A run is synchronous JavaScript, so its wall time is its CPU time
 * plus whatever the machine took away from it.
 */
export class RunBudget implements WorkMeter {
  private readonly deadline: number;
  private units = 0;
  private nextCheck = UNITS_PER_CHECK;
  /** Where the interpreter is, for the error message. */
  at: SievePosition = { line: 0, column: 0 };

  constructor(readonly limitMs: number) {
    this.deadline = limitMs > 0 && Number.isFinite(limitMs) ? performance.now() + limitMs : Infinity;
  }

  spend(units: number): void {
    this.units += units;
    if (this.units >= this.nextCheck) {
      this.nextCheck = this.units + UNITS_PER_CHECK;
      this.check();
    }
  }

  /** Reads the clock now (the interpreter does so at every command). */
  check(): void {
    if (performance.now() > this.deadline) throw new SieveBudgetExceeded(this.limitMs, this.at);
  }
}

/** For callers with no budget (unit tests, compile-time work). */
export const UNMETERED: WorkMeter = { spend: () => undefined };
