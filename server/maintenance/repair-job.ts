import type { JobDefinition } from '../jobs/scheduler';
import { type RepairContext, describeRepair, repairMailStore } from './repair';

export const REPAIR_JOB = 'repair';

/**
 * The repair as a scheduled job (setting repairSchedule; never on its own by default). A
 * scheduled run only reports messages whose file is gone; `repairMailStore(input:
 * {expungeMissingFiles: true})` runs it by hand with that option.
 */
export function repairJob(ctx: RepairContext): JobDefinition {
  return {
    name: REPAIR_JOB,
    description:
      'Repairs the mail database (the seed\u2019s "repair"): SQLite integrity and foreign-key checks, files that belong to no mailbox moved to lost+found, every mailbox reconstructed (messages whose file is gone are reported; expunged only when asked).',
    scheduleSetting: 'repairSchedule',
    run: async (signal, control) => {
      const options = { expungeMissingFiles: control.options.expungeMissingFiles === true };
      const report = await repairMailStore(ctx, options, signal, (p) => control.progress(p));
      return describeRepair(report, options);
    },
  };
}
