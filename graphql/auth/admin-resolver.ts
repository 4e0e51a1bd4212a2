import { Arg, Args, Authorized, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import type { AdminAccount } from '../../server/directory/admins';
import type { GraphqlContext } from '../context';
import { ApiError, badInput, notFound } from '../errors';
import { type Connection, PageArgs, paginate } from '../pagination';
import { AdminConnection, AdminType, CreateAdminInput, DeleteAdminInput, SetAdminPasswordInput } from './admin-types';

const USERNAME = /^[a-z0-9][a-z0-9._@-]{0,63}$/i;

function checkPassword(password: string): void {
  if (password.length < 8) throw new ApiError('WEAK_PASSWORD', 'passwords need at least 8 characters');
  if (password.length > 1024) throw badInput('passwords are limited to 1024 characters', 'password');
}

@Resolver()
export class AdminResolver {
  @Authorized()
  @Query(() => AdminConnection, { description: 'Management accounts.' })
  admins(@Args(() => PageArgs) page: PageArgs, @Ctx() ctx: GraphqlContext): Connection<AdminAccount> {
    return paginate(ctx.engine.admins.list(), (a) => a.username.toLowerCase(), page);
  }

  @Authorized('admin')
  @Mutation(() => AdminType)
  async createAdmin(@Arg('input', () => CreateAdminInput) input: CreateAdminInput, @Ctx() ctx: GraphqlContext): Promise<AdminAccount> {
    const username = input.username.trim();
    if (!USERNAME.test(username)) {
      throw badInput(`"${input.username}" is not a valid user name (letters, digits, . _ @ -; up to 64)`, 'username');
    }
    checkPassword(input.password);
    const admins = ctx.engine.admins;
    if (admins.list().some((a) => a.username.toLowerCase() === username.toLowerCase())) {
      throw new ApiError('NAME_TAKEN', `a management account "${username}" already exists`);
    }
    const account = await admins.create(username, input.password, input.role ?? 'admin');
    ctx.log.message('management account created', { username, role: account.role, by: ctx.admin?.username });
    return account;
  }

  @Authorized('admin')
  @Mutation(() => Boolean, { description: 'Sets a management account\u2019s password and revokes its tokens.' })
  async setAdminPassword(
    @Arg('input', () => SetAdminPasswordInput) input: SetAdminPasswordInput,
    @Ctx() ctx: GraphqlContext,
  ): Promise<boolean> {
    checkPassword(input.password);
    const account = findAdmin(ctx, input.username);
    await ctx.engine.admins.setPassword(account.username, input.password);
    ctx.log.message('management password changed', { username: account.username, by: ctx.admin?.username });
    return true;
  }

  @Authorized('admin')
  @Mutation(() => Boolean, { description: 'Deletes a management account. You cannot delete yourself or the last ADMIN.' })
  deleteAdmin(@Arg('input', () => DeleteAdminInput) input: DeleteAdminInput, @Ctx() ctx: GraphqlContext): boolean {
    const account = findAdmin(ctx, input.username);
    if (account.id === ctx.admin?.id) throw new ApiError('NOT_ALLOWED', 'you cannot delete the account you are logged in with');
    const admins = ctx.engine.admins.list().filter((a) => a.role === 'admin');
    if (account.role === 'admin' && admins.length <= 1) throw new ApiError('NOT_ALLOWED', 'the last ADMIN account cannot be deleted');
    ctx.engine.admins.delete(account.username);
    ctx.log.message('management account deleted', { username: account.username, by: ctx.admin?.username });
    return true;
  }
}

function findAdmin(ctx: GraphqlContext, username: string): AdminAccount {
  const account = ctx.engine.admins.list().find((a) => a.username.toLowerCase() === username.trim().toLowerCase());
  if (!account) throw notFound(`management account "${username}"`);
  return account;
}
