import fs from 'node:fs';
import path from 'node:path';

/** The console's source (not built into dist/): the benchmarks send exactly what it sends. */
const CONSOLE_SOURCE = path.resolve(__dirname, '../../../server/web/console/src');

/**
 * The text of the console's GraphQL operations by name (`ConsoleOverview` → `query
 * ConsoleOverview { … }`), read from its `graphql(\`…\`)` calls, so a benchmark follows the
 * console when its queries change instead of keeping copies that drift.
 */
export function consoleOperations(names: readonly string[]): Map<string, string> {
  const found = new Map<string, string>();
  for (const file of sourceFiles(CONSOLE_SOURCE)) {
    for (const m of fs.readFileSync(file, 'utf8').matchAll(/graphql\(`([^`]*)`\)/g)) {
      const name = /^\s*(?:query|mutation|subscription)\s+(\w+)/.exec(m[1])?.[1];
      if (name && names.includes(name)) found.set(name, m[1].trim());
    }
  }
  const missing = names.filter((n) => !found.has(n));
  if (missing.length) throw new Error(`the console (${CONSOLE_SOURCE}) has no operation ${missing.join(', ')}`);
  return found;
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'gql' ? [] : sourceFiles(full);
    return /\.tsx?$/.test(e.name) ? [full] : [];
  });
}
