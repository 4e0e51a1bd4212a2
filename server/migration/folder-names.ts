import type { MailStore } from '../store/store';
import { DEFAULT_MAILBOXES, HIERARCHY_SEPARATOR } from '../store/types';

/** Special-use attributes (RFC 6154) of folders that hold no messages of their own: copying them would duplicate mail. */
export const VIRTUAL_SPECIAL_USE = new Set(['\\All', '\\Flagged']);

/** Names other servers and clients give the special folders, for sources that do not say (Maildir, mbox, servers without SPECIAL-USE). */
const NAMES_BY_USE: Record<string, string[]> = {
  '\\Sent': ['sent', 'sent items', 'sent messages', 'sent mail', 'gesendet', 'gesendete objekte', 'envoyés', 'elementos enviados'],
  '\\Drafts': ['drafts', 'draft', 'entwürfe', 'brouillons', 'borradores'],
  '\\Trash': ['trash', 'deleted items', 'deleted messages', 'papierkorb', 'corbeille', 'papelera', 'bin'],
  '\\Junk': ['junk', 'spam', 'junk e-mail', 'junk email', 'bulk mail', 'courrier indésirable'],
  '\\Archive': ['archive', 'archives', 'archiv'],
};

/** The special use a top-level folder's name suggests. */
export function specialUseByName(name: string): string | undefined {
  const lower = name.toLowerCase();
  return Object.entries(NAMES_BY_USE).find(([, names]) => names.includes(lower))?.[0];
}

/**
 * Our mailbox name for a source folder given as its levels (the source's separator already
 * split off): INBOX stays INBOX, a special-use folder goes into the user's folder of that use
 * (Sent Items into Sent), other names keep their levels joined by "/". A "/" inside a level
 * (a server whose separator is ".") becomes "-", and characters our names cannot hold
 * ("*", "%", controls) become "_".
 */
export function targetMailboxName(levels: string[], specialUse: string | undefined, store: MailStore, userId: number): string {
  if (levels.length === 1 && levels[0].toUpperCase() === 'INBOX') return 'INBOX';
  const use = specialUse ?? (levels.length === 1 ? specialUseByName(levels[0]) : undefined);
  if (use && !VIRTUAL_SPECIAL_USE.has(use)) {
    const existing = store.mailboxes(userId).find((m) => m.specialUse === use);
    if (existing) return existing.name;
    const standard = DEFAULT_MAILBOXES.find((m) => m.specialUse === use);
    if (standard) return standard.name;
  }
  // eslint-disable-next-line no-control-regex -- control characters are what is replaced
  const cleaned = levels.map((l) => l.replace(/\//g, '-').replace(/[\x00-\x1f\x7f*%]/g, '_').trim() || '_');
  if (cleaned[0].toUpperCase() === 'INBOX') cleaned[0] = 'INBOX';
  return cleaned.join(HIERARCHY_SEPARATOR);
}

/** Makes sure the mailbox exists (with its special use when it is one of the standard folders), subscribed if asked. */
export function ensureMailbox(store: MailStore, userId: number, name: string, subscribe: boolean): void {
  if (!store.mailbox(userId, name)) {
    const standard = DEFAULT_MAILBOXES.find((m) => m.name === name);
    store.createMailbox(userId, name, standard?.specialUse ?? null);
    store.setSubscribed(userId, name, subscribe || !!standard);
  } else if (subscribe) {
    store.setSubscribed(userId, name, true);
  }
}
