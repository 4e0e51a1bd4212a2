import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

// shared/DESIGN.md: imports run one way. server/ never imports graphql/ (except the
// composition root, server/main.ts), and the folders of server/ import each other without
// cycles, counting type-only imports and import('…') types too: a cycle of types is still a
// tangle of folders. docs/roadmap.md, "Where things live", says which way they run.

const ROOT = path.join(__dirname, '..', '..', '..');
const SERVER = path.join(ROOT, 'server');
const IMPORT = /^(?:import|export)\s+(?:type\s+)?(?:[^;]*?\s+from\s+)?'([^']+)'/gm;
/** import('../x') as a type or a dynamic import. */
const INLINE_IMPORT = /\bimport\(\s*'([^']+)'\s*\)/g;

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'console' ? [] : sources(full);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [full] : [];
  });
}

/** "server/smtp/x.ts" → "smtp"; "server/main.ts" → "main". */
function folderOf(file: string): string {
  const rel = path.relative(SERVER, file).split(path.sep);
  return rel.length > 1 ? rel[0] : rel[0].replace(/\.ts$/, '');
}

/** The relative module specifiers a source file imports, values and types alike. */
function specifiers(text: string): string[] {
  return [...text.matchAll(IMPORT), ...text.matchAll(INLINE_IMPORT)].map((m) => m[1]).filter((s) => s.startsWith('.'));
}

function imports(): { from: string; to: string; file: string; target: string }[] {
  const out: { from: string; to: string; file: string; target: string }[] = [];
  for (const file of sources(SERVER)) {
    for (const specifier of specifiers(fs.readFileSync(file, 'utf8'))) {
      const target = path.resolve(path.dirname(file), specifier);
      out.push({ from: folderOf(file), to: target.startsWith(SERVER + path.sep) ? folderOf(target + '.ts') : path.relative(ROOT, target), file: path.relative(ROOT, file), target });
    }
  }
  return out;
}

test('reads value, type-only, re-exported and inline imports', () => {
  const text = [
    "import fs from 'node:fs';",
    "import { a, type B } from '../a';",
    "import type {\n  C,\n} from '../c';",
    "export type { D } from './d';",
    "let e: import('../e').E;",
  ].join('\n');
  assert.deepEqual(specifiers(text), ['../a', '../c', './d', '../e']);
});

test('server/ imports graphql/ only in the composition root', () => {
  const offenders = imports().filter((i) => i.to.startsWith('graphql') && i.file !== path.join('server', 'main.ts'));
  assert.deepEqual(offenders.map((i) => `${i.file} -> ${i.to}`), []);
});

test('no cycle between the folders of server/', () => {
  const edges = new Map<string, Map<string, string>>();
  for (const i of imports()) {
    if (i.from === i.to || i.to.startsWith('graphql') || i.from === 'main') continue;
    if (!edges.has(i.from)) edges.set(i.from, new Map());
    edges.get(i.from)!.set(i.to, i.file);
  }
  // Depth-first search; a grey node met again closes a cycle.
  const state = new Map<string, 'grey' | 'black'>();
  const cycles: string[] = [];
  const visit = (node: string, trail: string[]) => {
    state.set(node, 'grey');
    for (const [next, file] of edges.get(node) ?? []) {
      if (state.get(next) === 'grey') cycles.push([...trail, node, next].slice(trail.indexOf(next) >= 0 ? trail.indexOf(next) : trail.length).join(' -> ') + ` (${file})`);
      else if (!state.has(next)) visit(next, [...trail, node]);
    }
    state.set(node, 'black');
  };
  for (const node of edges.keys()) if (!state.has(node)) visit(node, []);
  assert.deepEqual(cycles, []);
});

/**
 * docs/roadmap.md, "Where things live": the layers of server/, lowest first. A folder imports
 * from lower layers only; folders of one layer may import each other when no cycle results.
 */
const LAYERS: string[][] = [
  ['db', 'logs', 'mail', 'certs'],
  ['metrics', 'net'],
  ['config'],
  ['store', 'junk', 'backup'],
  ['directory', 'sieve', 'firmware'],
  ['queue', 'jobs', 'migration'],
  ['outbound', 'virus', 'maintenance', 'lists', 'queue-postgres'],
  ['context'],
  ['delivery', 'smtp', 'imap', 'pop3', 'managesieve', 'web'],
  ['main', 'cli'],
];

test('every folder of server/ has a layer, and imports run down the layers', () => {
  const layerOf = new Map(LAYERS.flatMap((folders, i) => folders.map((f) => [f, i] as const)));
  const folders = fs.readdirSync(SERVER, { withFileTypes: true }).map((e) => (e.isDirectory() ? e.name : e.name.replace(/\.ts$/, ''))).filter((n) => !n.endsWith('.d'));
  assert.deepEqual(folders.filter((f) => !layerOf.has(f)), [], 'a folder with no layer: add it to docs/roadmap.md and LAYERS');
  const upward = imports()
    .filter((i) => !i.to.startsWith('graphql') && layerOf.has(i.to) && i.from !== i.to)
    .filter((i) => (layerOf.get(i.to) as number) > (layerOf.get(i.from) as number))
    .map((i) => `${i.file} -> ${i.to}`);
  assert.deepEqual([...new Set(upward)], []);
});
