import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LISTENERS, type ListenerName, parseBootstrap } from '../../server/config/bootstrap';
import { Engine } from '../../server/main';
import type { CreateUserInput } from '../../server/directory/directory';
import type { Settings } from '../../server/config/settings-schema';

export const ADMIN_PASSWORD = 'admin-password-for-tests';

export interface TestEngine {
  engine: Engine;
  ports: Record<ListenerName, number>;
  dataDir: string;
  stop(): Promise<void>;
}

/**
 * Starts a whole engine in a fresh temporary data directory, every listener on an
 * ephemeral loopback port. Settings given here are applied before the listeners start.
 */
export async function startEngine(
  opts: { settings?: Partial<Settings>; users?: CreateUserInput[]; hostname?: string; dataDir?: string; dns?: string; env?: Record<string, string> } = {},
): Promise<TestEngine> {
  const dataDir = opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'pillarbox-test-'));
  const env: Record<string, string> = {
    PILLARBOX_DATA_DIR: dataDir,
    PILLARBOX_HOSTNAME: opts.hostname ?? 'mail.example.test',
    PILLARBOX_ADMIN_PASSWORD: ADMIN_PASSWORD,
  };
  for (const l of LISTENERS) env[`PILLARBOX_${l.toUpperCase()}_PORT`] = '0';
  if (opts.dns) env.PILLARBOX_DNS = opts.dns;
  // Bootstrap options a test sets itself, e.g. PILLARBOX_BIND and PILLARBOX_SMTP_PORT for a peer on port 25.
  Object.assign(env, opts.env);
  const engine = new Engine(parseBootstrap([], env));
  if (opts.settings) engine.ctx.settings.update({ authFailureDelayMs: 0, ...opts.settings });
  else engine.ctx.settings.update({ authFailureDelayMs: 0 });
  const ports = (await engine.start()) as Record<ListenerName, number>;
  for (const u of opts.users ?? []) await engine.ctx.accounts.create(u);
  return {
    engine,
    ports,
    dataDir,
    async stop() {
      await engine.stop();
      if (!opts.dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
