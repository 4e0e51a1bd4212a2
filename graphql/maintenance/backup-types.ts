import { Field, Float, InputType, Int, ObjectType } from 'type-graphql';
import { DateTimeISOResolver } from 'graphql-scalars';
import { RESTORE_STATES } from '../../server/backup/restore-in-place';
import { closedSet } from '../enums';

@ObjectType('Backup', { description: 'One backup of the backup set in backupDirectory.' })
export class BackupType {
  @Field(() => String, { description: 'Its number in the set (six digits); newer backups have higher numbers.' })
  name!: string;

  @Field(() => Boolean, { description: 'False for a half-written backup (interrupted, or still being written): never used for a restore; the backup job\u2019s retention removes it.' })
  complete!: boolean;

  @Field(() => DateTimeISOResolver, { nullable: true })
  startedAt!: Date | null;

  @Field(() => DateTimeISOResolver, { nullable: true, description: 'When it was complete; null for a half-written one.' })
  finishedAt!: Date | null;

  @Field(() => Float, { description: 'Bytes of all its files: what a restore writes.' })
  sizeBytes!: number;

  @Field(() => Int)
  files!: number;

  @Field(() => Float, { description: 'Bytes this backup copied; its other files are hard links to the previous backup\u2019s copies and take no space.' })
  copiedBytes!: number;

  @Field(() => Int, { description: 'Files unchanged since the previous backup (hard links).' })
  linkedFiles!: number;

  @Field(() => Int, { description: 'Messages whose file was already missing from the store when it was taken (run the repair).' })
  missingFiles!: number;

  @Field(() => String, { nullable: true, description: 'The engine version that wrote it.' })
  engineVersion!: string | null;

  @Field(() => String, { nullable: true, description: 'GET this path on the management endpoint (Authorization: Bearer <token>, admin role) for the backup as a tar stream; null while incomplete.' })
  downloadPath!: string | null;
}

@InputType()
export class DeleteBackupInput {
  @Field(() => String, { description: 'The backup\u2019s name (six digits).' })
  name!: string;
}

@ObjectType()
export class DeleteBackupPayload {
  @Field(() => String, { description: 'The backup removed.' })
  removed!: string;
}

export const RestoreState = closedSet(RESTORE_STATES, {
  name: 'RestoreState',
  meanings: {
    IDLE: 'No restore has run on this data directory.',
    VERIFYING: 'Checking every file of the backup against its manifest; the engine still serves.',
    RESTORING: 'The engine has stopped to restore the backup; it starts again on the restored store.',
    DONE: 'The backup was restored (the engine runs on it).',
    FAILED: 'The restore was refused or failed; nothing was changed (message says why).',
  },
});

@ObjectType('RestoreStatus', { description: 'The restore in progress, or the outcome of the last one (kept across the restart a restore ends with).' })
export class RestoreStatusType {
  @Field(() => RestoreState)
  state!: string;

  @Field(() => String, { nullable: true, description: 'The backup\u2019s name in the backup set.' })
  backup?: string;

  @Field(() => DateTimeISOResolver, { nullable: true })
  startedAt?: Date;

  @Field(() => DateTimeISOResolver, { nullable: true })
  finishedAt?: Date;

  @Field(() => Int, { description: 'Files of the backup checked so far.' })
  filesChecked!: number;

  @Field(() => Int)
  filesTotal!: number;

  @Field(() => String)
  message!: string;
}

@InputType()
export class RestoreBackupInput {
  @Field(() => String, { description: 'The backup\u2019s name (six digits), from `backups`.' })
  name!: string;

  @Field(() => String, { description: 'Must be RESTORE: every mail, account and setting changed since the backup is replaced by the backup\u2019s.' })
  confirm!: string;
}
