import { Arg, Authorized, Ctx, Field, InputType, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import type { GraphqlContext } from '../context';
import { badInput } from '../errors';

@ObjectType('RelayHostAccount', { description: 'The account used to authenticate to the relay host; the password is never shown.' })
class RelayHostAccountType {
  @Field(() => String, { description: 'The relayHost setting (empty: direct delivery by MX).' })
  relayHost!: string;

  @Field(() => String, { description: 'The relayHostUsername setting (empty: no authentication).' })
  username!: string;

  @Field(() => Boolean)
  passwordSet!: boolean;
}

@InputType({ description: 'The relay host password; empty removes it.' })
class RelayHostPasswordInput {
  @Field(() => String)
  password!: string;
}

/** "Relay all SMTP mail through this host" with authentication: the write-only password. */
@Resolver()
export class RelayHostResolver {
  @Authorized()
  @Query(() => RelayHostAccountType)
  relayHostAccount(@Ctx() ctx: GraphqlContext): RelayHostAccountType {
    const s = ctx.engine.settings.get();
    return { relayHost: s.relayHost, username: s.relayHostUsername, passwordSet: ctx.engine.relayCredentials.hasPassword() };
  }

  @Authorized('admin')
  @Mutation(() => RelayHostAccountType, { description: 'Stores the relay host password sealed in the secrets directory (set relayHostUsername too).' })
  setRelayHostPassword(@Arg('input', () => RelayHostPasswordInput) input: RelayHostPasswordInput, @Ctx() ctx: GraphqlContext): RelayHostAccountType {
    if (input.password.length > 1024 || /[\r\n\0]/.test(input.password)) throw badInput('the password must be at most 1024 characters without line breaks or NUL', 'password');
    ctx.engine.relayCredentials.setPassword(input.password);
    ctx.log.message(input.password ? 'relay host password set' : 'relay host password removed', { by: ctx.admin?.username });
    return this.relayHostAccount(ctx);
  }
}
