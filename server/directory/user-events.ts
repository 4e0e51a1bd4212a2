import { EventEmitter } from 'node:events';
import type { MailStore } from '../store/store';
import type { StoreEvents } from '../store/types';
import type { AppPasswordChange, AppPasswords } from './app-passwords';

/** What a mail user is told of (the GraphQL `myEvents` subscription): only what concerns that user. */
export type UserEvent =
  | { userId: number; kind: 'new-message'; at: Date; mailbox: string; uid: number }
  | { userId: number; kind: 'app-password-created' | 'app-password-revoked'; at: Date; appPassword: string };

export const USER_EVENT_KINDS = ['new-message', 'app-password-created', 'app-password-revoked'] as const;

/**
 * The events of each mail user, emitted as 'event' with the user's id: a new message in one of
 * the user's own mailboxes (delivered, appended or copied; not in public or shared folders, which
 * are not the user's alone), and app passwords made or revoked, also by an administrator, which a
 * user should hear of. Costs nothing while nobody listens; the listener picks its user.
 */
export class UserEvents extends EventEmitter {
  /** Mailbox owners and names looked up in one turn of the event loop: a COPY of many messages reads each mailbox once. */
  private boxes: Map<number, { userId: number; name: string } | undefined> | undefined;

  constructor(
    private readonly store: MailStore,
    appPasswords: AppPasswords,
  ) {
    super();
    // One listener per subscribed session.
    this.setMaxListeners(0);
    store.on('exists', (e: StoreEvents['exists']) => this.newMessage(e));
    appPasswords.on('changed', (c: AppPasswordChange) => {
      if (this.listenerCount('event') === 0) return;
      this.emit('event', { userId: c.userId, kind: c.change === 'created' ? 'app-password-created' : 'app-password-revoked', at: new Date(), appPassword: c.name } satisfies UserEvent);
    });
  }

  private newMessage(e: StoreEvents['exists']): void {
    if (this.listenerCount('event') === 0) return;
    if (!this.boxes) {
      this.boxes = new Map();
      setImmediate(() => (this.boxes = undefined));
    }
    let box = this.boxes.get(e.mailboxId);
    if (!this.boxes.has(e.mailboxId)) {
      const found = this.store.mailboxById(e.mailboxId);
      box = found && found.userId !== this.store.publicOwnerId ? { userId: found.userId, name: found.name } : undefined;
      this.boxes.set(e.mailboxId, box);
    }
    if (box) this.emit('event', { userId: box.userId, kind: 'new-message', at: new Date(), mailbox: box.name, uid: e.uid } satisfies UserEvent);
  }
}
