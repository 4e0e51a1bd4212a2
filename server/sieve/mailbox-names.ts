import { normalizeMailboxName, PUBLIC_PREFIX } from '../store/types';

/**
 * Folder names in scripts written for the seed's Cyrus server use its dot hierarchy under INBOX
 * ("INBOX.Lists.Work"); Pillarbox's folders are "Lists/Work". The exact name wins when it exists.
 */
export function cyrusToLocal(name: string): string {
  // Only names under INBOX. are Cyrus-style: "v1.2" elsewhere is an ordinary folder name.
  if (!/^INBOX\./i.test(name)) return name;
  const inner = name.slice(6);
  return inner === '' ? 'INBOX' : inner.replace(/\./g, '/');
}

/** The existing folder a script's name means, or undefined. */
export function existingMailbox(name: string, exists: (n: string) => boolean): string | undefined {
  if (name.toUpperCase() === 'INBOX') return 'INBOX';
  if (exists(name)) return name;
  const mapped = cyrusToLocal(name);
  return mapped !== name && exists(mapped) ? mapped : undefined;
}

/**
 * The folders a run's `mailboxexists` can see, as plain data (a run in a worker thread cannot ask
 * the store): the user's folder names as stored, and the public folders the user may post to
 * (RFC 4314 right `p`), without the "Shared Folders/" prefix.
 */
export interface MailboxFacts {
  own: string[];
  postable: string[];
}

/**
 * `mailboxexists` over MailboxFacts, answering as the store would: INBOX in any case, a name as
 * written or in the seed's Cyrus style (existingMailbox), "Shared Folders/x" for a public folder
 * the user may post to.
 */
export function mailboxExistsIn(facts: MailboxFacts): (name: string) => boolean {
  const own = new Set(facts.own);
  const postable = new Set(facts.postable);
  return (name) =>
    name.startsWith(PUBLIC_PREFIX)
      ? postable.has(normalizeMailboxName(name.slice(PUBLIC_PREFIX.length)))
      : existingMailbox(name, (n) => own.has(normalizeMailboxName(n))) !== undefined;
}
