import { Arg, Authorized, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import type { GraphqlContext } from '../context';
import { me } from './self-resolver';
import { MyJunkSettingsType, SetMyJunkSettingsInput } from './self-types';

function read(ctx: GraphqlContext, userId: number): MyJunkSettingsType {
  const prefs = ctx.engine.userJunk.get(userId);
  const s = ctx.engine.settings.get();
  const table = s.junkTokenTables === 'per-user' ? ctx.engine.junkTables.statsFor(userId) : undefined;
  return {
    permissiveness: prefs.permissiveness,
    serverPermissiveness: s.junkPermissiveness,
    allowedSenders: prefs.allow,
    blockedSenders: prefs.block,
    ownTable: table && { spamLearnt: table.spamLearnt, hamLearnt: table.hamLearnt, inUse: table.inUse },
  };
}

/** The mail user's own junk level and allowed and blocked senders (role USER); the junk stage honours them (server/junk/user-preferences.ts). */
@Resolver()
export class SelfJunkResolver {
  @Authorized('user')
  @Query(() => MyJunkSettingsType)
  myJunkSettings(@Ctx() ctx: GraphqlContext): MyJunkSettingsType {
    return read(ctx, me(ctx).id);
  }

  @Authorized('user')
  @Mutation(() => MyJunkSettingsType, { description: 'Changes your junk level and sender lists; what is left out stays as it is.' })
  setMyJunkSettings(@Arg('input', () => SetMyJunkSettingsInput) input: SetMyJunkSettingsInput, @Ctx() ctx: GraphqlContext): MyJunkSettingsType {
    const user = me(ctx);
    const junk = ctx.engine.userJunk;
    ctx.engine.db.transaction(() => {
      if (input.useServerLevel) junk.setPermissiveness(user.id, undefined);
      else if (input.permissiveness !== undefined) junk.setPermissiveness(user.id, input.permissiveness ?? undefined);
      if (input.allowedSenders) junk.setSenders(user.id, 'allow', input.allowedSenders);
      if (input.blockedSenders) junk.setSenders(user.id, 'block', input.blockedSenders);
    })();
    ctx.log.message('user changed own junk settings', { user: user.shortName });
    return read(ctx, user.id);
  }
}
