import { Arg, Authorized, Ctx, Field, FieldResolver, ID, InputType, Mutation, ObjectType, Resolver, Root } from 'type-graphql';
import { ALL_RIGHTS, type AclChangeContext, AclError, canonicalRights } from '../../server/store/acl';
import type { MailboxInfo } from '../../server/store/types';
import type { GraphqlContext } from '../context';
import { badInput, notFound } from '../errors';
import { toMailboxType, userId } from '../accounts/user-resolver';
import { MailboxType } from '../accounts/user-types';

const IDENTIFIERS = 'a user\u2019s short name, "anyone" (every user) or "group:NAME" (every member of the group NAME); with "-" in front, negative rights (taken away)';

@ObjectType('MailboxAclEntry', { description: 'Rights an identifier has on a mailbox (IMAP ACL, RFC 4314).' })
export class MailboxAclEntryType {
  @Field(() => String, { description: `The identifier: ${IDENTIFIERS}.` })
  identifier!: string;

  @Field(() => String, { description: `Rights, a subset of "${ALL_RIGHTS}" in that order.` })
  rights!: string;
}

@InputType()
export class SetMailboxAclInput {
  @Field(() => ID, { description: 'The owner of the mailbox.' })
  userId!: string;

  @Field(() => String)
  mailbox!: string;

  @Field(() => String, { description: `The identifier: ${IDENTIFIERS}.` })
  identifier!: string;

  @Field(() => String, { description: `Rights from "${ALL_RIGHTS}" (they replace the current ones); "" removes the entry.` })
  rights!: string;
}

@InputType()
export class MailboxAclEntryInput {
  @Field(() => String, { description: `The identifier: ${IDENTIFIERS}.` })
  identifier!: string;

  @Field(() => String, { description: `Rights from "${ALL_RIGHTS}".` })
  rights!: string;
}

/**
 * Checks and stores one ACL entry (the owner, if any, cannot be named: they always have
 * every right). Shared by personal mailboxes and public folders.
 */
export function setAclEntry(ctx: GraphqlContext, box: MailboxInfo, identifier: string, rights: string, ownerShortName?: string): void {
  aclRefusals(() => ctx.engine.store.acl.change(box.id, identifier, rights, aclContext(ctx, ownerShortName)));
}

/** What the ACL rules (server/store/acl.ts) check changes against. */
export function aclContext(ctx: GraphqlContext, ownerShortName?: string): AclChangeContext {
  return { ownerShortName, isUser: (name) => ctx.engine.directory.userByName(name)?.shortName === name };
}

/** Runs an ACL change, turning the rules' refusals into BAD_USER_INPUT. */
export function aclRefusals<T>(change: () => T): T {
  try {
    return change();
  } catch (err) {
    if (err instanceof AclError) throw badInput(err.message, err.code === 'INVALID_RIGHTS' ? 'rights' : 'identifier');
    throw err;
  }
}

/** The seed's cyradm "setaclmailbox": who other than the owner may use a mailbox over IMAP. */
@Resolver(() => MailboxType)
export class MailboxAclResolver {
  @FieldResolver(() => [MailboxAclEntryType], { description: 'Who other than the owner (who has every right) may use it, from the IMAP ACL; negative entries start with "-".' })
  acl(@Root() box: MailboxType, @Ctx() ctx: GraphqlContext): MailboxAclEntryType[] {
    return ctx.engine.store.acl.entries(box.mailboxId).map((e) => ({ identifier: e.identifier, rights: e.rights }));
  }

  @Authorized('admin')
  @Mutation(() => MailboxType, { description: 'Sets (or with rights "" removes) the rights of a user, "anyone", a group, or a negative identifier on a user\u2019s mailbox.' })
  setMailboxAcl(@Arg('input', () => SetMailboxAclInput) input: SetMailboxAclInput, @Ctx() ctx: GraphqlContext): MailboxType {
    const ownerId = userId(input.userId);
    const owner = ctx.engine.directory.user(ownerId);
    if (!owner) throw notFound(`user ${input.userId}`);
    const box = ctx.engine.store.mailbox(ownerId, input.mailbox);
    if (!box) throw notFound(`mailbox "${input.mailbox}"`);
    setAclEntry(ctx, box, input.identifier, input.rights, owner.shortName);
    ctx.log.message('mailbox ACL set', { user: owner.shortName, mailbox: box.name, identifier: input.identifier, rights: canonicalRights(input.rights), by: ctx.admin?.username });
    return toMailboxType(box);
  }
}
