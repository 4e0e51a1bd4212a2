import { Arg, Authorized, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import type { BackupInfo } from '../../server/backup/backup-set';
import { BACKUP_DOWNLOAD_PATH } from '../../server/backup/backups';
import type { GraphqlContext } from '../context';
import { BackupType, DeleteBackupInput, DeleteBackupPayload } from './backup-types';

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

  @Authorized('admin')
  @Mutation(() => DeleteBackupPayload, { description: 'Removes one backup (complete or half-written). Later backups keep their own links to the files they share with it.' })
  async deleteBackup(@Arg('input', () => DeleteBackupInput) input: DeleteBackupInput, @Ctx() ctx: GraphqlContext): Promise<DeleteBackupPayload> {
    await ctx.engine.backups.remove(input.name);
    ctx.log.message('backup deleted', { name: input.name, by: ctx.admin?.username });
    return { removed: input.name };
  }
}
