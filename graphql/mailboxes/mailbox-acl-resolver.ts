import { Arg, Authorized, Ctx, Field, FieldResolver, ID, InputType, Mutation, ObjectType, Resolver, Root } from 'type-graphql';
import { ALL_RIGHTS, canonicalRights, unknownRight } from '../../server/store/acl';
import type { GraphqlContext } from '../context';
import { badInput, notFound } from '../errors';
import { toMailboxType, userId } from '../accounts/user-resolver';
import { MailboxType } from '../accounts/user-types';

@ObjectType('MailboxAclEntry', { description: 'Rights another user (or "anyone") has on a mailbox (IMAP ACL, RFC 4314).' })
export class MailboxAclEntryType {
  @Field(() => String, { description: 'A user\u2019s short name, or "anyone" for every user.' })
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

  @Field(() => String, { description: 'A user\u2019s short name, or "anyone".' })
  identifier!: string;

  @Field(() => String, { description: `Rights from "${ALL_RIGHTS}" (they replace the current ones); "" removes the entry.` })
  rights!: string;
}

/** The seed's cyradm "setaclmailbox": who other than the owner may use a mailbox over IMAP. */
@Resolver(() => MailboxType)
export class MailboxAclResolver {
  @FieldResolver(() => [MailboxAclEntryType], { description: 'Who other than the owner (who has every right) may use it, from the IMAP ACL.' })
  acl(@Root() box: MailboxType, @Ctx() ctx: GraphqlContext): MailboxAclEntryType[] {
    return ctx.engine.store.acl.entries(box.mailboxId).map((e) => ({ identifier: e.identifier, rights: e.rights }));
  }

  @Authorized('admin')
  @Mutation(() => MailboxType, { description: 'Sets (or with rights "" removes) the rights of a user or "anyone" on a mailbox.' })
  setMailboxAcl(@Arg('input', () => SetMailboxAclInput) input: SetMailboxAclInput, @Ctx() ctx: GraphqlContext): MailboxType {
    const ownerId = userId(input.userId);
    const owner = ctx.engine.directory.user(ownerId);
    if (!owner) throw notFound(`user ${input.userId}`);
    const box = ctx.engine.store.mailbox(ownerId, input.mailbox);
    if (!box) throw notFound(`mailbox "${input.mailbox}"`);
    const bad = unknownRight(input.rights);
    if (bad !== undefined) throw badInput(`"${bad}" is not a right; rights are ${ALL_RIGHTS}`, 'rights');
    if (input.identifier === owner.shortName) throw badInput('the owner always has every right', 'identifier');
    if (input.identifier !== 'anyone') {
      const grantee = ctx.engine.directory.userByName(input.identifier);
      if (!grantee || grantee.shortName !== input.identifier) throw badInput(`no user with the short name "${input.identifier}"`, 'identifier');
    }
    ctx.engine.store.acl.set(box.id, input.identifier, input.rights);
    ctx.log.message('mailbox ACL set', { user: owner.shortName, mailbox: box.name, identifier: input.identifier, rights: canonicalRights(input.rights), by: ctx.admin?.username });
    return toMailboxType(box);
  }
}
