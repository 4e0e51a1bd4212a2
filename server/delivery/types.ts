import type { User } from '../directory/types';
import type { RecipientOutcome } from '../queue/queue';
import type { QueueEntry } from '../queue/types';

/** One local mailbox a queued message goes to. Stages may redirect or decide it. */
export interface DeliveryTarget {
  /** The queue recipient this target answers for ("local:<userId>"). */
  address: string;
  /** The address the sending client used. */
  original: string;
  user: User;
  mailbox: string;
  flags: string[];
  /** Set by a stage that settles this target (rejected, discarded, failed). */
  outcome?: RecipientOutcome;
}

export interface LocalMessage {
  entry: QueueEntry;
  /** Header lines (with CRLF) stages add on top of the message, e.g. X-Spam-Status. */
  addedHeaders: string[];
  targets: DeliveryTarget[];
}

/**
 * A step of local delivery: virus scanning, junk scoring, Sieve and quota checks are
 * stages. A stage may add headers, change a target's mailbox or flags, or settle a
 * target with an outcome; later stages see only unsettled targets.
 */
export interface DeliveryStage {
  readonly name: string;
  run(message: LocalMessage): Promise<void>;
}
