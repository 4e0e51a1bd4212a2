import fs from 'node:fs';
import path from 'node:path';
import type { BootstrapOptions } from '../config/bootstrap';
import type { SettingsService } from '../config/settings';
import type { Db } from '../db/database';
import type { JobDefinition, Scheduler } from '../jobs/scheduler';
import type { Logger } from '../logs/logger';
import type { Queue } from '../queue/queue';
import { ClamdClient, type ScanResult } from './clamd-client';
import { runFreshclam } from './freshclam';
import { Quarantine } from './quarantine';

export const VIRUS_UPDATE_JOB = 'virus-database-update';

export interface VirusStatus {
  enabled: boolean;
  clamdAddress: string;
  clamdReachable: boolean;
  /** clamd's VERSION answer: "ClamAV 1.4.6/27480/Tue Dec  1 08:35:01 2026"; null when unreachable. */
  version: string | null;
  engineVersion: string | null;
  databaseVersion: string | null;
  databaseDate: string | null;
  scans: number;
  averageScanMs: number | null;
}

/** The services ClamAV uses: the engine context narrowed (server/context.ts holds this service, so sits above it). */
export interface VirusContext {
  options: BootstrapOptions;
  db: Db;
  queue: Queue;
  settings: SettingsService;
}

/** ClamAV in the engine: the scanner the delivery stage calls, the quarantine, the freshclam job and clamd's status. */
export class VirusService {
  readonly quarantine: Quarantine;
  /** Scans done and their total time, for the status page and the test report. */
  readonly timing = { scans: 0, totalMs: 0 };

  constructor(
    private readonly ctx: VirusContext,
    private readonly log: Logger,
  ) {
    this.quarantine = new Quarantine(ctx.db, path.join(ctx.options.dataDir, 'quarantine'), ctx.queue);
  }

  client(): ClamdClient {
    return new ClamdClient(this.ctx.settings.get().clamdAddress);
  }

  /**
   * Has clamd scan a spooled message from byte `start` (after the queue's local prefix), with
   * the time it took; a scan that gives a verdict counts in `timing`. Throws when there is none.
   */
  async scan(file: string, start: number): Promise<ScanResult & { ms: number }> {
    const started = process.hrtime.bigint();
    const result = await this.client().scanFile(file, start);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    this.timing.scans++;
    this.timing.totalMs += ms;
    return { ...result, ms };
  }

  async status(): Promise<VirusStatus> {
    const s = this.ctx.settings.get();
    let version: string | null = null;
    try {
      version = await this.client().version();
    } catch {
      version = null;
    }
    const [engine, db, date] = version ? version.split('/') : [];
    const { scans, totalMs } = this.timing;
    return {
      enabled: s.virusScanEnabled,
      clamdAddress: s.clamdAddress,
      clamdReachable: version !== null,
      version,
      engineVersion: engine ?? null,
      databaseVersion: db ?? null,
      databaseDate: date ?? null,
      scans,
      averageScanMs: scans ? totalMs / scans : null,
    };
  }

  /** freshclam on the virusUpdateSchedule while scanning is on; clamd reloads what it fetched. */
  updateJob(): JobDefinition {
    return {
      name: VIRUS_UPDATE_JOB,
      description: 'Updates the ClamAV virus database with freshclam, then has clamd reload it.',
      scheduleSetting: 'virusUpdateSchedule',
      enabled: () => this.ctx.settings.get().virusScanEnabled,
      run: async (signal) => {
        const result = await runFreshclam(this.ctx.settings.get(), this.configFile(), signal);
        if (!result.ok) throw new Error(`freshclam failed (exit ${result.exitCode ?? 'none'}):\n${result.output}`);
        let reload = '';
        try {
          await this.client().reload();
          reload = '\nclamd is reloading the database.';
        } catch (err) {
          reload = `\nclamd could not be told to reload (${err instanceof Error ? err.message : String(err)}); it checks for new databases itself.`;
        }
        return result.output + reload;
      },
    };
  }

  configFile(): string {
    return path.join(this.ctx.options.dataDir, 'virus', 'freshclam.conf');
  }

  register(scheduler: Scheduler): void {
    scheduler.register(this.updateJob());
  }

  /**
   * Scanning was just switched on and there is no signature database yet (a new appliance:
   * clamd does not even start without one): fetch it now rather than at the next scheduled
   * update, since mail for local users waits in the queue until clamd answers.
   */
  settingsChanged(changed: string[], scheduler: Scheduler): void {
    const s = this.ctx.settings.get();
    if (!changed.includes('virusScanEnabled') || !s.virusScanEnabled || hasSignatureDatabase(s.virusDatabaseDir)) return;
    this.log.message('virus scanning switched on without a signature database: updating it now', { dir: s.virusDatabaseDir });
    scheduler.runNow(VIRUS_UPDATE_JOB).catch((err: unknown) => this.log.error('could not start the virus database update', { error: String(err) }));
  }
}

/** Whether `dir` holds any ClamAV signature file (official .cvd/.cld or a local database). */
export function hasSignatureDatabase(dir: string): boolean {
  try {
    return fs.readdirSync(dir).some((f) => /\.(cvd|cld|cud|ndb|hdb|hsb|ldb|cdb|ign2?)$/i.test(f));
  } catch {
    return false;
  }
}
