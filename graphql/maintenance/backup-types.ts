import { Field, Float, InputType, Int, ObjectType } from 'type-graphql';
import { DateTimeISOResolver } from 'graphql-scalars';

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
