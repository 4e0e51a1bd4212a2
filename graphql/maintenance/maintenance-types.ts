import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';

@InputType({ description: 'Options of a repair run started by hand.' })
export class RepairMailStoreInput {
  @Field(() => Boolean, {
    nullable: true,
    description:
      'Expunge the messages whose file is gone (clients are told, as for any expunge). Default false: they are reported in the run\u2019s output and the jobs log, and kept.',
  })
  expungeMissingFiles?: boolean;

  @Field(() => Boolean, { nullable: true, description: 'Wait for the run to finish (default true, as runJob); false answers at once with the run RUNNING, to follow with `job { progress }` or the `jobRunUpdates` subscription.' })
  wait?: boolean;
}

@InputType({ description: 'Which mailboxes to reconstruct: one user\u2019s, or one of them.' })
export class ReconstructMailboxesInput {
  @Field(() => ID)
  userId!: string;

  @Field(() => String, { nullable: true, description: 'One mailbox (full name); default every mailbox of the user.' })
  mailbox?: string;

  @Field(() => Boolean, { nullable: true, description: 'Expunge the messages whose file is gone (default false: reported and kept).' })
  expungeMissingFiles?: boolean;
}

@ObjectType('MissingMessage', { description: 'A message whose file is gone.' })
export class MissingMessageType {
  @Field(() => Int)
  uid!: number;

  @Field(() => String, { description: 'The file the database names.' })
  file!: string;
}

@ObjectType('MailboxReconstruction', { description: 'What reconstructing one mailbox found and did.' })
export class MailboxReconstructionType {
  @Field(() => String)
  mailbox!: string;

  @Field(() => Int, { description: 'Message files without a row, added with new UIDs.' })
  added!: number;

  @Field(() => Int, { description: 'Messages whose file is gone.' })
  missing!: number;

  @Field(() => Int, { description: 'Of those, expunged (expungeMissingFiles).' })
  expunged!: number;

  @Field(() => Int, { description: 'Messages whose recorded size was not their file\u2019s: corrected.' })
  resized!: number;

  @Field(() => Int, { description: 'Half-written temporary files (left by a crash) removed.' })
  staleTemp!: number;

  @Field(() => [MissingMessageType], { description: 'The first 100 missing messages.' })
  missingMessages!: MissingMessageType[];
}

@ObjectType('ReconstructMailboxesPayload')
export class ReconstructMailboxesPayload {
  @Field(() => [MailboxReconstructionType])
  mailboxes!: MailboxReconstructionType[];
}
