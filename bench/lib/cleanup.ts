/**
 * Teardown steps that must run even when the benchmark is interrupted: each side pushes
 * its own (stop the servers, remove the temp dir) and pops it in its finally block.
 */
type Step = () => Promise<void> | void;
const pending = new Set<Step>();
let handlersInstalled = false;

export function registerCleanup(step: Step): () => Promise<void> {
  installSignalHandlers();
  pending.add(step);
  return async () => {
    if (!pending.delete(step)) return;
    await step();
  };
}

async function runAll(): Promise<void> {
  for (const step of [...pending].reverse()) {
    pending.delete(step);
    try {
      await step();
    } catch (err) {
      process.stderr.write(`cleanup failed: ${err instanceof Error ? err.message : String(err)}\n`);
    }
  }
}

function installSignalHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      process.stderr.write(`\n${signal}: stopping servers and removing temp dirs…\n`);
      void runAll().finally(() => process.exit(130));
    });
  }
}
