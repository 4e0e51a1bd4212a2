import { Arg, Authorized, Ctx, Query, Resolver } from 'type-graphql';
import { DnsReport } from '../../server/outbound/dns-report';
import type { GraphqlContext } from '../context';
import { algorithms, ownDomain } from './dkim-resolver';
import { type DnsRecordKindValue, type DnsRecordStatusValue, DomainDnsReportType } from './dns-report-types';

@Resolver()
export class DnsReportResolver {
  @Authorized()
  @Query(() => DomainDnsReportType, {
    description:
      'What MX, SPF, DKIM and DMARC records the domain needs (the exact text to publish) and whether DNS has them; also the TLSA record of the SMTP certificate and, with the mtaStsMode setting on, the MTA-STS and TLS reporting records.',
  })
  async domainDnsReport(@Arg('domain', () => String) domain: string, @Ctx() ctx: GraphqlContext): Promise<DomainDnsReportType> {
    const name = ownDomain(ctx, domain);
    const records = await new DnsReport(ctx.engine).report(name, algorithms(ctx, name));
    return {
      domain: name,
      ready: records.every((r) => !r.required || r.status === 'ok'),
      records: records.map((r) => ({ ...r, kind: r.kind as DnsRecordKindValue, status: r.status as DnsRecordStatusValue })),
    };
  }
}
