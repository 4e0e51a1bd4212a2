import { Arg, Authorized, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import type { StoredSieveScript } from '../../server/sieve/scripts';
import { setVacation } from '../../server/sieve/vacation';
import type { GraphqlContext } from '../context';
import { withoutNulls } from '../inputs';
import { mapped, readVacation, sieveProblem } from '../sieve/sieve-resolver';
import { PutMySieveScriptInput, PutSieveScriptPayload, SetMyVacationInput, SieveScriptType, VacationType } from '../sieve/sieve-types';
import { me } from './self-resolver';

/**
 * The mail user's own filters and vacation (role USER): the same SieveScripts calls, and so the
 * same checks and limits, as ManageSieve and the administrator's sieve mutations.
 */
@Resolver()
export class SelfSieveResolver {
  @Authorized('user')
  @Query(() => [SieveScriptType], { description: 'Your Sieve scripts, by name.' })
  mySieveScripts(@Ctx() ctx: GraphqlContext): StoredSieveScript[] {
    const uid = me(ctx).id;
    return ctx.engine.sieve.list(uid).map((s) => ctx.engine.sieve.get(uid, s.name) as StoredSieveScript);
  }

  @Authorized('user')
  @Mutation(() => PutSieveScriptPayload, { description: 'Stores one of your scripts after checking it (SIEVE_INVALID with line and column), as ManageSieve PUTSCRIPT does.' })
  async putMySieveScript(@Arg('input', () => PutMySieveScriptInput) input: PutMySieveScriptInput, @Ctx() ctx: GraphqlContext): Promise<PutSieveScriptPayload> {
    const uid = me(ctx).id;
    const { warnings } = await mapped(() => ctx.engine.sieve.put(uid, input.name, input.content, { activate: input.activate ?? false }));
    ctx.log.message('Sieve script stored by its user', { userId: uid, script: input.name });
    return { script: ctx.engine.sieve.get(uid, input.name) as StoredSieveScript, warnings: warnings.map(sieveProblem) };
  }

  @Authorized('user')
  @Mutation(() => Boolean, { description: 'Makes one of your scripts the active one (null or "": none), as ManageSieve SETACTIVE.' })
  async activateMySieveScript(@Arg('name', () => String, { nullable: true }) name: string | null | undefined, @Ctx() ctx: GraphqlContext): Promise<boolean> {
    const uid = me(ctx).id;
    await mapped(() => ctx.engine.sieve.setActive(uid, name || null));
    return true;
  }

  @Authorized('user')
  @Mutation(() => Boolean, { description: 'Deletes one of your scripts; the active one must be deactivated first (NOT_ALLOWED), as ManageSieve DELETESCRIPT.' })
  async deleteMySieveScript(@Arg('name', () => String) name: string, @Ctx() ctx: GraphqlContext): Promise<boolean> {
    const uid = me(ctx).id;
    await mapped(() => ctx.engine.sieve.delete(uid, name));
    return true;
  }

  @Authorized('user')
  @Query(() => VacationType, { nullable: true, description: 'Your vacation (out-of-office) reply; null when never set.' })
  myVacation(@Ctx() ctx: GraphqlContext): VacationType | null {
    return readVacation(ctx, me(ctx).id);
  }

  @Authorized('user')
  @Mutation(() => VacationType, { description: 'Sets your vacation reply; the same rules as setVacation.' })
  async setMyVacation(@Arg('input', () => SetMyVacationInput) input: SetMyVacationInput, @Ctx() ctx: GraphqlContext): Promise<VacationType> {
    const user = me(ctx);
    const state = await mapped(() => setVacation(ctx.engine.sieve, user.id, withoutNulls(input)));
    ctx.log.message(input.enabled ? 'vacation on' : 'vacation off', { userId: user.id, by: `user:${user.shortName}` });
    return { ...state, previousScript: state.previous };
  }
}
