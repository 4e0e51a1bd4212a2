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
