import type { EngineContext } from '../context';
import type { Service } from '../engine';

// Placeholder while the imap service is being written in this session.
export class ImapService implements Service {
  readonly name = 'imap';
  constructor(readonly ctx: EngineContext) {}
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
}
