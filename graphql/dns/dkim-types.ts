import { DateTimeISOResolver } from 'graphql-scalars';
import { Field, InputType, ObjectType, registerEnumType } from 'type-graphql';

export enum DkimAlgorithmValue {
  RSA = 'rsa',
  ED25519 = 'ed25519',
}
registerEnumType(DkimAlgorithmValue, { name: 'DkimAlgorithm', description: 'RSA (2048 bits, every verifier) or Ed25519 (RFC 8463, a second signature).' });

@ObjectType('DkimKey', { description: 'A DKIM key of a domain and the TXT record that publishes it.' })
export class DkimKeyType {
  @Field(() => String, { description: 'The s= of signatures made with this key.' })
  selector!: string;

  @Field(() => DkimAlgorithmValue)
  algorithm!: DkimAlgorithmValue;

  @Field(() => Boolean, { description: 'Signs outgoing mail now; false once a rotation retired it (keep its record published a few days).' })
  active!: boolean;

  @Field(() => DateTimeISOResolver)
  createdAt!: Date;

  @Field(() => String, { description: 'Where the TXT record goes: <selector>._domainkey.<domain>.' })
  recordName!: string;

  @Field(() => String, {
    description: 'The TXT record text. An RSA key is longer than 255 characters: DNS servers store it as several strings of at most 255, which verifiers join.',
  })
  recordValue!: string;
}

@ObjectType('DomainDkim', { description: 'DKIM signing of one domain.' })
export class DomainDkimType {
  @Field(() => String)
  domain!: string;

  @Field(() => Boolean, { description: 'The dkimSigningEnabled setting.' })
  signing!: boolean;

  @Field(() => [DkimAlgorithmValue], { description: 'The key types that sign the domain\u2019s mail now: RSA, and Ed25519 as a second signature (RFC 8463).' })
  algorithms!: DkimAlgorithmValue[];

  @Field(() => Boolean, { description: 'The domain has its own choice of key types (setDkimAlgorithms); false: the dkimEd25519Signature setting decides.' })
  ownAlgorithms!: boolean;

  @Field(() => [DkimKeyType], { description: 'Active keys first, then retired ones, newest first.' })
  keys!: DkimKeyType[];
}

@InputType({ description: 'A domain of this server.' })
export class DkimDomainInput {
  @Field(() => String)
  domain!: string;
}

@InputType({ description: 'A retired DKIM key of a domain.' })
export class DkimKeyInput {
  @Field(() => String)
  domain!: string;

  @Field(() => String)
  selector!: string;
}

@InputType({ description: 'The key types that sign a domain\u2019s mail.' })
export class SetDkimAlgorithmsInput {
  @Field(() => String)
  domain!: string;

  @Field(() => [DkimAlgorithmValue], {
    nullable: true,
    description: 'RSA, or RSA and Ed25519 (both sign, RSA first: receivers that do not know Ed25519 still check the RSA one). Null: the dkimEd25519Signature setting decides again.',
  })
  algorithms?: DkimAlgorithmValue[] | null;
}
