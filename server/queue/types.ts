export interface QueueRecipient {
  /** The address as the client gave it at RCPT TO. */
  address: string;
}

export interface IncomingEnvelope {
  sender: string;
  recipients: QueueRecipient[];
  /** Client host and address, for logs and the queue listing. */
  client: string;
  authenticatedUser?: string;
}

export interface QueueEntry {
  id: string;
  createdAt: Date;
  sender: string;
  size: number;
  file: string;
  localPrefix: number;
  client: string;
  authenticatedUser: string | null;
  state: 'active' | 'deferred' | 'held';
  attempts: number;
  nextAttempt: Date;
  lastError: string | null;
  /** The sender has been told the message is delayed (once per message). */
  delayWarned: boolean;
  /** From a trusted origin: DKIM-signed when it leaves (see EnqueueInput.signDkim). */
  signDkim: boolean;
  /** The domain that signs instead of the From domain (list posts), or null. */
  dkimDomain: string | null;
  recipients: { address: string; original: string; status: 'pending' | 'delivered' | 'failed'; diagnostic: string | null }[];
}
