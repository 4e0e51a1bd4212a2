import fs from 'node:fs';
import path from 'node:path';

/**
 * A fresh temporary directory for one side of a benchmark, readable by the unprivileged
 * users Postfix and Dovecot run as (mkdtemp makes it 0700).
 */
export function makeWorkDir(parent: string, prefix: string): string {
  fs.mkdirSync(parent, { recursive: true });
  const dir = fs.mkdtempSync(path.join(parent, `${prefix}-`));
  fs.chmodSync(dir, 0o755);
  return dir;
}

export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
}

/** The file system type under `dir` from /proc/mounts (longest matching mount point). */
export function fileSystemType(dir: string): string | undefined {
  let best: { point: string; type: string } | undefined;
  try {
    const real = fs.realpathSync(dir);
    for (const line of fs.readFileSync('/proc/mounts', 'utf8').split('\n')) {
      const [, point, type] = line.split(' ');
      if (!point || !type) continue;
      const inside = real === point || real.startsWith(point.endsWith('/') ? point : point + '/');
      if (inside && (!best || point.length > best.point.length)) best = { point, type };
    }
  } catch {
    return undefined;
  }
  return best?.type;
}

/** Entries in `dir`, 0 when it does not exist (yet): a Maildir's new/ or cur/, a sink's dump. */
export function countFiles(dir: string): number {
  try {
    return fs.readdirSync(dir).length;
  } catch {
    return 0;
  }
}

/** The last lines of a server's log file on one line, for an error message ('' when unreadable). */
export function fileTail(file: string, lines = 3): string {
  try {
    return fs.readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join(' | ');
  } catch {
    return '';
  }
}
