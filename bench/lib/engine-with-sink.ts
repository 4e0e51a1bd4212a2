import fs from 'node:fs';
import path from 'node:path';
import type { BenchContext } from '../types';
import { registerCleanup } from './cleanup';
import { freePort } from './free-port';
import { PillarboxEngine } from './pillarbox-engine';
import { SinkServer } from './sink';
import { makeWorkDir, removeDir } from './workdir';

/**
 * The Pillarbox side of a benchmark whose mail leaves for "other servers": an engine started as
 * an administrator starts it, logged in, relaying to a fresh smtp-sink (`relayHost`) with the
 * given settings besides. `work` runs with both; both are stopped and the directory removed
 * (unless `keep`) afterwards, Ctrl-C included.
 */
export async function withEngineAndSink<T>(
  ctx: BenchContext,
  prefix: string,
  keep: boolean,
  settings: Record<string, unknown>,
  work: (engine: PillarboxEngine, sink: SinkServer, dir: string) => Promise<T>,
): Promise<T> {
  const dir = makeWorkDir(ctx.workDir, prefix);
  let engine: PillarboxEngine | undefined;
  let sink: SinkServer | undefined;
  const cleanup = registerCleanup(async () => {
    const warning = await engine?.stop();
    if (warning) ctx.log(`warning: ${warning}`);
    await sink?.stop();
    if (keep) ctx.log(`kept ${dir}`);
    else removeDir(dir);
  });
  try {
    sink = await SinkServer.start(await freePort(), path.join(dir, 'sink'));
    fs.mkdirSync(path.join(dir, 'engine'));
    engine = await PillarboxEngine.start(path.join(dir, 'engine'));
    await engine.login();
    await engine.graphql('mutation ($input: UpdateSettingsInput!) { updateSettings(input: $input) { relayHost } }', {
      input: { relayHost: `[127.0.0.1]:${sink.port}`, ...settings },
    });
    return await work(engine, sink, dir);
  } finally {
    await cleanup();
  }
}
