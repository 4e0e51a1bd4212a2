import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LISTENERS, type ListenerName, parseBootstrap } from '../../server/config/bootstrap';
import { Engine } from '../../server/main';
import type { CreateUserInput } from '../../server/directory/directory';
import type { Settings } from '../../server/config/settings-schema';
import type { Stall } from '../../server/metrics/event-loop-watchdog';
import { type StallShare, profileFor, release, shareOf, watch } from './stall-profile';

export const ADMIN_PASSWORD = 'admin-password-for-tests';

export interface TestEngine {
  engine: Engine;
  ports: Record<ListenerName, number>;
  dataDir: string;
  /**
   * Stops the engine; throws when the engine stalled the event loop during the test (see
   * stallFailMs). `engine.stop()` called directly checks the same (once).
   */
  stop(): Promise<void>;
  /** Candidates so far: stalls with an engine activity running and stallFailMs of CPU (before the profile's word). */
  engineStalls(): Stall[];
}

/**
 * A test fails (its engine's stop() throws) when the engine blocked the event loop for this
 * long while running a labelled activity (a command, a request, a delivery, a job):
 * PILLARBOX_STALL_FAIL_MS, 100 ms by default (the issue's figure), 0 to turn the check off.
 * What is compared is the main thread's CPU time during the stall, not wall time: on a busy
 * two-core CI machine the process waits for a CPU often enough, and that is not the engine's
 * doing. Stalls with no engine activity running (the test's own work, start-up) do not count,
 * nor do those that V8's profiler shows were mostly the test's own code (stall-profile.ts):
 * the engine's frames must make up half the threshold and outweigh the test's.
 */
export function stallFailMs(): number {
  const raw = process.env.PILLARBOX_STALL_FAIL_MS;
  const n = raw === undefined || raw === '' ? 100 : Number(raw);
  return Number.isFinite(n) && n >= 0 ? n : 100;
}

function describeStall(s: Stall, share: StallShare | undefined): string {
  const cpu = s.cpuMs === undefined ? '' : `, ${s.cpuMs} ms on the CPU, ${s.waitMs} ms waiting for one`;
  const whose = share ? ` (profile: ${Math.round(share.engineMs)} ms in engine code, ${Math.round(share.testMs)} ms in the test's; engine time in ${share.engineTop.join(', ')})` : '';
  return `${s.at}: ${s.ms} ms late${cpu}${whose}; running: ${s.running.join('; ')}`;
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
  const failMs = stallFailMs();
  const stalls: Stall[] = [];
  const profiling = failMs > 0 && (await profileFor());
  if (failMs > 0) {
    const watchdog = engine.ctx.watchdog;
    watchdog.thresholdMs = Math.min(watchdog.thresholdMs, failMs);
    const report = process.env.PILLARBOX_STALL_REPORT;
    watchdog.on('stall', (stall: Stall) => {
      // PILLARBOX_STALL_REPORT=<file>: every stall with an engine activity, and any other with
      // 50 ms of CPU (the test's own work, unlabelled engine code), as JSON lines, to survey a suite.
      if (report && (stall.running.length || (stall.cpuMs ?? 0) >= 50)) fs.appendFileSync(report, JSON.stringify({ file: path.basename(process.argv[1] ?? ''), ...stall }) + '\n');
      if (stall.running.length && (stall.cpuMs ?? stall.ms) >= failMs) {
        stalls.push(stall);
        if (profiling) watch(stall);
      }
    });
  }
  // engine.stop() itself checks, so tests that stop the engine directly are covered too.
  const stopEngine = engine.stop.bind(engine);
  let checked = false;
  engine.stop = async () => {
    await stopEngine();
    if (checked) return;
    checked = true;
    const found: string[] = [];
    const report = process.env.PILLARBOX_STALL_REPORT;
    for (const stall of stalls) {
      const share = profiling ? await shareOf(stall) : undefined;
      const engines = !share || (share.engineMs >= failMs / 2 && share.engineMs >= share.testMs);
      if (engines) found.push(describeStall(stall, share));
      if (report) fs.appendFileSync(report, JSON.stringify({ file: path.basename(process.argv[1] ?? ''), verdict: engines ? 'engine' : 'not the engine', at: stall.at, running: stall.running, ...share }) + '\n');
    }
    if (profiling) await release();
    if (found.length) {
      throw new Error(`the engine stalled the event loop ${found.length} time(s) for ${failMs} ms or more of CPU (PILLARBOX_STALL_FAIL_MS):\n` + found.map((f) => '  ' + f).join('\n'));
    }
  };
  let ports: Record<ListenerName, number>;
  try {
    ports = (await engine.start()) as Record<ListenerName, number>;
  } catch (err) {
    if (profiling) await release();
    throw err;
  }
  for (const u of opts.users ?? []) await engine.ctx.accounts.create(u);
  return {
    engine,
    ports,
    dataDir,
    engineStalls: () => [...stalls],
    async stop() {
      try {
        await engine.stop();
      } finally {
        if (!opts.dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
      }
    },
  };
}
