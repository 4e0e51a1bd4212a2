import { Arg, Authorized, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { SieveError } from '../../server/sieve/index';
import { SieveScriptError, type StoredSieveScript } from '../../server/sieve/scripts';
import { VACATION_SCRIPT, readVacationScript } from '../../server/sieve/vacation-script';
import { VacationError, setVacation } from '../../server/sieve/vacation';
import { existingUserId } from '../accounts/user-resolver';
import type { GraphqlContext } from '../context';
import { ApiError, notFound } from '../errors';
import { withoutNulls } from '../inputs';
import {
  ActivateSieveScriptInput,
  PutGlobalSieveScriptInput,
  PutSieveScriptInput,
  PutSieveScriptPayload,
  RenameSieveScriptInput,
  SetVacationInput,
  SieveScriptNameInput,
  SieveScriptType,
  VacationType,
} from './sieve-types';

export const sieveProblem = (e: SieveError) => ({ line: e.line, column: e.column, message: e.message, ...(e.script ? { script: e.script } : {}) });

/** SieveScripts refusals as typed API errors (docs/graphql.md lists the codes). */
function apiError(err: unknown): unknown {
  if (err instanceof VacationError) {
    const code = err.code === 'SCRIPT_TAKEN' ? 'NAME_TAKEN' : err.code === 'INVALID_ADDRESS' ? 'INVALID_ADDRESS' : 'BAD_USER_INPUT';
    return new ApiError(code, err.message, err.field ? { field: err.field } : {});
  }
  if (!(err instanceof SieveScriptError)) return err;
  switch (err.code) {
    case 'INVALID': {
      const first = err.errors[0];
      return new ApiError('SIEVE_INVALID', err.message, { line: first?.line, column: first?.column, problems: err.errors.map(sieveProblem) });
    }
    case 'NONEXISTENT':
      return new ApiError('NOT_FOUND', err.message);
    case 'ALREADYEXISTS':
      return new ApiError('NAME_TAKEN', err.message);
    case 'ACTIVE':
      return new ApiError('NOT_ALLOWED', err.message);
    case 'BADNAME':
      return new ApiError('BAD_USER_INPUT', err.message, { field: 'name' });
    default:
      return new ApiError('SIEVE_QUOTA', err.message, { limit: err.code });
  }
}

export async function mapped<T>(f: () => T | Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (err) {
    throw apiError(err);
  }
}

/** A user's vacation shortcut as the API shows it; null when it was never set. */
export function readVacation(ctx: GraphqlContext, uid: number): VacationType | null {
  const script = ctx.engine.sieve.get(uid, VACATION_SCRIPT);
  const v = script && readVacationScript(script.content);
  if (!script || !v) return null;
  return { enabled: script.active, subject: v.subject, text: v.text, days: v.days, addresses: v.addresses, previousScript: v.previous };
}


@Resolver()
export class SieveResolver {
  @Authorized()
  @Query(() => [SieveScriptType], { description: 'A user\u2019s Sieve scripts, by name.' })
  sieveScripts(@Arg('userId', () => ID) id: string, @Ctx() ctx: GraphqlContext): StoredSieveScript[] {
    const uid = existingUserId(ctx, id);
    return ctx.engine.sieve.list(uid).map((s) => ctx.engine.sieve.get(uid, s.name) as StoredSieveScript);
  }

  @Authorized()
  @Query(() => SieveScriptType, { nullable: true })
  sieveScript(@Arg('userId', () => ID) id: string, @Arg('name', () => String) name: string, @Ctx() ctx: GraphqlContext): StoredSieveScript | null {
    return ctx.engine.sieve.get(existingUserId(ctx, id), name) ?? null;
  }

  @Authorized()
  @Query(() => [SieveScriptType], { description: 'Scripts every user can include with `include :global`.' })
  globalSieveScripts(@Ctx() ctx: GraphqlContext): StoredSieveScript[] {
    return ctx.engine.sieve.listGlobal().map((s) => ctx.engine.sieve.getGlobal(s.name) as StoredSieveScript);
  }

  @Authorized()
  @Query(() => VacationType, { nullable: true, description: 'The vacation shortcut\u2019s settings; null when it was never set.' })
  vacation(@Arg('userId', () => ID) id: string, @Ctx() ctx: GraphqlContext): VacationType | null {
    return readVacation(ctx, existingUserId(ctx, id));
  }

  @Authorized('admin')
  @Mutation(() => PutSieveScriptPayload, { description: 'Stores a script after checking it; errors come back as SIEVE_INVALID with line and column.' })
  async putSieveScript(@Arg('input', () => PutSieveScriptInput) input: PutSieveScriptInput, @Ctx() ctx: GraphqlContext): Promise<PutSieveScriptPayload> {
    const uid = existingUserId(ctx, input.userId);
    const { warnings } = await mapped(() => ctx.engine.sieve.put(uid, input.name, input.content, { activate: input.activate ?? false }));
    ctx.log.message('Sieve script stored', { userId: uid, script: input.name, by: ctx.admin?.username });
    return { script: ctx.engine.sieve.get(uid, input.name) as StoredSieveScript, warnings: warnings.map(sieveProblem) };
  }

  @Authorized('admin')
  @Mutation(() => Boolean, { description: 'Makes a script the active one (name null or "": none).' })
  async activateSieveScript(@Arg('input', () => ActivateSieveScriptInput) input: ActivateSieveScriptInput, @Ctx() ctx: GraphqlContext): Promise<boolean> {
    const uid = existingUserId(ctx, input.userId);
    await mapped(() => ctx.engine.sieve.setActive(uid, input.name || null));
    return true;
  }

  @Authorized('admin')
  @Mutation(() => Boolean, { description: 'Deletes a script; the active one must be deactivated first (NOT_ALLOWED).' })
  async deleteSieveScript(@Arg('input', () => SieveScriptNameInput) input: SieveScriptNameInput, @Ctx() ctx: GraphqlContext): Promise<boolean> {
    const uid = existingUserId(ctx, input.userId);
    await mapped(() => ctx.engine.sieve.delete(uid, input.name));
    return true;
  }

  @Authorized('admin')
  @Mutation(() => SieveScriptType)
  async renameSieveScript(@Arg('input', () => RenameSieveScriptInput) input: RenameSieveScriptInput, @Ctx() ctx: GraphqlContext): Promise<StoredSieveScript> {
    const uid = existingUserId(ctx, input.userId);
    await mapped(() => ctx.engine.sieve.rename(uid, input.name, input.newName));
    return ctx.engine.sieve.get(uid, input.newName) as StoredSieveScript;
  }

  @Authorized('admin')
  @Mutation(() => SieveScriptType, { description: 'Stores a script every user can include with `include :global`.' })
  async putGlobalSieveScript(@Arg('input', () => PutGlobalSieveScriptInput) input: PutGlobalSieveScriptInput, @Ctx() ctx: GraphqlContext): Promise<StoredSieveScript> {
    await mapped(() => ctx.engine.sieve.putGlobal(input.name, input.content));
    return ctx.engine.sieve.getGlobal(input.name) as StoredSieveScript;
  }

  @Authorized('admin')
  @Mutation(() => Boolean)
  deleteGlobalSieveScript(@Arg('name', () => String) name: string, @Ctx() ctx: GraphqlContext): boolean {
    if (!ctx.engine.sieve.deleteGlobal(name)) throw notFound(`global script "${name}"`);
    return true;
  }

  @Authorized('admin')
  @Mutation(() => VacationType, {
    description:
      'Writes the "vacation" script from these settings; enabled makes it the active script (the script active before keeps running through include), disabled reactivates that one.',
  })
  async setVacation(@Arg('input', () => SetVacationInput) input: SetVacationInput, @Ctx() ctx: GraphqlContext): Promise<VacationType> {
    const uid = existingUserId(ctx, input.userId);
    const { userId: _user, ...change } = input;
    const state = await mapped(() => setVacation(ctx.engine.sieve, uid, withoutNulls(change)));
    ctx.log.message(input.enabled ? 'vacation on' : 'vacation off', { userId: uid, by: ctx.admin?.username });
    return { ...state, previousScript: state.previous };
  }
}
