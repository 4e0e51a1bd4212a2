import type { Directory } from '../directory/directory';

export const LOCAL_PREFIX = 'local:';

export type TargetResolution =
  | { kind: 'ok'; targets: string[] }
  | { kind: 'unknown' }
  | { kind: 'remote' }
  | { kind: 'loop'; chain: string[] };

/**
 * Turns a recipient address into queue targets: "local:<userId>" for each local
 * mailbox it reaches (after aliases and forwarding) and plain addresses for remote
 * ones reached through aliases or forwards.
 */
export function resolveTargets(directory: Directory, address: string): TargetResolution {
  const r = directory.resolve(address);
  if (r.kind !== 'local') return r;
  return { kind: 'ok', targets: [...r.users.map((id) => `${LOCAL_PREFIX}${id}`), ...r.remote] };
}

export function localUserId(target: string): number | undefined {
  return target.startsWith(LOCAL_PREFIX) ? Number(target.slice(LOCAL_PREFIX.length)) : undefined;
}
