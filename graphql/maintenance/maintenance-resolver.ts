import { Arg, Authorized, Ctx, Mutation, Resolver } from 'type-graphql';
import { REPAIR_JOB } from '../../server/maintenance/repair-job';
import { describeReconstruct } from '../../server/store/reconstruct';
import type { GraphqlContext } from '../context';
import { notFound } from '../errors';
import { userId } from '../accounts/user-resolver';
import { startJob } from '../jobs/job-resolver';
import { RunJobPayload } from '../jobs/job-types';
import { ReconstructMailboxesInput, ReconstructMailboxesPayload, RepairMailStoreInput } from './maintenance-types';

/** The seed's mail database maintenance: repair (a job with progress) and reconstruct. */
@Resolver()
export class MaintenanceResolver {
  @Authorized('admin')
  @Mutation(() => RunJobPayload, {
    description:
      'Starts the repair job (the seed\u2019s "repair the mail database") with options: database checks, files that belong to no mailbox moved to lost+found, every mailbox reconstructed. Safe while mail is served. JOB_RUNNING while a repair runs.',
  })
  repairMailStore(@Arg('input', () => RepairMailStoreInput, { nullable: true }) input: RepairMailStoreInput | undefined, @Ctx() ctx: GraphqlContext): Promise<RunJobPayload> {
    return startJob(ctx, REPAIR_JOB, { expungeMissingFiles: input?.expungeMissingFiles === true }, input?.wait !== false);
  }

  @Authorized('admin')
  @Mutation(() => ReconstructMailboxesPayload, {
    description:
      'Reconstructs a user\u2019s mailboxes, or one of them, from the message files (the seed\u2019s Reconstruct): files without a row are added, messages whose file is gone reported (expunged with expungeMissingFiles), sizes and counts put right. Safe while mail is served.',
  })
  async reconstructMailboxes(@Arg('input', () => ReconstructMailboxesInput) input: ReconstructMailboxesInput, @Ctx() ctx: GraphqlContext): Promise<ReconstructMailboxesPayload> {
    const id = userId(input.userId);
    const user = ctx.engine.directory.user(id);
    if (!user) throw notFound(`user ${input.userId}`);
    const { store } = ctx.engine;
    const names = input.mailbox === undefined ? store.mailboxes(id).map((b) => b.name) : [input.mailbox];
    if (input.mailbox !== undefined && !store.mailbox(id, input.mailbox)) throw notFound(`mailbox "${input.mailbox}" of ${user.shortName}`);
    const mailboxes = [];
    for (const name of names) {
      const r = await store.reconstruct(id, name, { expungeMissing: input.expungeMissingFiles === true });
      ctx.log.message('mailbox reconstructed', { user: user.shortName, mailbox: name, result: describeReconstruct(r), by: ctx.admin?.username });
      mailboxes.push({ mailbox: name, ...r });
    }
    return { mailboxes };
  }
}
