import { Arg, Authorized, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import type { GraphqlContext } from '../context';
import { ApiError, unauthenticated } from '../errors';
import { AdminType, LoginPayload } from './admin-types';

@Resolver()
export class AuthResolver {
  @Mutation(() => LoginPayload, {
    description: 'Exchanges a management user name and password for a bearer token (valid 12 hours).',
  })
  async login(
    @Arg('username', () => String) username: string,
    @Arg('password', () => String) password: string,
    @Ctx() ctx: GraphqlContext,
  ): Promise<LoginPayload> {
    const { admins, authThrottle } = ctx.engine;
    const result = username.length <= 256 && password.length <= 1024 ? await admins.login(username, password) : undefined;
    if (!result) {
      ctx.log.message('management login failed', { username, remote: ctx.remoteAddress });
      await authThrottle.failed(ctx.remoteAddress);
      throw new ApiError('INVALID_CREDENTIALS', 'wrong user name or password');
    }
    authThrottle.succeeded(ctx.remoteAddress);
    ctx.log.message('management login', { username: result.account.username, role: result.account.role, remote: ctx.remoteAddress });
    return { token: result.token, expiresAt: result.expiresAt, role: result.account.role, admin: result.account };
  }

  @Authorized()
  @Mutation(() => Boolean, { description: 'Revokes the token this request was made with.' })
  logout(@Ctx() ctx: GraphqlContext): boolean {
    if (!ctx.token) throw unauthenticated();
    ctx.engine.admins.logout(ctx.token);
    return true;
  }

  @Authorized()
  @Query(() => AdminType, { description: 'The account the token belongs to.' })
  me(@Ctx() ctx: GraphqlContext): AdminType {
    if (!ctx.admin) throw unauthenticated();
    return ctx.admin;
  }
}
