import { DateTimeISOResolver } from 'graphql-scalars';
import { Field, InputType, ObjectType, registerEnumType } from 'type-graphql';
import type { DomainKind } from '../../server/directory/types';
import { connectionType } from '../pagination';

export enum DomainKindValue {
  LOCAL = 'local',
  VIRTUAL_DOMAIN = 'virtual-domain',
  VIRTUAL_HOST = 'virtual-host',
}
registerEnumType(DomainKindValue, {
  name: 'DomainKind',
  description:
    'LOCAL: the host\u2019s own names, every user receives mail at them. VIRTUAL_DOMAIN: every user receives mail at it too. ' +
    'VIRTUAL_HOST: only full addresses (user names or aliases containing @) receive mail at it.',
});

@ObjectType('Domain', { description: 'A mail domain this server receives mail for.' })
export class DomainType {
  @Field(() => String)
  name!: string;

  @Field(() => DomainKindValue)
  kind!: DomainKind;

  @Field(() => DateTimeISOResolver)
  createdAt!: Date;
}

export const DomainConnection = connectionType('Domain', DomainType);

@InputType({ description: 'A domain name such as example.com.' })
export class DomainNameInput {
  @Field(() => String)
  name!: string;
}
