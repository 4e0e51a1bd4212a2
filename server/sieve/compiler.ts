import { SieveFault, type SieveError, type SievePosition } from './errors';
import type { Argument, CommandNode, StringLit, TestNode } from './parser';
import type { IncludeTarget, Runtime } from './runtime';
import { decodeEncodedCharacters, parseTemplate, type Template, type VarRef } from './strings';

export type ArgKind = 'string' | 'strings' | 'number';

export interface TagDef {
  /** The value the tag takes, if any (":days 7", ":comparator "i;octet""). */
  takes?: ArgKind;
  /** Tags of one group exclude each other (match types, address parts, :over/:under). */
  group?: string;
}

export interface Signature {
  tags: Record<string, TagDef>;
  positional: ArgKind[];
  /** When set, the first (positional.length - minPositional) positional arguments are optional. */
  minPositional?: number;
  /** How many tests the node takes: none (default), exactly one, or a non-empty list. */
  tests?: 'none' | 'one' | 'list';
}

export interface ParsedArgs {
  /** Present tags; the value is the tag's own argument, or undefined for a flag. */
  tags: Map<string, { arg?: Argument } & SievePosition>;
  positional: Argument[];
  groups: Map<string, string>;
}

export type StringArg = Extract<Argument, { kind: 'strings' }>;

export interface CompileOptions {
  /** Extensions scripts may require; default: every supported one. */
  extensionsAllowed?: readonly string[];
  /**
   * Accept what the seed's sample scripts (written for Cyrus timsieved) use but RFC 5228 does not:
   * the "forward" command as redirect, and tagged arguments after positional ones
   * (`header ["From"] :contains ["Mom"]`). Default true; see docs/sieve.md.
   */
  legacySyntax?: boolean;
}

/** State while compiling one script: required extensions, declared globals, includes found. */
export class CompileContext {
  readonly requires = new Set<string>();
  readonly globals = new Set<string>();
  readonly includes: IncludeTarget[] = [];
  /** Problems that do not stop the script from running (RFC 5804 WARNINGS). */
  readonly warnings: SieveError[] = [];
  /** Set when the script can observe match variables, so matching captures groups. */
  captures = false;

  constructor(
    readonly allowed: ReadonlySet<string>,
    readonly options: CompileOptions,
  ) {}

  has(ext: string): boolean {
    return this.requires.has(ext);
  }

  warn(message: string, pos: SievePosition): void {
    this.warnings.push({ line: pos.line, column: pos.column, message });
  }

  fail(message: string, pos: SievePosition): never {
    throw new SieveFault(message, pos);
  }

  /** A string literal after encoded-character decoding and variable parsing (when those are required). */
  template(lit: StringLit): Template {
    let s = lit.value;
    if (this.has('encoded-character')) s = decodeEncodedCharacters(s, lit);
    if (!this.has('variables')) return s;
    return parseTemplate(
      s,
      (name) => this.globals.has(name),
      (ns, name): VarRef => {
        if (ns === 'global' && this.has('include') && !name.includes('.')) return { kind: 'var', name, global: true };
        this.fail(`variable "\${${ns}.${name}}" is in an unknown namespace`, lit);
      },
    );
  }

  /** A string argument that is a plain constant (no variables), for names that must be known at compile time. */
  constant(lit: StringLit): string {
    let s = lit.value;
    if (this.has('encoded-character')) s = decodeEncodedCharacters(s, lit);
    return s;
  }

  parseArgs(node: CommandNode | TestNode, sig: Signature, what: string): ParsedArgs {
    const tags = new Map<string, { arg?: Argument } & SievePosition>();
    const groups = new Map<string, string>();
    const positional: Argument[] = [];
    const args = node.args;
    for (let i = 0; i < args.length; i++) {
      const a = args[i];
      if (a.kind === 'tag') {
        if (positional.length > 0 && this.options.legacySyntax === false) this.fail(`the tag ":${a.name}" must come before the positional arguments of ${what}`, a);
        const def = sig.tags[a.name];
        if (!def) this.fail(`unknown tagged argument ":${a.name}" for ${what}`, a);
        if (tags.has(a.name)) this.fail(`":${a.name}" is given twice for ${what}`, a);
        if (def.group) {
          const other = groups.get(def.group);
          if (other) this.fail(`":${a.name}" cannot be combined with ":${other}" in ${what}`, a);
          groups.set(def.group, a.name);
        }
        let arg: Argument | undefined;
        if (def.takes) {
          arg = args[++i];
          if (!arg || !kindMatches(arg, def.takes)) this.fail(`":${a.name}" needs ${describeKind(def.takes)} in ${what}`, a);
        }
        tags.set(a.name, { arg, line: a.line, column: a.column });
        continue;
      }
      positional.push(a);
    }
    const min = sig.minPositional ?? sig.positional.length;
    if (positional.length < min || positional.length > sig.positional.length) {
      const p = positional[sig.positional.length] ?? node;
      this.fail(
        positional.length > sig.positional.length
          ? `too many arguments for ${what}`
          : `${what} needs ${sig.positional.length} positional argument${sig.positional.length === 1 ? '' : 's'} (${sig.positional.map(describeKind).join(', ')})`,
        p,
      );
    }
    const skip = sig.positional.length - positional.length;
    positional.forEach((a, idx) => {
      const k = sig.positional[idx + skip];
      if (!kindMatches(a, k)) this.fail(`argument ${idx + 1} of ${what} must be ${describeKind(k)}`, a);
    });
    const want = sig.tests ?? 'none';
    if (want === 'none' && node.tests.length > 0) this.fail(`${what} takes no test`, node.tests[0]);
    if (want === 'one' && node.tests.length !== 1) this.fail(`${what} needs exactly one test`, node.tests[1] ?? node);
    if (want === 'list' && node.tests.length === 0) this.fail(`${what} needs a list of tests`, node);
    return { tags, positional, groups };
  }
}

function kindMatches(a: Argument, k: ArgKind): boolean {
  if (k === 'number') return a.kind === 'number';
  if (a.kind !== 'strings') return false;
  return k === 'strings' || !a.list || a.values.length === 1;
}

function describeKind(k: ArgKind): string {
  return k === 'number' ? 'a number' : k === 'string' ? 'a string' : 'a string list';
}

export function stringsOf(a: Argument | undefined): StringArg {
  if (!a || a.kind !== 'strings') throw new Error('internal: expected strings');
  return a;
}

export function numberOf(a: Argument | undefined): number {
  if (!a || a.kind !== 'number') throw new Error('internal: expected number');
  return a.value;
}

/** A compiled string list: constants stay constant, the rest expand at run time. */
export function listFn(cc: CompileContext, a: StringArg): (rt: Runtime) => string[] {
  const ts = a.values.map((v) => cc.template(v));
  if (ts.every((t) => typeof t === 'string')) {
    const c = ts as string[];
    return () => c;
  }
  return (rt) => ts.map((t) => rt.expand(t));
}

export function stringFn(cc: CompileContext, a: StringArg): (rt: Runtime) => string {
  const t = cc.template(a.values[0]);
  if (typeof t === 'string') return () => t;
  return (rt) => rt.expand(t);
}
