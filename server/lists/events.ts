import { EventEmitter } from 'node:events';

export type ListEventKind = 'post-sent' | 'member-joined' | 'member-left' | 'post-held' | 'post-decided' | 'member-disabled';

/** Something that happened on a list, told once it is committed (for dashboards: GraphQL `listEvents`). */
export interface ListEvent {
  kind: ListEventKind;
  listId: number;
  list: string;
  at: Date;
  /** The member concerned (joined, left, disabled), or the post's From. */
  address?: string;
  subject?: string;
  /** A post sent: how many members it went to; a post decided: approve, reject, discard or defer. */
  recipients?: number;
  action?: string;
}

/**
 * The lists' events, emitted as 'event' only after the transaction that made them is on disk
 * (from an Effect's logs), so a listener never hears of a change a crash took back.
 */
export class ListEvents extends EventEmitter {
  tell(e: Omit<ListEvent, 'at'>): void {
    this.emit('event', { ...e, at: new Date() } satisfies ListEvent);
  }
}
