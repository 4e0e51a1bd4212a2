import { Arg, Args, Authorized, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import type { Alias } from '../../server/directory/types';
import type { GraphqlContext } from '../context';
import { ApiError, badInput, notFound } from '../errors';
import { type Connection, PageArgs, paginate } from '../pagination';
import {
  AliasConnection,
  AliasType,
  CreateAliasInput,
  DeleteAliasInput,
  ImportAliasesInput,
  ImportAliasesPayload,
  UpdateAliasInput,
} from './alias-types';

const toAlias = (a: Alias): AliasType => ({ ...a, createdAt: new Date(a.createdAt) });
const MAX_IMPORT_BYTES = 512 * 1024;

@Resolver()
export class AliasResolver {
  @Authorized()
  @Query(() => AliasConnection)
  aliases(
    @Args(() => PageArgs) page: PageArgs,
    @Arg('search', () => String, { nullable: true, description: 'Part of an alias name or target.' }) search: string | undefined,
    @Ctx() ctx: GraphqlContext,
  ): Connection<AliasType> {
    let aliases = ctx.engine.directory.aliases();
    const needle = search?.trim().toLowerCase();
    if (needle) aliases = aliases.filter((a) => [a.alias, ...a.targets].some((s) => s.toLowerCase().includes(needle)));
    return paginate(aliases.map(toAlias), (a) => a.alias, page);
  }

  @Authorized('admin')
  @Mutation(() => AliasType)
  createAlias(@Arg('input', () => CreateAliasInput) input: CreateAliasInput, @Ctx() ctx: GraphqlContext): AliasType {
    if (input.targets.every((t) => !t.trim())) throw badInput('an alias needs at least one target', 'targets');
    const alias = ctx.engine.directory.createAlias(input.alias, input.targets);
    ctx.log.message('alias created', { alias: alias.alias, by: ctx.admin?.username });
    return toAlias(alias);
  }

  @Authorized('admin')
  @Mutation(() => AliasType)
  updateAlias(@Arg('input', () => UpdateAliasInput) input: UpdateAliasInput, @Ctx() ctx: GraphqlContext): AliasType {
    const existing = findAlias(ctx, input.alias);
    if (!existing.system && input.targets.every((t) => !t.trim())) throw badInput('an alias needs at least one target', 'targets');
    const alias = ctx.engine.directory.updateAlias(existing.alias, input.targets);
    ctx.log.message('alias updated', { alias: alias.alias, by: ctx.admin?.username });
    return toAlias(alias);
  }

  @Authorized('admin')
  @Mutation(() => Boolean)
  deleteAlias(@Arg('input', () => DeleteAliasInput) input: DeleteAliasInput, @Ctx() ctx: GraphqlContext): boolean {
    const existing = findAlias(ctx, input.alias);
    if (existing.system) throw new ApiError('NOT_ALLOWED', `${existing.alias} is required by the mail standards; change its targets instead`);
    ctx.engine.directory.deleteAlias(existing.alias);
    ctx.log.message('alias deleted', { alias: existing.alias, by: ctx.admin?.username });
    return true;
  }

  @Authorized('admin')
  @Mutation(() => ImportAliasesPayload, { description: 'Replaces the alias table from Postfix aliases(5) text, all or nothing.' })
  importAliases(@Arg('input', () => ImportAliasesInput) input: ImportAliasesInput, @Ctx() ctx: GraphqlContext): ImportAliasesPayload {
    if (Buffer.byteLength(input.text) > MAX_IMPORT_BYTES) throw badInput('alias files are limited to 512 KB', 'text');
    const imported = ctx.engine.directory.importAliasFile(input.text);
    ctx.log.message('aliases imported', { count: imported, by: ctx.admin?.username });
    return { imported };
  }
}

function findAlias(ctx: GraphqlContext, name: string): Alias {
  const alias = ctx.engine.directory.alias(name.trim());
  if (!alias) throw notFound(`alias "${name}"`);
  return alias;
}
