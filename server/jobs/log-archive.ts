import type { Settings } from '../config/settings-schema';
import type { LogArchives } from '../logs/log-archive';
import type { JobDefinition } from './scheduler';

export const LOG_ARCHIVE_JOB = 'log-archive';

/** The seed's log archiving on a schedule: rotate and compress what is due, remove what is past keeping. */
export function logArchiveJob(archives: LogArchives, settings: () => Readonly<Settings>): JobDefinition {
  return {
    name: LOG_ARCHIVE_JOB,
    description: 'Archives (gzip) each service log whose first entry is logArchiveDays old, and removes archives and indexed entries older than logArchiveKeepDays.',
    scheduleSetting: 'logArchiveSchedule',
    run: async () => {
      const s = settings();
      return archives.run(s.logArchiveDays, s.logArchiveKeepDays);
    },
  };
}
