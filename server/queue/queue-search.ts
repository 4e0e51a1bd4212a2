import type { QueueEntry } from './types';

/**
 * The queue's search (the seed's Queue pane had one): words that must all occur, case
 * insensitive, in the queue ID, the envelope sender, a recipient (as given or as routed),
 * the submitting client or its authenticated user. An empty search matches everything.
 */
export function queueSearchMatcher(search: string | undefined): (entry: QueueEntry) => boolean {
  const words = (search ?? '').toLowerCase().split(/\s+/).filter(Boolean);
  if (!words.length) return () => true;
  return (entry) => {
    const haystack = [entry.id, entry.sender, entry.client, entry.authenticatedUser ?? '', ...entry.recipients.flatMap((r) => [r.address, r.original])].join('\n').toLowerCase();
    return words.every((w) => haystack.includes(w));
  };
}
