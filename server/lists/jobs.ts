// The lists' scheduled jobs (registered by main.ts).
import type { JobDefinition } from '../jobs/scheduler';
import type { MailingLists } from './lists';

export const LIST_BOUNCE_JOB = 'list-bounces';
export const LIST_DIGEST_JOB = 'list-digests';
export const LIST_MODERATION_JOB = 'list-moderation';

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

/** The lists' digest job (Mailman's cron/senddigests): every list with periodic digests sends what has gathered. */
export function listDigestJob(lists: MailingLists): JobDefinition {
  return {
    name: LIST_DIGEST_JOB,
    description: 'Mailing lists: each list with periodic digests on sends the posts gathered since its last issue as the next digest issue (MIME and plain).',
    scheduleSetting: 'listDigestSchedule',
    enabled: () => lists.enabled,
    run: (signal) => lists.runDigests(signal),
  };
}

/** The moderators' daily summary (Mailman's cron/checkdbs): each list with held posts or subscriptions waiting tells its owners and moderators. */
export function listModerationJob(lists: MailingLists): JobDefinition {
  return {
    name: LIST_MODERATION_JOB,
    description: 'Mailing lists: the owners and moderators of each list with held posts or subscriptions waiting for approval get a summary of them.',
    scheduleSetting: 'listModerationSchedule',
    enabled: () => lists.enabled,
    run: (signal) => lists.runModerationSummary(signal),
  };
}
