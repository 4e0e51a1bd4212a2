import { ActionSet } from './actions';
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
}

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

  constructor(
    readonly msg: SieveMessage,
    readonly envelope: Envelope,
    readonly facts: RunFacts,
    limits: { maxActions: number; maxRedirects: number },
  ) {
    this.actions = new ActionSet(limits);
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

  expand(t: Template): string {
    if (typeof t === 'string') return t;
    let out = '';
    for (const p of t) {
      if (typeof p === 'string') out += p;
      else if (p.kind === 'match') out += this.matchVars[p.index] ?? '';
      else out += this.getVar(p.name, p.global);
    }
    return out;
  }

  fail(message: string, pos: SievePosition): never {
    throw new SieveFault(message, pos);
  }
}
