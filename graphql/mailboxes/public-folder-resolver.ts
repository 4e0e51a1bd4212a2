import { Arg, Args, Authorized, Ctx, Field, InputType, Mutation, Query, Resolver } from 'type-graphql';
import { canonicalRights } from '../../server/store/acl';
import type { GraphqlContext } from '../context';
import { notFound } from '../errors';
import { type Connection, PageArgs, connectionType, paginate } from '../pagination';
import { toMailboxType } from '../accounts/user-resolver';
import { MailboxType } from '../accounts/user-types';
import { MailboxAclEntryInput, aclContext, aclRefusals, setAclEntry } from './mailbox-acl-resolver';

export const MailboxConnection = connectionType('Mailbox', MailboxType);

@InputType()
export class CreatePublicFolderInput {
  @Field(() => String, { description: 'Name without the IMAP prefix ("News", not "Shared Folders/News"); "/" separates levels; missing parents are created.' })
  name!: string;

  @Field(() => [MailboxAclEntryInput], {
    nullable: true,
    description: 'Its ACL. Omitted: the ACL of the nearest existing parent folder, or at the top level "anyone lrs" (every user may see and read it).',
  })
  acl?: MailboxAclEntryInput[];
}

@InputType()
export class PublicFolderInput {
  @Field(() => String)
  name!: string;
}

@InputType()
export class RenamePublicFolderInput {
  @Field(() => String)
  name!: string;

  @Field(() => String)
  newName!: string;
}

@InputType()
export class SetPublicFolderAclInput {
  @Field(() => String)
  name!: string;

  @Field(() => String, { description: 'A user\u2019s short name, "anyone" or "group:NAME"; "-" in front for negative rights.' })
  identifier!: string;

  @Field(() => String, { description: 'Rights from "lrswipkxtea" (they replace the current ones); "" removes the entry.' })
  rights!: string;
}

/**
 * Public (shared) folders, the seed's Cyrus shared mailboxes: they belong to no user,
 * appear over IMAP under "Shared Folders/", and who may do what in them is their ACL alone.
 */
@Resolver()
export class PublicFolderResolver {
  @Authorized()
  @Query(() => MailboxConnection, { description: 'The public folders by name (over IMAP under "Shared Folders/").' })
  publicFolders(@Args(() => PageArgs) page: PageArgs, @Ctx() ctx: GraphqlContext): Connection<MailboxType> {
    const { store } = ctx.engine;
    return paginate(store.mailboxes(store.publicOwnerId).map(toMailboxType), (m) => m.name, page);
  }

  @Authorized('admin')
  @Mutation(() => MailboxType, { description: 'Creates a public folder.' })
  createPublicFolder(@Arg('input', () => CreatePublicFolderInput) input: CreatePublicFolderInput, @Ctx() ctx: GraphqlContext): MailboxType {
    const { store } = ctx.engine;
    const box = aclRefusals(() => store.createPublicFolder(input.name, input.acl, aclContext(ctx)));
    ctx.log.message('public folder created', { mailbox: box.name, by: ctx.admin?.username });
    return toMailboxType(box);
  }

  @Authorized('admin')
  @Mutation(() => MailboxType, { description: 'Renames a public folder; its subfolders follow, ACLs stay with them.' })
  renamePublicFolder(@Arg('input', () => RenamePublicFolderInput) input: RenamePublicFolderInput, @Ctx() ctx: GraphqlContext): MailboxType {
    const { store } = ctx.engine;
    store.renameMailbox(store.publicOwnerId, input.name, input.newName);
    const box = store.mailbox(store.publicOwnerId, input.newName);
    if (!box) throw notFound(`public folder "${input.newName}"`);
    ctx.log.message('public folder renamed', { from: input.name, to: box.name, by: ctx.admin?.username });
    return toMailboxType(box);
  }

  @Authorized('admin')
  @Mutation(() => Boolean, { description: 'Deletes a public folder and the messages in it (not its subfolders).' })
  async deletePublicFolder(@Arg('input', () => PublicFolderInput) input: PublicFolderInput, @Ctx() ctx: GraphqlContext): Promise<boolean> {
    const { store } = ctx.engine;
    await store.deleteMailbox(store.publicOwnerId, input.name);
    ctx.log.message('public folder deleted', { mailbox: input.name, by: ctx.admin?.username });
    return true;
  }

  @Authorized('admin')
  @Mutation(() => MailboxType, { description: 'Sets (or with rights "" removes) the rights of an identifier on a public folder.' })
  setPublicFolderAcl(@Arg('input', () => SetPublicFolderAclInput) input: SetPublicFolderAclInput, @Ctx() ctx: GraphqlContext): MailboxType {
    const { store } = ctx.engine;
    const box = store.mailbox(store.publicOwnerId, input.name);
    if (!box) throw notFound(`public folder "${input.name}"`);
    setAclEntry(ctx, box, input.identifier, input.rights);
    ctx.log.message('public folder ACL set', { mailbox: box.name, identifier: input.identifier, rights: canonicalRights(input.rights), by: ctx.admin?.username });
    return toMailboxType(box);
  }
}
