import { Arg, Authorized, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import type { BackupInfo } from '../../server/backup/backup-set';
import { BACKUP_DOWNLOAD_PATH } from '../../server/backup/backups';
import type { GraphqlContext } from '../context';
import { badInput } from '../errors';
import type { RestoreStatus } from '../../server/backup/restore-in-place';
import { BackupType, DeleteBackupInput, DeleteBackupPayload, RestoreBackupInput, RestoreStatusType } from './backup-types';

const toRestoreStatus = (s: RestoreStatus): RestoreStatusType => ({
  ...s,
  startedAt: s.startedAt ? new Date(s.startedAt) : undefined,
  finishedAt: s.finishedAt ? new Date(s.finishedAt) : undefined,
});

function toBackup(b: BackupInfo): BackupType {
  const { size, ...rest } = b;
  return { ...rest, sizeBytes: size, downloadPath: b.complete ? `${BACKUP_DOWNLOAD_PATH}${b.name}.tar` : null };
}

@Resolver()
export class BackupResolver {
  @Authorized()
  @Query(() => [BackupType], { description: 'The backups in backupDirectory, newest first (NOT_CONFIGURED while it is not set). runJob(input: {name: "backup"}) takes one now.' })
  async backups(@Ctx() ctx: GraphqlContext): Promise<BackupType[]> {
    return (await ctx.engine.backups.list()).map(toBackup);
  }

  @Authorized()
  @Query(() => RestoreStatusType, { description: 'The restore in progress (restoreBackup), or the outcome of the last one.' })
  restoreStatus(@Ctx() ctx: GraphqlContext): RestoreStatusType {
    return toRestoreStatus(ctx.engine.restore.status());
  }

  @Authorized('admin')
  @Mutation(() => RestoreStatusType, {
    description:
      'Replaces the mail store, accounts and settings with a backup of backupDirectory (docs/operations.md, "Restore through the API"). ' +
      'The backup\u2019s files are checked first while the engine serves (a damaged one: FAILED, nothing changed); then the engine stops, ' +
      'restores, and exits for its supervisor to start it on the restored store. Follow it with restoreStatus.',
  })
  restoreBackup(@Arg('input', () => RestoreBackupInput) input: RestoreBackupInput, @Ctx() ctx: GraphqlContext): RestoreStatusType {
    if (input.confirm !== 'RESTORE') throw badInput('type RESTORE in confirm: a restore replaces all mail, accounts and settings changed since the backup', 'confirm');
    const status = toRestoreStatus(ctx.engine.restore.start(input.name));
    ctx.log.message('restore started', { backup: input.name, by: ctx.admin?.username });
    return status;
  }

  @Authorized('admin')
  @Mutation(() => DeleteBackupPayload, { description: 'Removes one backup (complete or half-written). Later backups keep their own links to the files they share with it.' })
  async deleteBackup(@Arg('input', () => DeleteBackupInput) input: DeleteBackupInput, @Ctx() ctx: GraphqlContext): Promise<DeleteBackupPayload> {
    await ctx.engine.backups.remove(input.name);
    ctx.log.message('backup deleted', { name: input.name, by: ctx.admin?.username });
    return { removed: input.name };
  }
}
