import type { Db } from '../db/database';
import type { Settings } from '../config/settings-schema';
import type { Logger } from '../logs/logger';
import type { QueueEntry } from './types';

export type RecipientOutcome = { status: 'delivered' } | { status: 'temporary' | 'permanent'; diagnostic: string };

export interface QueueProcessor {
  process(entry: QueueEntry): Promise<Map<string, RecipientOutcome>>;
}

export class Queue {
  constructor(
    readonly db: Db,
    readonly spoolDir: string,
    readonly settings: () => Readonly<Settings>,
    readonly log: Logger,
  ) {}
  setProcessor(_p: QueueProcessor): void {}
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
}
