import type { EngineContext } from '../context';
import type { Service } from '../engine';

// Placeholder while the smtp service is being written in this session.
export class SmtpService implements Service {
  readonly name = 'smtp';
  constructor(readonly ctx: EngineContext) {}
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
}
