import type { User } from '../directory/types';
import type { RecipientOutcome } from '../queue/queue';
import type { QueueEntry } from '../queue/types';

/** One stored copy: a folder of the target user's, or, with `ownerId`, of another store owner (a public folder). */
export interface StoreCopy {
  mailbox: string;
  flags: string[];
  ownerId?: number;
}

/** One local mailbox a queued message goes to. Stages may redirect or decide it. */
export interface DeliveryTarget {
  /** The queue recipient this target answers for ("local:<userId>"). */
  address: string;
  /** The address the sending client used. */
  original: string;
  user: User;
  mailbox: string;
  flags: string[];
  /**
   * Set (by Sieve) when the message is stored more than once for this target, e.g. keep plus
   * fileinto; then it replaces mailbox/flags. An empty list with no outcome is not allowed.
   */
  copies?: StoreCopy[];
  /** Set by a stage that settles this target (rejected, discarded, failed). */
  outcome?: RecipientOutcome;
  /** The recipient's own spamtest values, where the user's junk settings or token table judged (else the message's). */
  verdicts?: { spamScore: number; spamPercent: number };
  /**
   * This recipient's own header lines, in place of the message's `addedHeaders`: set by the junk
   * stage when the user's verdict reads differently from the server's (X-Spam-* of the user's own).
   */
  addedHeaders?: string[];
  /** This recipient's own whole message in place of the message's `replacement`; null = the spool file as it is (no subject tag). */
  replacement?: Buffer | null;
}

export interface LocalMessage {
  entry: QueueEntry;
  /** Header lines (with CRLF) stages add on top of the message, e.g. X-Spam-Status; a target's own `addedHeaders` replace them. */
  addedHeaders: string[];
  /** The whole message to store instead of the spool file (a stage rewrote it, e.g. a junk subject tag). */
  replacement?: Buffer;
  targets: DeliveryTarget[];
  /** Screening results (filled by the junk and virus stages), read by Sieve's spamtest/virustest. */
  verdicts?: {
    /** RFC 3685 spamtest: 0 not tested, 1 clearly not spam … 10 clearly spam. */
    spamScore?: number;
    /** spamtestplus :percent, 0-100. */
    spamPercent?: number;
    /** RFC 3685 virustest: 0 not tested, 1 clean … 5 infected and not cleaned. */
    virusScore?: number;
  };
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
