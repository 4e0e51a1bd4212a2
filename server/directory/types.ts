export type Protocols = 'pop' | 'imap' | 'both';
export type DomainKind = 'local' | 'virtual-domain' | 'virtual-host';

export interface User {
  id: number;
  shortName: string;
  /** Additional short names (Mac OS X-style aliases); a name with @ is a full address. */
  names: string[];
  fullName: string;
  mailEnabled: boolean;
  forwardTo: string[];
  quotaMb: number;
  protocols: Protocols;
  storeLocation: string;
  groups: string[];
  hasReversiblePassword: boolean;
  createdAt: string;
}

export interface Domain {
  name: string;
  kind: DomainKind;
  createdAt: string;
}

export interface Alias {
  alias: string;
  targets: string[];
  system: boolean;
  createdAt: string;
}

/** Where a recipient address goes. */
export type Resolution =
  | { kind: 'local'; users: number[]; remote: string[] }
  | { kind: 'unknown' }
  | { kind: 'remote' }
  | { kind: 'loop'; chain: string[] };

export class DirectoryError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** The input field at fault (shortName, quotaMb, names, …), so a form can show the error next to it. */
    readonly field?: string,
  ) {
    super(message);
  }
}

/** Whether a user matches a search: part of the short name, an additional name or the full name, any case. */
export function userMatches(user: Pick<User, 'shortName' | 'fullName' | 'names'>, search: string | undefined): boolean {
  const needle = search?.trim().toLowerCase();
  if (!needle) return true;
  return [user.shortName, user.fullName, ...user.names].some((s) => s.toLowerCase().includes(needle));
}
