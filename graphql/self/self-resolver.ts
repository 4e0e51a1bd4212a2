import { Arg, Authorized, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { existingUserId } from '../accounts/user-resolver';
import type { AppPassword } from '../../server/directory/app-passwords';
import type { User } from '../../server/directory/types';
import { clientEndpoints, clientHost } from '../../server/config/client-endpoints';
import { MOBILECONFIG_PATH } from '../../server/web/mobileconfig';
import type { GraphqlContext } from '../context';
import { ApiError, notFound, unauthenticated } from '../errors';
import {
  AppPasswordType,
  ChangeMyPasswordInput,
  CreateAppPasswordInput,
  CreateAppPasswordPayload,
  MyAccountType,
  RevokeAppPasswordInput,
  RevokeUserAppPasswordInput,
  SetMyForwardingInput,
  UserLoginPayload,
} from './self-types';

/** The logged-in mail user; every USER operation acts on this one and never on an id from the request. */
export function me(ctx: GraphqlContext): User {
  if (!ctx.user) throw unauthenticated();
  return ctx.user.user;
}

export function myAccount(ctx: GraphqlContext, user: User): MyAccountType {
  const addresses = ctx.engine.accounts.addressesOf(user);
  return {
    id: user.id,
    shortName: user.shortName,
    fullName: user.fullName,
    addresses,
    forwardTo: user.forwardTo,
    mayForward: ctx.engine.settings.get().usersMaySetForwarding,
    quota: ctx.engine.accounts.quota(user),
    mobileconfigUrl: `${MOBILECONFIG_PATH}${encodeURIComponent(addresses[0] ?? user.shortName)}.mobileconfig`,
    clientSettings: clientSettingsFor(ctx, addresses[0]),
    signedInWithAppPassword: ctx.user?.appPasswordId !== undefined,
  };
}

/** The endpoints the autoconfiguration answers give for the address's domain (server/config/client-endpoints.ts). */
function clientSettingsFor(ctx: GraphqlContext, address: string | undefined): MyAccountType['clientSettings'] {
  const { engine } = ctx;
  const domain = address?.slice(address.lastIndexOf('@') + 1) ?? engine.options.hostname;
  const host = clientHost(domain, engine.options.hostname, engine.tls.store.domainCertificateNames(domain));
  return clientEndpoints(engine.settings.get(), engine.ports, host).map(({ protocol, host: h, port, security }) => ({ protocol, host: h, port, security }));
}

const toAppPassword = (p: AppPassword): AppPasswordType => ({
  id: p.id,
  name: p.name,
  createdAt: new Date(p.createdAt),
  lastUsedAt: p.lastUsedAt ? new Date(p.lastUsedAt) : undefined,
});

const tooManyFailures = (retryAfterSeconds: number) =>
  new ApiError('TOO_MANY_FAILURES', `too many failed attempts from your address; try again in ${retryAfterSeconds} seconds`, { retryAfterSeconds });

/** Managing app passwords and the password itself takes the mail password's session: a leaked app password must not make more. */
function requireMailPasswordSession(ctx: GraphqlContext): void {
  if (ctx.user?.appPasswordId !== undefined) {
    throw new ApiError('NOT_ALLOWED', 'this session was opened with an app password; log in with your mail password to manage app passwords');
  }
}

/**
 * The mail user's own account (role USER): login, password, app passwords, forwarding.
 * Rules stay in server/ (Directory's password policy, Accounts, AppPasswords), as for the admin paths.
 */
@Resolver()
export class SelfResolver {
  @Mutation(() => UserLoginPayload, {
    description: 'A mail user logs in with the mail password or an app password and gets a token of role USER (valid 12 hours). Management accounts use login.',
  })
  async userLogin(
    @Arg('username', () => String, { description: 'Short name, additional name or address.' }) username: string,
    @Arg('password', () => String) password: string,
    @Ctx() ctx: GraphqlContext,
  ): Promise<UserLoginPayload> {
    const outcome = await ctx.engine.authThrottle.attempt(
      { service: 'graphql_user', client: ctx.remoteAddress, username },
      async () => (username.length <= 256 && password.length <= 1024 ? await ctx.engine.userSessions.login(username, password) : undefined),
      { secret: password.slice(0, 1024) },
    );
    if (outcome.status === 'failed') throw new ApiError('INVALID_CREDENTIALS', 'wrong user name or password');
    if (outcome.status !== 'ok') throw tooManyFailures(outcome.retryAfterSeconds);
    const { token, session, expiresAt } = outcome.value;
    ctx.log.message('user login', { user: session.user.shortName, appPassword: session.appPasswordId !== undefined, remote: ctx.remoteAddress });
    return { token, expiresAt, account: myAccount({ ...ctx, user: session }, session.user) };
  }

  @Authorized('user')
  @Query(() => MyAccountType, { description: 'The logged-in mail user\u2019s account, quota and forwarding.' })
  myAccount(@Ctx() ctx: GraphqlContext): MyAccountType {
    return myAccount(ctx, me(ctx));
  }

  @Authorized('user')
  @Mutation(() => Boolean, { description: 'Changes the mail password (the current one is required; the password policy applies). Your other sessions end; app passwords stay.' })
  async changeMyPassword(@Arg('input', () => ChangeMyPasswordInput) input: ChangeMyPasswordInput, @Ctx() ctx: GraphqlContext): Promise<boolean> {
    const user = me(ctx);
    requireMailPasswordSession(ctx);
    // Through the authentication throttle like a login: a stolen session must not become a way to guess the password.
    const outcome = await ctx.engine.authThrottle.attempt(
      { service: 'graphql_user', client: ctx.remoteAddress, username: user.shortName },
      async () => (input.currentPassword.length <= 1024 && (await ctx.engine.directory.verifyMailPassword(user.id, input.currentPassword)) ? true : undefined),
      { secret: input.currentPassword.slice(0, 1024) },
    );
    if (outcome.status === 'failed') throw new ApiError('INVALID_CREDENTIALS', 'the current password is wrong', { field: 'currentPassword' });
    if (outcome.status !== 'ok') throw tooManyFailures(outcome.retryAfterSeconds);
    await ctx.engine.accounts.update(user.id, { password: input.newPassword });
    ctx.engine.userSessions.endOthers(user.id, ctx.token);
    ctx.log.message('user changed own password', { user: user.shortName });
    return true;
  }

  @Authorized('user')
  @Query(() => [AppPasswordType], { description: 'Your app passwords (names and dates; the passwords themselves are never shown again).' })
  myAppPasswords(@Ctx() ctx: GraphqlContext): AppPasswordType[] {
    return ctx.engine.directory.appPasswords.list(me(ctx).id).map(toAppPassword);
  }

  @Authorized('user')
  @Mutation(() => CreateAppPasswordPayload, { description: 'Makes an app password for one mail client; the password is in the answer and nowhere else.' })
  async createMyAppPassword(@Arg('input', () => CreateAppPasswordInput) input: CreateAppPasswordInput, @Ctx() ctx: GraphqlContext): Promise<CreateAppPasswordPayload> {
    const user = me(ctx);
    requireMailPasswordSession(ctx);
    const made = await ctx.engine.directory.appPasswords.create(user.id, input.name);
    ctx.log.message('app password created', { user: user.shortName, name: made.appPassword.name });
    return { appPassword: toAppPassword(made.appPassword), password: made.password };
  }

  @Authorized('user')
  @Mutation(() => Boolean, { description: 'Revokes an app password: clients using it are refused from the next login on.' })
  revokeMyAppPassword(@Arg('input', () => RevokeAppPasswordInput) input: RevokeAppPasswordInput, @Ctx() ctx: GraphqlContext): boolean {
    const user = me(ctx);
    requireMailPasswordSession(ctx);
    const id = Number(input.id);
    if (!Number.isSafeInteger(id) || !ctx.engine.directory.appPasswords.revoke(user.id, id)) throw notFound(`app password ${JSON.stringify(input.id)}`);
    ctx.log.message('app password revoked', { user: user.shortName, id });
    return true;
  }

  @Authorized()
  @Query(() => [AppPasswordType], { description: 'A user\u2019s app passwords (names and dates), for an administrator.' })
  userAppPasswords(@Arg('userId', () => ID) id: string, @Ctx() ctx: GraphqlContext): AppPasswordType[] {
    return ctx.engine.directory.appPasswords.list(existingUserId(ctx, id)).map(toAppPassword);
  }

  @Authorized('admin')
  @Mutation(() => Boolean, { description: 'Revokes one of a user\u2019s app passwords (a lost device, a compromised client).' })
  revokeUserAppPassword(@Arg('input', () => RevokeUserAppPasswordInput) input: RevokeUserAppPasswordInput, @Ctx() ctx: GraphqlContext): boolean {
    const uid = existingUserId(ctx, input.userId);
    const id = Number(input.id);
    if (!Number.isSafeInteger(id) || !ctx.engine.directory.appPasswords.revoke(uid, id)) throw notFound(`app password ${JSON.stringify(input.id)}`);
    ctx.log.message('app password revoked by an administrator', { userId: uid, id, by: ctx.admin?.username });
    return true;
  }

  @Authorized('user')
  @Mutation(() => MyAccountType, { description: 'Sets where your mail is forwarded, when the administrator allows it (setting usersMaySetForwarding; else NOT_ALLOWED).' })
  async setMyForwarding(@Arg('input', () => SetMyForwardingInput) input: SetMyForwardingInput, @Ctx() ctx: GraphqlContext): Promise<MyAccountType> {
    const user = me(ctx);
    const updated = await ctx.engine.directory.setOwnForwarding(user.id, input.forwardTo);
    ctx.log.message('user set own forwarding', { user: user.shortName, forwardTo: updated.forwardTo });
    return myAccount(ctx, updated);
  }
}
