import { parseBootstrap } from '../../server/config/bootstrap';
import { Engine } from '../../server/main';

/**
 * The engine under soak, in a process of its own (forked by bench/soak.ts with an IPC
 * channel and --expose-gc): started as `pillarbox start` starts it, and answering the
 * soak's questions about its own memory, which only the process itself can see (V8 heap).
 * Messages: {type:'sample'} → {type:'sample', ...}; {type:'gc'} runs a full collection
 * first. SIGTERM stops the engine cleanly.
 */
export interface EngineSample {
  type: 'sample';
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  connections: number;
  activities: number;
  stalls: number;
  engineStalls: number;
  longestStallMs: number;
  longestEngineStallCpuMs: number;
  lastStall?: string;
}

async function main(): Promise<void> {
  const engine = new Engine(parseBootstrap([], process.env));
  let stopping = false;
  process.on('SIGTERM', () => {
    if (stopping) return;
    stopping = true;
    engine.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
  process.on('message', (m: { type?: string }) => {
    if (m.type !== 'sample' && m.type !== 'gc') return;
    if (m.type === 'gc') (globalThis as { gc?: () => void }).gc?.();
    const mem = process.memoryUsage();
    const w = engine.ctx.watchdog.stats;
    const sample: EngineSample = {
      type: 'sample',
      rss: mem.rss,
      heapUsed: mem.heapUsed,
      heapTotal: mem.heapTotal,
      external: mem.external,
      arrayBuffers: mem.arrayBuffers,
      connections: engine.ctx.connections.list().length,
      activities: engine.ctx.activities.size,
      stalls: w.stalls,
      engineStalls: w.engineStalls,
      longestStallMs: w.longestMs,
      longestEngineStallCpuMs: w.longestCpuMs,
      lastStall: w.lastStall ? JSON.stringify(w.lastStall) : undefined,
    };
    process.send?.(sample);
  });
  const ports = await engine.start();
  process.send?.({ type: 'ready', ports });
}

main().catch((err) => {
  process.stderr.write(`soak engine: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
