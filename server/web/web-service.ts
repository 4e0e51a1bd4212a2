import type { EngineContext } from '../context';
import type { Service } from '../engine';

// Placeholder while the web service is being written in this session.
export class WebService implements Service {
  readonly name = 'web';
  constructor(readonly ctx: EngineContext) {}
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
}
