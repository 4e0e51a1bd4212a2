/** A mail address split at its last @, domain lower-cased. */
export interface Address {
  local: string;
  domain: string;
}

export function parseAddress(address: string): Address | undefined {
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1) return undefined;
  return { local: address.slice(0, at), domain: address.slice(at + 1).toLowerCase().replace(/\.$/, '') };
}

export function formatAddress(a: Address): string {
  return `${a.local}@${a.domain}`;
}

/**
 * True for local parts that old relay tricks use to smuggle a second hop past a
 * naive relay check: the percent hack (a%b@us), bang paths (b!a@us), source routes
 * (@hop:a@us) and quoted local parts that hide an @.
 */
export function isRoutingTrick(address: string): boolean {
  const parsed = parseAddress(address);
  if (!parsed) return true;
  const local = parsed.local;
  if (local.startsWith('@') || local.includes(':')) return true;
  if (local.startsWith('"')) return /[@%!]/.test(local);
  return /[%!@]/.test(local);
}
