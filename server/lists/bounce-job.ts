import type { JobDefinition } from '../jobs/scheduler';
import type { MailingLists } from './lists';

export const LIST_BOUNCE_JOB = 'list-bounces';

/** The lists' daily bounce job (Mailman's cron/disabled): the next notices and the removals that are due. */
export function listBounceJob(lists: MailingLists): JobDefinition {
  return {
    name: LIST_BOUNCE_JOB,
    description: 'Mailing lists: members whose delivery bounces disabled get their next notice; those who had the last one are removed (the owners told).',
    scheduleSetting: 'listBounceSchedule',
    enabled: () => lists.enabled,
    run: (signal) => lists.runBounceWarnings(signal),
  };
}
