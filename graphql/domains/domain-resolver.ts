import { Arg, Args, Authorized, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import type { Domain, DomainKind } from '../../server/directory/types';
import type { GraphqlContext } from '../context';
import { notFound } from '../errors';
import { type Connection, PageArgs, paginate } from '../pagination';
import { DomainConnection, DomainNameInput, DomainType } from './domain-types';

const toDomain = (d: Domain): DomainType => ({ ...d, createdAt: new Date(d.createdAt) });

@Resolver()
export class DomainResolver {
  @Authorized()
  @Query(() => DomainConnection, { description: 'Every domain the server receives mail for.' })
  domains(@Args(() => PageArgs) page: PageArgs, @Ctx() ctx: GraphqlContext): Connection<DomainType> {
    return paginate(ctx.engine.directory.domains().map(toDomain), (d) => d.name, page);
  }

  @Authorized('admin')
  @Mutation(() => DomainType, { description: 'Every user receives mail at user@name (the seed\u2019s virtual domain).' })
  addVirtualDomain(@Arg('input', () => DomainNameInput) input: DomainNameInput, @Ctx() ctx: GraphqlContext): DomainType {
    return add(ctx, input.name, 'virtual-domain');
  }

  @Authorized('admin')
  @Mutation(() => DomainType, { description: 'Only full addresses (names with @name) receive mail here (the seed\u2019s virtual host).' })
  addVirtualHost(@Arg('input', () => DomainNameInput) input: DomainNameInput, @Ctx() ctx: GraphqlContext): DomainType {
    return add(ctx, input.name, 'virtual-host');
  }

  @Authorized('admin')
  @Mutation(() => DomainType, { description: 'Another name of this host: every user receives mail at it.' })
  addLocalDomain(@Arg('input', () => DomainNameInput) input: DomainNameInput, @Ctx() ctx: GraphqlContext): DomainType {
    return add(ctx, input.name, 'local');
  }

  @Authorized('admin')
  @Mutation(() => Boolean, { description: 'Stops receiving mail for the domain. Users and aliases stay.' })
  removeDomain(@Arg('input', () => DomainNameInput) input: DomainNameInput, @Ctx() ctx: GraphqlContext): boolean {
    if (!ctx.engine.directory.removeDomain(input.name)) throw notFound(`domain "${input.name}"`);
    ctx.log.message('domain removed', { domain: input.name, by: ctx.admin?.username });
    return true;
  }
}

function add(ctx: GraphqlContext, name: string, kind: DomainKind): DomainType {
  const domain = ctx.engine.directory.addDomain(name, kind);
  ctx.log.message('domain added', { domain: domain.name, kind, by: ctx.admin?.username });
  return toDomain(domain);
}
