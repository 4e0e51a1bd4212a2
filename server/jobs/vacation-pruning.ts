import type { SieveScripts } from '../sieve/scripts';
import type { JobDefinition } from './scheduler';

export const VACATION_PRUNING_JOB = 'sieve-vacation-pruning';
/** Longer than any sensible :days; a reply memory older than this is forgotten. */
const KEEP_SECONDS = 365 * 86400;

/**
 * Vacation replies are remembered per user and sender so that :days holds; without pruning
 * the table grows with every sender ever answered. Entries older than a year go.
 */
export function vacationPruningJob(ctx: { sieve: SieveScripts }): JobDefinition {
  return {
    name: VACATION_PRUNING_JOB,
    description: 'Forgets Sieve vacation replies sent more than 365 days ago (the :days memory).',
    scheduleSetting: 'sieveVacationPruneSchedule',
    run: async () => {
      const removed = ctx.sieve.pruneVacationMemory(KEEP_SECONDS);
      return `forgot ${removed} vacation ${removed === 1 ? 'reply' : 'replies'} older than 365 days`;
    },
  };
}
