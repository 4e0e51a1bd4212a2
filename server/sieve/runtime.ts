import { ActionSet } from './actions';
import { RunBudget } from './budget';
import { type CodePoints, codePoints } from './codepoints';
import type { Comparator } from './comparators';
import { SieveFault, type SievePosition } from './errors';
import type { SieveMessage } from './message';
import type { Template } from './strings';

/** How a command list ended: run on, stop the whole run, or return from an included script. */
export const enum Flow {
  Next = 0,
  Stop = 1,
  Return = 2,
}

export type Exec = (rt: Runtime) => Flow;
export type TestFn = (rt: Runtime) => boolean;

export interface Envelope {
  /** The reverse path ("" for the null sender). */
  from: string;
  /** The recipient this delivery is for. */
  to: string;
  /** The original recipient, before alias expansion; envelope "to" reports it when given. */
  orig?: string;
}

export interface IncludeTarget {
  key: string;
  name: string;
  scope: 'personal' | 'global';
  /** True when every include of it in the script is :optional. */
  optional: boolean;
  /** Where the first include of it is, for errors. */
  line: number;
  column: number;
}

/** Facts about the world the run may ask for; all synchronous so tests stay cheap. */
export interface RunFacts {
  mailboxExists(name: string): boolean;
  userAddresses: string[];
  spamScore?: number;
  spamPercent?: number;
  virusScore?: number;
  now: Date;
  /** Minutes east of UTC used when a date test has no :zone; undefined: the server's zone. */
  zoneOffset?: number;
  maxVariableSize: number;
  maxIncludeDepth: number;
  /** Characters of one value (a header, a body part) that :contains, :matches and :regex look at. */
  maxMatchedSize: number;
}

/** Longest string a variable reference expansion builds (the size of the largest script). */
export const MAX_EXPANDED_SIZE = 1024 * 1024;
/** Values at least this long are worth caching (folded, as code points) for the next test. */
const LARGE_VALUE = 4096;
const LARGE_CACHE_ENTRIES = 16;

/** A compiled script as the runtime sees it (index.ts wraps it as SieveScript). */
export interface CompiledBody {
  readonly name: string;
  readonly exec: Exec;
}

const MAX_MATCH_VARS = 10;

/** Everything one run of a script (and the scripts it includes) shares. */
export class Runtime {
  readonly actions: ActionSet;
  readonly globals = new Map<string, string>();
  vars = new Map<string, string>();
  matchVars: string[] = [];
  /** The imap4flags internal variable (RFC 5232 section 3), a space-separated flag list. */
  internalFlags = '';
  flagsUsed = false;
  /** Included scripts, loaded before the run; undefined for a missing script. */
  readonly loaded = new Map<string, { script: CompiledBody } | { error: string } | undefined>();
  readonly includedOnce = new Set<string>();
  readonly includeStack: string[] = [];
  scriptName = '';
  /** The run's time budget: the interpreter and the matchers spend from it. */
  budget = new RunBudget(Infinity);
  private readonly foldCache = new Map<string, string>();
  private readonly cpCache = new Map<string, CodePoints>();

  constructor(
    readonly msg: SieveMessage,
    readonly envelope: Envelope,
    readonly facts: RunFacts,
    limits: { maxActions: number; maxRedirects: number },
  ) {
    this.actions = new ActionSet(limits);
  }

  /** Starts the clock: the run may take `ms` milliseconds from now. */
  startBudget(ms: number): void {
    this.budget = new RunBudget(ms);
  }

  /** Called before each command and test: notes where the run is and stops it when its time is up. */
  step(pos: SievePosition): void {
    this.budget.at = pos;
    this.budget.spend(1);
    this.budget.check();
  }

  /** The part of a value that substring and pattern tests look at (limit maxMatchedSize). */
  scanned(v: string): string {
    return v.length > this.facts.maxMatchedSize ? v.slice(0, this.facts.maxMatchedSize) : v;
  }

  /** cmp.fold(v), remembered for large values (a body part is folded once per run, not once per test). */
  folded(v: string, cmp: Comparator): string {
    // Only i;ascii-casemap changes anything, so one cache serves every comparator that folds.
    if (v.length < LARGE_VALUE || !cmp.caseless) return cmp.fold(v);
    let f = this.foldCache.get(v);
    if (f === undefined) {
      if (this.foldCache.size >= LARGE_CACHE_ENTRIES) this.foldCache.clear();
      f = cmp.fold(v);
      this.foldCache.set(v, f);
      this.budget.spend(v.length >> 4);
    }
    return f;
  }

  /** The value as code points for the matchers, remembered for large values. */
  codePoints(v: string): CodePoints {
    if (v.length < LARGE_VALUE) return codePoints(v);
    let c = this.cpCache.get(v);
    if (!c) {
      if (this.cpCache.size >= LARGE_CACHE_ENTRIES) this.cpCache.clear();
      c = codePoints(v);
      this.cpCache.set(v, c);
      this.budget.spend(v.length >> 4);
    }
    return c;
  }

  getVar(name: string, global: boolean): string {
    return (global ? this.globals : this.vars).get(name) ?? '';
  }

  setVar(name: string, global: boolean, value: string): void {
    const v = value.length > this.facts.maxVariableSize ? value.slice(0, this.facts.maxVariableSize) : value;
    (global ? this.globals : this.vars).set(name, v);
  }

  setMatch(groups: ArrayLike<string | undefined>): void {
    const out: string[] = [];
    for (let i = 0; i < groups.length && i < MAX_MATCH_VARS; i++) out.push(groups[i] ?? '');
    this.matchVars = out;
  }

  /** Joins a string's pieces; the result is cut at MAX_EXPANDED_SIZE (a script cannot build more). */
  expand(t: Template): string {
    if (typeof t === 'string') return t;
    let out = '';
    for (const p of t) {
      if (typeof p === 'string') out += p;
      else if (p.kind === 'match') out += this.matchVars[p.index] ?? '';
      else out += this.getVar(p.name, p.global);
      if (out.length >= MAX_EXPANDED_SIZE) return out.slice(0, MAX_EXPANDED_SIZE);
    }
    this.budget.spend(t.length);
    return out;
  }

  fail(message: string, pos: SievePosition): never {
    throw new SieveFault(message, pos);
  }
}
