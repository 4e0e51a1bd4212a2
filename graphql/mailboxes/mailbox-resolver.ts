import { Arg, Authorized, Ctx, Field, ID, InputType, Mutation, Resolver } from 'type-graphql';
import type { GraphqlContext } from '../context';
import { notFound } from '../errors';
import { toMailboxType, userId } from '../accounts/user-resolver';
import { MailboxType } from '../accounts/user-types';

@InputType()
export class MailboxInput {
  @Field(() => ID)
  userId!: string;

  @Field(() => String, { description: 'Full name; "/" separates levels. Missing parents are created.' })
  name!: string;
}

@InputType()
export class RenameMailboxInput {
  @Field(() => ID)
  userId!: string;

  @Field(() => String)
  name!: string;

  @Field(() => String)
  newName!: string;
}

/**
 * Mailbox administration, the seed's cyradm: create, rename and delete a user's
 * folders. (The folder list is the `mailboxes` field of User.)
 */
@Resolver()
export class MailboxResolver {
  @Authorized('admin')
  @Mutation(() => MailboxType)
  createMailbox(@Arg('input', () => MailboxInput) input: MailboxInput, @Ctx() ctx: GraphqlContext): MailboxType {
    const id = existingUser(ctx, input.userId);
    const box = ctx.engine.store.createMailbox(id, input.name);
    ctx.log.message('mailbox created', { user: id, mailbox: box.name, by: ctx.admin?.username });
    return toMailboxType(box);
  }

  @Authorized('admin')
  @Mutation(() => MailboxType)
  renameMailbox(@Arg('input', () => RenameMailboxInput) input: RenameMailboxInput, @Ctx() ctx: GraphqlContext): MailboxType {
    const id = existingUser(ctx, input.userId);
    ctx.engine.store.renameMailbox(id, input.name, input.newName);
    const box = ctx.engine.store.mailbox(id, input.newName);
    if (!box) throw notFound(`mailbox "${input.newName}"`);
    ctx.log.message('mailbox renamed', { user: id, from: input.name, to: box.name, by: ctx.admin?.username });
    return toMailboxType(box);
  }

  @Authorized('admin')
  @Mutation(() => Boolean, { description: 'Deletes a folder and the messages in it (not its subfolders). INBOX cannot be deleted.' })
  async deleteMailbox(@Arg('input', () => MailboxInput) input: MailboxInput, @Ctx() ctx: GraphqlContext): Promise<boolean> {
    const id = existingUser(ctx, input.userId);
    await ctx.engine.store.deleteMailbox(id, input.name);
    ctx.log.message('mailbox deleted', { user: id, mailbox: input.name, by: ctx.admin?.username });
    return true;
  }
}

function existingUser(ctx: GraphqlContext, id: string): number {
  const n = userId(id);
  if (!ctx.engine.directory.user(n)) throw notFound(`user ${id}`);
  return n;
}
