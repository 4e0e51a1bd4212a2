import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { DNS_RECORD_TYPES } from '../../server/outbound/dns-report';
import { closedSet } from '../enums';

export enum DnsRecordKindValue {
  MX = 'mx',
  SPF = 'spf',
  DKIM = 'dkim',
  DMARC = 'dmarc',
  TLSA = 'tlsa',
  MTA_STS = 'mtaSts',
  MTA_STS_HOST = 'mtaStsHost',
  TLS_RPT = 'tlsRpt',
  SRV = 'srv',
}
registerEnumType(DnsRecordKindValue, { name: 'DnsRecordKind' });

export enum DnsRecordStatusValue {
  OK = 'ok',
  DIFFERENT = 'different',
  MISSING = 'missing',
  LOOKUP_FAILED = 'lookupFailed',
}
registerEnumType(DnsRecordStatusValue, {
  name: 'DnsRecordStatus',
  description: 'OK: published as needed. DIFFERENT: a record of that kind is there but not the suggested one (see note). MISSING. LOOKUP_FAILED: DNS did not answer.',
});

export const DnsRecordType = closedSet(DNS_RECORD_TYPES, { name: 'DnsRecordType' });

@ObjectType('DnsRecordCheck', { description: 'One record a domain needs, and what DNS says now.' })
export class DnsRecordCheckType {
  @Field(() => DnsRecordKindValue)
  kind!: DnsRecordKindValue;

  @Field(() => String, { description: 'Owner name of the record (no final dot).' })
  name!: string;

  @Field(() => DnsRecordType, { description: 'The DNS record type to publish.' })
  type!: string;

  @Field(() => String, { description: 'What to publish: for MX "preference host.", for TXT the text, for TLSA "usage selector type hex", for CNAME "host.", for SRV "priority weight port host.".' })
  value!: string;

  @Field(() => Boolean, { description: 'False for records that help but that mail does not need: TLSA (only in a DNSSEC-signed zone), TLS reporting, and the SRV records mail clients use to find their servers. ready counts only required ones.' })
  required!: boolean;

  @Field(() => DnsRecordStatusValue)
  status!: DnsRecordStatusValue;

  @Field(() => [String], { description: 'The records of this kind DNS has at that name now.' })
  found!: string[];

  @Field(() => String)
  note!: string;
}

@ObjectType('DomainDnsReport', { description: 'The DNS records a domain needs for mail (MX, SPF, DKIM, DMARC), looked up with the engine\u2019s resolver.' })
export class DomainDnsReportType {
  @Field(() => String)
  domain!: string;

  @Field(() => Boolean, { description: 'Every record is OK.' })
  ready!: boolean;

  @Field(() => [DnsRecordCheckType])
  records!: DnsRecordCheckType[];
}
