import type { Db } from '../db/database';

/** Every right of RFC 4314 section 2.1, in its canonical order; the owner of a mailbox has them all. */
export const ALL_RIGHTS = 'lrswipkxtea';

export interface AclEntry {
  mailboxId: number;
  identifier: string;
  rights: string;
}

/** The identifier RFC 4314 reserves for every user. */
export const ANYONE = 'anyone';
/** Group identifiers are written as Cyrus writes them: "group:staff" names everyone in the group "staff". */
export const GROUP_PREFIX = 'group:';
/** A "-" before an identifier makes its rights negative: they are taken away (RFC 4314 section 2). */
export const NEGATIVE = '-';

/** ACL of a new top-level public folder: every user may see and read it, with \Seen of their own (Cyrus's defaultacl). */
export const DEFAULT_PUBLIC_ACL: { identifier: string; rights: string }[] = [{ identifier: ANYONE, rights: 'lrs' }];

/** Who a user is for ACL purposes: their short name and their groups. */
export interface AclSubject {
  shortName: string;
  groups: string[];
}

/** Whether an identifier (without any "-") names the subject: the user, "anyone", or one of the user's groups (case-insensitive, as service access compares groups). */
export function identifierMatches(identifier: string, who: AclSubject): boolean {
  if (identifier === ANYONE || identifier === who.shortName) return true;
  if (!identifier.startsWith(GROUP_PREFIX)) return false;
  const group = identifier.slice(GROUP_PREFIX.length).toLowerCase();
  return who.groups.some((g) => g.toLowerCase() === group);
}

/**
 * RFC 4314 section 2: the union of the rights of every identifier that names the user,
 * less the union of the negative rights ("-identifier") that name the user.
 */
export function effectiveRights(entries: AclEntry[], who: AclSubject): string {
  let granted = '';
  let denied = '';
  for (const e of entries) {
    const negative = e.identifier.startsWith(NEGATIVE);
    if (!identifierMatches(negative ? e.identifier.slice(1) : e.identifier, who)) continue;
    if (negative) denied += e.rights;
    else granted += e.rights;
  }
  return canonicalRights(granted.split('').filter((r) => !denied.includes(r)).join(''));
}

/** A group name in an identifier: no control characters (spaces are allowed, as in the users' group lists), at most 64 characters. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
const GROUP_NAME = /^[^\x00-\x1f\x7f]{1,64}$/;

/**
 * Why an identifier cannot be used in an ACL, or undefined when it can: "anyone",
 * "group:NAME" or the short name of a user who exists, each optionally "-"-prefixed.
 */
export function identifierProblem(raw: string, isUser: (shortName: string) => boolean): string | undefined {
  const base = raw.startsWith(NEGATIVE) ? raw.slice(1) : raw;
  if (base === ANYONE) return undefined;
  if (base.startsWith(GROUP_PREFIX)) return GROUP_NAME.test(base.slice(GROUP_PREFIX.length)) ? undefined : `not a group name: ${base.slice(0, 64)}`;
  return isUser(base) ? undefined : `no user with the short name ${base.slice(0, 64)}`;
}

/** Whether an identifier (or its negative) names the owner of a personal mailbox. */
function names(identifier: string, ownerShortName: string | undefined): boolean {
  return ownerShortName !== undefined && (identifier === ownerShortName || identifier === NEGATIVE + ownerShortName);
}

/** The first character that is not a right of RFC 4314, if any. */
export function unknownRight(rights: string): string | undefined {
  return rights.split('').find((r) => !ALL_RIGHTS.includes(r));
}

/** Rights in canonical order, without duplicates. */
export function canonicalRights(rights: string): string {
  return ALL_RIGHTS.split('')
    .filter((r) => rights.includes(r))
    .join('');
}

export type AclErrorCode = 'INVALID_IDENTIFIER' | 'INVALID_RIGHTS' | 'OWNER';

/** A change to an ACL that the rules refuse; each protocol words it its own way. */
export class AclError extends Error {
  constructor(
    readonly code: AclErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Who an ACL change is checked against: the mailbox's owner (none for a public folder) and the directory. */
export interface AclChangeContext {
  ownerShortName?: string;
  isUser: (shortName: string) => boolean;
}

/**
 * The ACL rows of mailboxes (RFC 4314): who other than the owner may do what. `change` and
 * `removeEntry` hold the rules for IMAP SETACL/DELETEACL and GraphQL alike: the identifier must
 * exist, the owner cannot be named (they always have every right), rights are RFC 4314's.
 */
export class MailboxAcl {
  constructor(private readonly db: Db) {}

  /**
   * Sets an identifier's rights ("" removes the entry), or with `mode` adds to or takes from
   * what it has; returns the rights it has afterwards.
   */
  change(mailboxId: number, identifier: string, rights: string, who: AclChangeContext, mode: '' | '+' | '-' = ''): string {
    this.checkIdentifier(identifier, who);
    const bad = unknownRight(rights);
    if (bad !== undefined) throw new AclError('INVALID_RIGHTS', `"${bad}" is not a right; rights are ${ALL_RIGHTS}`);
    const current = mode ? (this.entries(mailboxId).find((e) => e.identifier === identifier)?.rights ?? '') : '';
    const next = mode === '+' ? current + rights : mode === '-' ? [...current].filter((r) => !rights.includes(r)).join('') : rights;
    this.set(mailboxId, identifier, next);
    return canonicalRights(next);
  }

  removeEntry(mailboxId: number, identifier: string, who: Pick<AclChangeContext, 'ownerShortName'>): boolean {
    if (names(identifier, who.ownerShortName)) throw new AclError('OWNER', 'the owner always has every right');
    return this.remove(mailboxId, identifier);
  }

  /** Throws the AclError an entry for this identifier would get. */
  checkIdentifier(identifier: string, who: AclChangeContext): void {
    if (names(identifier, who.ownerShortName)) throw new AclError('OWNER', 'the owner always has every right');
    const problem = identifierProblem(identifier, who.isUser);
    if (problem) throw new AclError('INVALID_IDENTIFIER', problem);
  }

  entries(mailboxId: number): AclEntry[] {
    return this.db
      .prepare('SELECT mailbox_id AS mailboxId, identifier, rights FROM mailbox_acl WHERE mailbox_id = ? ORDER BY identifier')
      .all(mailboxId) as AclEntry[];
  }

  /** The mailboxes where a positive entry names the subject (candidates for LIST of shared mailboxes; negative rights are applied later). */
  grantedTo(who: AclSubject): number[] {
    const rows = this.db
      .prepare(`SELECT DISTINCT mailbox_id AS mailboxId, identifier FROM mailbox_acl WHERE identifier = ? OR identifier = ? OR identifier LIKE '${GROUP_PREFIX}%'`)
      .all(who.shortName, ANYONE) as { mailboxId: number; identifier: string }[];
    return [...new Set(rows.filter((r) => identifierMatches(r.identifier, who)).map((r) => r.mailboxId))];
  }

  /** Sets the rights of an identifier; empty rights remove its entry. */
  set(mailboxId: number, identifier: string, rights: string): void {
    const r = canonicalRights(rights);
    if (!r) {
      this.remove(mailboxId, identifier);
      return;
    }
    this.db
      .prepare('INSERT INTO mailbox_acl (mailbox_id, identifier, rights) VALUES (?, ?, ?) ON CONFLICT (mailbox_id, identifier) DO UPDATE SET rights = excluded.rights')
      .run(mailboxId, identifier, r);
  }

  remove(mailboxId: number, identifier: string): boolean {
    return this.db.prepare('DELETE FROM mailbox_acl WHERE mailbox_id = ? AND identifier = ?').run(mailboxId, identifier).changes > 0;
  }
}
