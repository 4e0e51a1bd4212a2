import { COMMANDS } from './commands';
import { CompileContext } from './compiler';
import type { CommandNode, TestNode } from './parser';
import { Flow, type Exec, type TestFn } from './runtime';
import { TESTS } from './tests';

/** Every extension this implementation knows (the ManageSieve SIEVE capability lists these). */
export const SIEVE_EXTENSIONS: readonly string[] = [
  'fileinto', 'reject', 'ereject', 'envelope', 'encoded-character', 'imap4flags', 'copy', 'body', 'relational',
  'comparator-i;ascii-numeric', 'comparator-i;octet', 'comparator-i;ascii-casemap', 'subaddress', 'vacation',
  'vacation-seconds', 'variables', 'date', 'index', 'mailbox', 'include', 'spamtest', 'spamtestplus', 'virustest',
  'regex',
];

/** Extensions that only make sense with another one (RFC 5260 index needs date; RFC 6131 needs vacation). */
const DEPENDS: Record<string, string> = { index: 'date', 'vacation-seconds': 'vacation' };

function extAvailable(cc: CompileContext, ext: string | string[] | undefined): boolean {
  if (ext === undefined) return true;
  return (Array.isArray(ext) ? ext : [ext]).some((e) => cc.has(e));
}

function requireHint(ext: string | string[]): string {
  return Array.isArray(ext) ? ext[0] : ext;
}

/** Handles the leading require commands; returns how many nodes they took. */
export function processRequires(cc: CompileContext, nodes: CommandNode[]): number {
  let i = 0;
  for (; i < nodes.length && nodes[i].name === 'require'; i++) {
    const node = nodes[i];
    const parsed = cc.parseArgs(node, { tags: {}, positional: ['strings'] }, 'require');
    if (node.block) cc.fail('require takes no block', node);
    const arg = parsed.positional[0];
    if (arg.kind !== 'strings') continue;
    for (const lit of arg.values) {
      const ext = lit.value.toLowerCase();
      if (!SIEVE_EXTENSIONS.includes(ext)) cc.fail(`unsupported extension "${lit.value}"`, lit);
      if (!cc.allowed.has(ext)) cc.fail(`the extension "${lit.value}" is not enabled on this server`, lit);
      cc.requires.add(ext);
    }
  }
  for (const [ext, needs] of Object.entries(DEPENDS)) {
    if (cc.has(ext) && !cc.has(needs)) {
      const node = nodes.slice(0, i).find((n) => n.args.some((a) => a.kind === 'strings' && a.values.some((v) => v.value.toLowerCase() === ext)));
      cc.fail(`the extension "${ext}" needs "${needs}" too`, node ?? nodes[0]);
    }
  }
  cc.captures = cc.has('variables');
  return i;
}

export function compileTest(cc: CompileContext, node: TestNode): TestFn {
  const def = TESTS[node.name];
  if (!def) cc.fail(`unknown test "${node.name}"`, node);
  if (!extAvailable(cc, def.ext)) cc.fail(`unknown test "${node.name}" (it needs require "${requireHint(def.ext ?? '')}")`, node);
  const fn = def.compile(cc, node, (n) => compileTest(cc, n));
  const pos = { line: node.line, column: node.column };
  return (rt) => {
    rt.step(pos);
    return fn(rt);
  };
}

function compileCommand(cc: CompileContext, node: CommandNode): Exec {
  if (node.name === 'require') cc.fail('require must come before any other command, at the top of the script', node);
  if (node.name === 'forward' && cc.options.legacySyntax !== false) {
    // The seed's sample script uses pre-RFC "forward": run it as redirect.
    node = { ...node, name: 'redirect' };
  }
  const def = COMMANDS[node.name];
  if (!def) {
    if (node.name === 'elsif' || node.name === 'else') cc.fail(`"${node.name}" without a preceding "if"`, node);
    if (TESTS[node.name]) cc.fail(`"${node.name}" is a test, not a command`, node);
    cc.fail(`unknown command "${node.name}"`, node);
  }
  if (!extAvailable(cc, def.ext)) cc.fail(`unknown command "${node.name}" (it needs require "${requireHint(def.ext ?? '')}")`, node);
  if (node.block) cc.fail(`"${node.name}" takes no block; end it with ";"`, node);
  const exec = def.compile(cc, node);
  const pos = { line: node.line, column: node.column };
  return (rt) => {
    rt.step(pos);
    return exec(rt);
  };
}

/** Compiles an if/elsif/else chain starting at nodes[start]; returns the Exec and the nodes used. */
function compileIf(cc: CompileContext, nodes: CommandNode[], start: number, depth: number): { exec: Exec; used: number } {
  const branches: { test?: TestFn; body: Exec }[] = [];
  let i = start;
  for (;;) {
    let node = nodes[i];
    if (node.name === 'else' && cc.options.legacySyntax !== false && node.tests.length === 1 && node.tests[0].name === 'if' && node.tests[0].args.length === 0) {
      // "else if TEST { … }" (the seed's sample) parses as else with a test named if: read it as elsif.
      node = { ...node, name: 'elsif', tests: node.tests[0].tests };
    }
    const isElse = node.name === 'else';
    if (isElse) cc.parseArgs(node, { tags: {}, positional: [] }, 'else');
    else cc.parseArgs(node, { tags: {}, positional: [], tests: 'one' }, node.name);
    if (!node.block) cc.fail(`"${node.name}" needs a block`, node);
    const test = isElse ? undefined : compileTest(cc, node.tests[0]);
    branches.push({ test, body: compileBlock(cc, node.block, depth + 1) });
    i++;
    if (isElse || i >= nodes.length || (nodes[i].name !== 'elsif' && nodes[i].name !== 'else')) break;
  }
  const exec: Exec = (rt) => {
    for (const b of branches) if (!b.test || b.test(rt)) return b.body(rt);
    return Flow.Next;
  };
  return { exec, used: i - start };
}

export function compileBlock(cc: CompileContext, nodes: CommandNode[], depth: number, from = 0): Exec {
  const execs: Exec[] = [];
  for (let i = from; i < nodes.length; ) {
    const node = nodes[i];
    if (node.name === 'if') {
      const r = compileIf(cc, nodes, i, depth);
      execs.push(r.exec);
      i += r.used;
      continue;
    }
    execs.push(compileCommand(cc, node));
    i++;
  }
  if (execs.length === 1) return execs[0];
  return (rt) => {
    for (const e of execs) {
      const f = e(rt);
      if (f !== Flow.Next) return f;
    }
    return Flow.Next;
  };
}

export { CompileContext };
