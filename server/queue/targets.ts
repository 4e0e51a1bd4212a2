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

/**
 * Queue targets for a user name, alias or address as an administrator writes it in a
 * setting ("bob" means bob@<host name>); a remote address is its own target; [] when
 * nothing local answers to it.
 */
export function targetsFor(directory: Directory, hostname: string, nameOrAddress: string): string[] {
  const full = nameOrAddress.includes('@') ? nameOrAddress : `${nameOrAddress}@${hostname}`;
  const r = resolveTargets(directory, full);
  return r.kind === 'ok' ? r.targets : r.kind === 'remote' ? [full] : [];
}
