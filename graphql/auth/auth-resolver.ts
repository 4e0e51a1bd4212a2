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
    // The shared throttle refuses unchecked while the address must wait, delays failures and logs them.
    const outcome = await authThrottle.attempt(
      { service: 'graphql', client: ctx.remoteAddress, username },
      async () => (username.length <= 256 && password.length <= 1024 ? await admins.login(username, password) : undefined),
      { secret: password.slice(0, 1024) },
    );
    if (outcome.status === 'failed') throw new ApiError('INVALID_CREDENTIALS', 'wrong user name or password');
    if (outcome.status !== 'ok') {
      throw new ApiError('TOO_MANY_FAILURES', `too many failed logins from your address; try again in ${outcome.retryAfterSeconds} seconds`, {
        retryAfterSeconds: outcome.retryAfterSeconds,
      });
    }
    const result = outcome.value;
    ctx.log.message('management login', { username: result.account.username, role: result.account.role, remote: ctx.remoteAddress });
    return { token: result.token, expiresAt: result.expiresAt, role: result.account.role, admin: result.account };
  }

  @Authorized('admin', 'monitor', 'user')
  @Mutation(() => Boolean, { description: 'Revokes the token this request was made with (a management account\u2019s or a mail user\u2019s).' })
  logout(@Ctx() ctx: GraphqlContext): boolean {
    if (!ctx.token) throw unauthenticated();
    if (ctx.user) ctx.engine.userSessions.logout(ctx.token);
    else ctx.engine.admins.logout(ctx.token);
    return true;
  }

  @Authorized()
  @Query(() => AdminType, { description: 'The account the token belongs to.' })
  me(@Ctx() ctx: GraphqlContext): AdminType {
    if (!ctx.admin) throw unauthenticated();
    return ctx.admin;
  }
}
