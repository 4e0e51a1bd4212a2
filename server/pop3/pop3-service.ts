import type { EngineContext } from '../context';
import type { Service } from '../engine';

// Placeholder while the pop3 service is being written in this session.
export class Pop3Service implements Service {
  readonly name = 'pop3';
  constructor(readonly ctx: EngineContext) {}
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
}
