import fs from 'node:fs';
import path from 'node:path';

let cached: string | undefined;

/** The engine's version from package.json (found upwards from here, in source and in dist/). */
export function engineVersion(): string {
  if (cached) return cached;
  cached = 'unknown';
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'pillarbox' && pkg.version) {
        cached = pkg.version;
        break;
      }
    } catch {
      // no package.json here; keep looking upwards
    }
    if (path.dirname(dir) === dir) break;
  }
  return cached;
}
