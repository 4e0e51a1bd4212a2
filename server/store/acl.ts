import type { Db } from '../db/database';

/** Every right of RFC 4314 section 2.1, in its canonical order; the owner of a mailbox has them all. */
export const ALL_RIGHTS = 'lrswipkxtea';

export interface AclEntry {
  mailboxId: number;
  identifier: string;
  rights: string;
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

/** The ACL rows of mailboxes (RFC 4314): who other than the owner may do what. */
export class MailboxAcl {
  constructor(private readonly db: Db) {}

  entries(mailboxId: number): AclEntry[] {
    return this.db
      .prepare('SELECT mailbox_id AS mailboxId, identifier, rights FROM mailbox_acl WHERE mailbox_id = ? ORDER BY identifier')
      .all(mailboxId) as AclEntry[];
  }

  /** Every row naming one of the identifiers, across all mailboxes (for LIST of shared mailboxes). */
  grantedTo(identifiers: string[]): AclEntry[] {
    if (identifiers.length === 0) return [];
    return this.db
      .prepare(`SELECT mailbox_id AS mailboxId, identifier, rights FROM mailbox_acl WHERE identifier IN (${identifiers.map(() => '?').join(',')})`)
      .all(...identifiers) as AclEntry[];
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
