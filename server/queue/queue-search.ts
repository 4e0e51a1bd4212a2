import { containsPattern } from '../db/like';

/**
 * The queue's search (the seed's Queue pane had one): words that must all occur, in any
 * case, in the queue ID, the envelope sender, a recipient (as given or as routed), the
 * submitting client or its authenticated user. Built as SQL so a page of a 10,000-message
 * queue is one indexed query, not a scan in JavaScript.
 */
export interface QueueFilter {
  state?: 'active' | 'deferred' | 'held';
  search?: string;
}

/** A WHERE clause over `queue q` (without the WHERE) and its parameters; "1" for no filter. */
export function queueFilterSql(filter: QueueFilter): { where: string; params: (string | number)[] } {
  // Entries still being built (Queue.stage) are not queued yet.
  const clauses: string[] = ['q.building = 0'];
  const params: (string | number)[] = [];
  if (filter.state) {
    clauses.push('q.state = ?');
    params.push(filter.state);
  }
  const words = (filter.search ?? '').toLowerCase().split(/\s+/).filter(Boolean);
  for (const word of words) {
    const like = containsPattern(word);
    clauses.push(
      `(q.id LIKE ?1 ESCAPE '\\' OR q.sender LIKE ?1 ESCAPE '\\' OR q.client LIKE ?1 ESCAPE '\\' OR coalesce(q.authenticated_user, '') LIKE ?1 ESCAPE '\\'
        OR EXISTS (SELECT 1 FROM queue_recipients r WHERE r.queue_id = q.id AND (r.address LIKE ?1 ESCAPE '\\' OR r.original LIKE ?1 ESCAPE '\\')))`.replaceAll('?1', '?'),
    );
    params.push(like, like, like, like, like, like);
  }
  return { where: clauses.length ? clauses.join(' AND ') : '1', params };
}
