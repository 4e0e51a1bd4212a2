import { SieveFault, type SievePosition } from './errors';
import { tokenize, type Token } from './lexer';

/** One string as written, with where it starts (string lists keep a position per element). */
export interface StringLit extends SievePosition {
  value: string;
  multiline: boolean;
}

export type Argument =
  | ({ kind: 'tag'; name: string } & SievePosition)
  | ({ kind: 'number'; value: number } & SievePosition)
  | ({ kind: 'strings'; values: StringLit[]; list: boolean } & SievePosition);

export interface TestNode extends SievePosition {
  name: string;
  args: Argument[];
  tests: TestNode[];
}

export interface CommandNode extends SievePosition {
  name: string;
  args: Argument[];
  tests: TestNode[];
  /** Commands in the block, or undefined when the command ended with ";". */
  block?: CommandNode[];
}

export interface ParseLimits {
  /** Deepest block nesting ({ … } inside { … }). */
  maxBlockDepth: number;
  /** Deepest test nesting (anyof(not(allof(…)))). */
  maxTestDepth: number;
}

/** The syntax tree of a script (RFC 5228 section 8.2); meaning is checked by the compiler. */
export function parseScript(src: string, limits: ParseLimits): CommandNode[] {
  const tokens = tokenize(src);
  let p = 0;
  const peek = (): Token => tokens[p];
  const next = (): Token => tokens[p++];
  const isPunct = (t: Token, c: string): boolean => t.kind === 'punct' && t.value === c;
  const where = (t: Token): SievePosition => ({ line: t.line, column: t.column });
  const describe = (t: Token): string =>
    t.kind === 'eof' ? 'end of script' : t.kind === 'string' ? 'a string' : t.kind === 'tag' ? `":${t.value}"` : `"${t.value}"`;

  const commands = parseCommands(0);
  if (peek().kind !== 'eof') throw new SieveFault(`unexpected ${describe(peek())}`, where(peek()));
  return commands;

  function parseCommands(depth: number): CommandNode[] {
    const list: CommandNode[] = [];
    while (peek().kind === 'identifier') list.push(parseCommand(depth));
    return list;
  }

  function parseCommand(depth: number): CommandNode {
    const id = next();
    const { args, tests } = parseArguments(0);
    const node: CommandNode = { name: id.value, args, tests, ...where(id) };
    const t = next();
    if (isPunct(t, ';')) return node;
    if (isPunct(t, '{')) {
      if (depth + 1 > limits.maxBlockDepth) throw new SieveFault(`blocks are nested deeper than ${limits.maxBlockDepth}`, where(t));
      node.block = parseCommands(depth + 1);
      const close = next();
      if (!isPunct(close, '}')) throw new SieveFault(`expected "}" but found ${describe(close)}`, where(close));
      return node;
    }
    throw new SieveFault(`expected ";" or "{" after the "${id.value}" command but found ${describe(t)}`, where(t));
  }

  function parseArguments(testDepth: number): { args: Argument[]; tests: TestNode[] } {
    const args: Argument[] = [];
    for (;;) {
      const t = peek();
      if (t.kind === 'tag') {
        p++;
        args.push({ kind: 'tag', name: t.value, ...where(t) });
      } else if (t.kind === 'number') {
        p++;
        args.push({ kind: 'number', value: t.number ?? 0, ...where(t) });
      } else if (t.kind === 'string') {
        p++;
        args.push({ kind: 'strings', values: [lit(t)], list: false, ...where(t) });
      } else if (isPunct(t, '[')) {
        p++;
        const values: StringLit[] = [];
        for (;;) {
          const s = next();
          if (s.kind !== 'string') throw new SieveFault(`expected a string in the string list but found ${describe(s)}`, where(s));
          values.push(lit(s));
          const sep = next();
          if (isPunct(sep, ']')) break;
          if (!isPunct(sep, ',')) throw new SieveFault(`expected "," or "]" in the string list but found ${describe(sep)}`, where(sep));
        }
        args.push({ kind: 'strings', values, list: true, ...where(t) });
      } else break;
    }
    const tests: TestNode[] = [];
    const t = peek();
    if (t.kind === 'identifier') {
      tests.push(parseTest(testDepth + 1));
    } else if (isPunct(t, '(')) {
      p++;
      for (;;) {
        tests.push(parseTest(testDepth + 1));
        const sep = next();
        if (isPunct(sep, ')')) break;
        if (!isPunct(sep, ',')) throw new SieveFault(`expected "," or ")" in the test list but found ${describe(sep)}`, where(sep));
      }
    }
    return { args, tests };
  }

  function parseTest(depth: number): TestNode {
    const id = next();
    if (id.kind !== 'identifier') throw new SieveFault(`expected a test but found ${describe(id)}`, where(id));
    if (depth > limits.maxTestDepth) throw new SieveFault(`tests are nested deeper than ${limits.maxTestDepth}`, where(id));
    const { args, tests } = parseArguments(depth);
    return { name: id.value, args, tests, ...where(id) };
  }

  function lit(t: Token): StringLit {
    return { value: t.value, multiline: t.multiline === true, line: t.line, column: t.column };
  }
}
