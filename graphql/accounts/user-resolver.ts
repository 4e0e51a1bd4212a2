import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { type User, userMatches } from '../../server/directory/types';
import { SPECIAL_USES, type MailboxInfo } from '../../server/store/types';
import type { GraphqlContext } from '../context';
import { badInput, notFound } from '../errors';
import { type Connection, PageArgs, paginate } from '../pagination';
import { withoutNulls } from '../inputs';
import { CreateUserInput, DeleteUserInput, SetUserPasswordInput, UpdateUserInput } from './user-inputs';
import { MailboxType, QuotaType, UserConnection, UserType } from './user-types';

const toUser = (u: User): UserType => ({ ...u, createdAt: new Date(u.createdAt) });

export const toMailboxType = (m: MailboxInfo): MailboxType => ({
  mailboxId: m.id,
  name: m.name,
  messages: m.messageCount,
  size: m.totalSize,
  // Only RFC 6154's attributes; the store gives no other, and an unknown one is no use to a client.
  specialUse: (SPECIAL_USES as readonly (string | null)[]).includes(m.specialUse) ? (m.specialUse ?? undefined) : undefined,
});

/** IDs are decimal user numbers; anything else cannot name a user. */
export function userId(id: string | number): number {
  const n = Number(id);
  if (!Number.isSafeInteger(n) || n <= 0) throw notFound(`user ${JSON.stringify(id)}`);
  return n;
}

/** The number of an existing user, or NOT_FOUND. */
export function existingUserId(ctx: GraphqlContext, id: string): number {
  const n = userId(id);
  if (!ctx.engine.directory.user(n)) throw notFound(`user ${id}`);
  return n;
}

@Resolver(() => UserType)
export class UserResolver {
  @Authorized()
  @Query(() => UserConnection, { description: 'Mail users by short name.' })
  users(
    @Args(() => PageArgs) page: PageArgs,
    @Arg('search', () => String, { nullable: true, description: 'Part of a short name, additional name or full name.' })
    search: string | undefined,
    @Ctx() ctx: GraphqlContext,
  ): Connection<UserType> {
    const users = ctx.engine.directory.users().filter((u) => userMatches(u, search));
    return paginate(users.map(toUser), (u) => u.shortName, page);
  }

  @Authorized()
  @Query(() => UserType, { nullable: true, description: 'One user by id, or by short name (also additional names).' })
  user(
    @Arg('id', () => ID, { nullable: true }) id: string | undefined,
    @Arg('shortName', () => String, { nullable: true }) shortName: string | undefined,
    @Ctx() ctx: GraphqlContext,
  ): UserType | null {
    const { directory } = ctx.engine;
    if (id != null) {
      const n = Number(id);
      const user = Number.isSafeInteger(n) ? directory.user(n) : undefined;
      return user ? toUser(user) : null;
    }
    if (shortName != null) {
      const user = directory.userByName(shortName);
      return user ? toUser(user) : null;
    }
    throw badInput('give id or shortName');
  }

  @FieldResolver(() => QuotaType)
  quota(@Root() user: UserType, @Ctx() ctx: GraphqlContext): QuotaType {
    return ctx.engine.accounts.quota(user as unknown as User);
  }

  @FieldResolver(() => [MailboxType])
  mailboxes(@Root() user: UserType, @Ctx() ctx: GraphqlContext): MailboxType[] {
    return ctx.engine.store.mailboxes(user.id).map(toMailboxType);
  }

  @Authorized('admin')
  @Mutation(() => UserType, { description: 'Creates a mail user with INBOX and the standard folders.' })
  async createUser(@Arg('input', () => CreateUserInput) input: CreateUserInput, @Ctx() ctx: GraphqlContext): Promise<UserType> {
    const clean = withoutNulls(input);
    const user = await ctx.engine.accounts.create(clean);
    ctx.log.message('user created', { user: user.shortName, by: ctx.admin?.username });
    return toUser(user);
  }

  @Authorized('admin')
  @Mutation(() => UserType)
  async updateUser(@Arg('input', () => UpdateUserInput) input: UpdateUserInput, @Ctx() ctx: GraphqlContext): Promise<UserType> {
    const { id, ...patch } = withoutNulls(input);
    const user = await ctx.engine.accounts.update(userId(id), patch);
    ctx.log.message('user updated', { user: user.shortName, fields: Object.keys(patch), by: ctx.admin?.username });
    return toUser(user);
  }

  @Authorized('admin')
  @Mutation(() => UserType)
  async setUserPassword(
    @Arg('input', () => SetUserPasswordInput) input: SetUserPasswordInput,
    @Ctx() ctx: GraphqlContext,
  ): Promise<UserType> {
    const user = await ctx.engine.accounts.update(userId(input.id), { password: input.password });
    // A password set by an administrator (often: the account was taken over) ends the user's own API sessions.
    ctx.engine.userSessions.endOthers(user.id, undefined);
    ctx.log.message('user password set', { user: user.shortName, by: ctx.admin?.username });
    return toUser(user);
  }

  @Authorized('admin')
  @Mutation(() => Boolean, { description: 'Deletes the user and all of the user\u2019s mail.' })
  async deleteUser(@Arg('input', () => DeleteUserInput) input: DeleteUserInput, @Ctx() ctx: GraphqlContext): Promise<boolean> {
    const id = userId(input.id);
    const name = ctx.engine.directory.user(id)?.shortName;
    await ctx.engine.accounts.delete(id);
    ctx.log.message('user deleted', { user: name, by: ctx.admin?.username });
    return true;
  }
}
