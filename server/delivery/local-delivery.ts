import type { EngineContext } from '../context';
import type { Logger } from '../logs/logger';
import type { QueueEntry } from '../queue/types';
import type { QueueProcessor, RecipientOutcome } from '../queue/queue';

export class LocalDelivery implements QueueProcessor {
  constructor(
    readonly ctx: EngineContext,
    readonly log: Logger,
  ) {}
  async process(_entry: QueueEntry): Promise<Map<string, RecipientOutcome>> {
    return new Map();
  }
}
