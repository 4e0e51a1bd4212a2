import { Arg, Authorized, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { type DkimAlgorithm, DkimAlgorithmError, type DkimKey, dkimRecord } from '../../server/outbound/dkim-keys';
import type { GraphqlContext } from '../context';
import { ApiError, notFound } from '../errors';
import { DkimDomainInput, DkimKeyInput, type DkimAlgorithmValue, DomainDkimType, SetDkimAlgorithmsInput } from './dkim-types';

/** DKIM keys per domain: made by the engine on first use, their DNS records, rotation. */
@Resolver()
export class DkimResolver {
  @Authorized()
  @Query(() => DomainDkimType, { description: 'The domain\u2019s DKIM keys and the TXT records to publish; the first call makes the keys.' })
  async dkim(@Arg('domain', () => String) domain: string, @Ctx() ctx: GraphqlContext): Promise<DomainDkimType> {
    const name = ownDomain(ctx, domain);
    for (const a of algorithms(ctx, name)) await ctx.engine.dkim.activeKey(name, a);
    return view(ctx, name);
  }

  @Authorized('admin')
  @Mutation(() => DomainDkimType, {
    description: 'New keys with a new selector sign from now on; the old ones are kept as retired so mail already sent still verifies.',
  })
  async rotateDkimKey(@Arg('input', () => DkimDomainInput) input: DkimDomainInput, @Ctx() ctx: GraphqlContext): Promise<DomainDkimType> {
    const name = ownDomain(ctx, input.domain);
    const made = await ctx.engine.dkim.rotate(name, algorithms(ctx, name));
    ctx.log.message('DKIM key rotated', { domain: name, selectors: made.map((k) => k.selector), by: ctx.admin?.username });
    return view(ctx, name);
  }

  @Authorized('admin')
  @Mutation(() => DomainDkimType, {
    description: 'Which key types sign the domain\u2019s mail; a key of a type chosen here is made at once, so its record can be published before it signs.',
  })
  async setDkimAlgorithms(@Arg('input', () => SetDkimAlgorithmsInput) input: SetDkimAlgorithmsInput, @Ctx() ctx: GraphqlContext): Promise<DomainDkimType> {
    const name = ownDomain(ctx, input.domain);
    try {
      ctx.engine.dkim.setAlgorithms(name, input.algorithms ? (input.algorithms as DkimAlgorithm[]) : undefined);
    } catch (err) {
      if (err instanceof DkimAlgorithmError) throw new ApiError('RSA_REQUIRED', err.message, { field: 'algorithms' });
      throw err;
    }
    for (const a of algorithms(ctx, name)) await ctx.engine.dkim.activeKey(name, a);
    ctx.log.message('DKIM key types set', { domain: name, algorithms: input.algorithms ?? 'server setting', by: ctx.admin?.username });
    return view(ctx, name);
  }

  @Authorized('admin')
  @Mutation(() => DomainDkimType, { description: 'Deletes a retired key (after its record has been removed from DNS).' })
  deleteDkimKey(@Arg('input', () => DkimKeyInput) input: DkimKeyInput, @Ctx() ctx: GraphqlContext): DomainDkimType {
    const name = ownDomain(ctx, input.domain);
    const key = ctx.engine.dkim.keys(name).find((k) => k.selector === input.selector);
    if (!key) throw notFound(`DKIM key ${input.selector} of ${name}`);
    if (key.active) throw new ApiError('KEY_ACTIVE', `${input.selector} signs mail now; rotate the key first`);
    ctx.engine.dkim.deleteRetired(name, input.selector);
    ctx.log.message('DKIM key deleted', { domain: name, selector: input.selector, by: ctx.admin?.username });
    return view(ctx, name);
  }
}

/** The domain, lower case, when this server receives mail for it. */
export function ownDomain(ctx: GraphqlContext, domain: string): string {
  const name = domain.trim().toLowerCase().replace(/\.$/, '');
  if (!ctx.engine.directory.domainKind(name)) throw notFound(`domain "${domain}"`);
  return name;
}

/** The key types that sign the domain's mail (the rule is DkimKeys.algorithms). */
export function algorithms(ctx: GraphqlContext, domain: string): DkimAlgorithm[] {
  return ctx.engine.dkim.algorithms(domain, ctx.engine.settings.get().dkimEd25519Signature);
}

function view(ctx: GraphqlContext, domain: string): DomainDkimType {
  return {
    domain,
    signing: ctx.engine.settings.get().dkimSigningEnabled,
    algorithms: algorithms(ctx, domain) as DkimAlgorithmValue[],
    ownAlgorithms: ctx.engine.dkim.hasOwnAlgorithms(domain),
    keys: ctx.engine.dkim.keys(domain).map(toKey),
  };
}

function toKey(k: DkimKey) {
  const record = dkimRecord(k);
  return { selector: k.selector, algorithm: k.algorithm as DkimAlgorithmValue, active: k.active, createdAt: new Date(k.createdAt), recordName: record.name, recordValue: record.value };
}
