import { DateTimeISOResolver } from 'graphql-scalars';
import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { KEY_ALGORITHMS } from '../../server/certs/pem';
import { closedSet } from '../enums';
import { connectionType } from '../pagination';

export const KeyAlgorithm = closedSet(KEY_ALGORITHMS, { name: 'KeyAlgorithm', description: 'The algorithm of a certificate\u2019s key.' });

export enum CertificateOriginValue {
  SELF_SIGNED = 'self-signed',
  CSR = 'csr',
  IMPORTED = 'imported',
  ACME = 'acme',
}
registerEnumType(CertificateOriginValue, { name: 'CertificateOrigin', description: 'Where a certificate came from.' });

export enum CertificateServiceValue {
  SMTP = 'smtp',
  SUBMISSION = 'submission',
  SMTPS = 'smtps',
  IMAP = 'imap',
  IMAPS = 'imaps',
  POP3 = 'pop3',
  POP3S = 'pop3s',
  MANAGESIEVE = 'sieve',
  HTTPS = 'https',
}
registerEnumType(CertificateServiceValue, {
  name: 'CertificateService',
  description: 'What serves a certificate: SMTP (25), submission (587), SMTPS (465), IMAP (143), IMAPS (993), POP3 (110), POP3S (995), ManageSieve (4190), and the appliance\u2019s HTTPS front.',
});

export enum CertificateKeyTypeValue {
  RSA_2048 = 'rsa-2048',
  RSA_3072 = 'rsa-3072',
  RSA_4096 = 'rsa-4096',
  ECDSA_P256 = 'ecdsa-p256',
  ECDSA_P384 = 'ecdsa-p384',
}
registerEnumType(CertificateKeyTypeValue, { name: 'CertificateKeyType', description: 'The key of a new certificate or signing request.' });

export enum CertificateStatusValue {
  VALID = 'valid',
  EXPIRING = 'expiring',
  EXPIRED = 'expired',
  PENDING = 'pending',
}
registerEnumType(CertificateStatusValue, {
  name: 'CertificateStatus',
  description: 'VALID; EXPIRING within 30 days; EXPIRED; PENDING: a signing request waiting for the certificate the CA signs.',
});

@ObjectType('ChainCertificate', { description: 'An issuing CA certificate sent with a certificate.' })
export class ChainCertificateType {
  @Field(() => String)
  subject!: string;

  @Field(() => String)
  issuer!: string;

  @Field(() => DateTimeISOResolver)
  notAfter!: Date;

  @Field(() => String)
  fingerprintSha256!: string;
}

@ObjectType('Certificate', { description: 'A certificate of the store with its key (which no query ever shows).' })
export class CertificateType {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => CertificateOriginValue)
  origin!: CertificateOriginValue;

  @Field(() => CertificateStatusValue)
  status!: CertificateStatusValue;

  @Field(() => Boolean, { description: 'The certificate the engine made at its first start; it renews it itself.' })
  engineOwned!: boolean;

  @Field(() => Boolean, { description: 'Serves every service that has no certificate of its own.' })
  isDefault!: boolean;

  @Field(() => DateTimeISOResolver)
  createdAt!: Date;

  @Field(() => KeyAlgorithm)
  keyAlgorithm!: string;

  @Field(() => Int, { description: 'RSA: modulus length; ECDSA: curve size.' })
  keyBits!: number;

  @Field(() => String)
  commonName!: string;

  @Field(() => [String], { description: 'The DNS names of the certificate (of the request while pending).' })
  altNames!: string[];

  @Field(() => String, { description: 'Empty while pending.' })
  subject!: string;

  @Field(() => String, { description: 'Empty while pending.' })
  issuer!: string;

  @Field(() => DateTimeISOResolver, { nullable: true })
  notBefore?: Date;

  @Field(() => DateTimeISOResolver, { nullable: true })
  notAfter?: Date;

  @Field(() => Int, { nullable: true, description: 'Whole days until notAfter (negative once expired).' })
  daysLeft?: number;

  @Field(() => String)
  serialNumber!: string;

  @Field(() => String, { description: 'SHA-256 fingerprint of the certificate, colon-separated hex.' })
  fingerprintSha256!: string;

  @Field(() => String, { description: 'The certificate and its chain, PEM (public: this is what clients are sent).' })
  certificatePem!: string;

  @Field(() => [ChainCertificateType])
  chain!: ChainCertificateType[];

  @Field(() => String, { nullable: true, description: 'The PEM certificate signing request, for a certificate made from one.' })
  signingRequestPem?: string;

  @Field(() => String, { nullable: true, description: 'Data of a DANE TLSA record "3 1 1" for this certificate (SHA-256 of its public key).' })
  tlsa311?: string;

  @Field(() => [CertificateServiceValue], { description: 'Services that serve this certificate (besides those that use the default).' })
  services!: CertificateServiceValue[];

  @Field(() => [String], { description: 'Domains whose names (and the names below them) get this certificate by SNI.' })
  domains!: string[];
}

export const CertificateConnection = connectionType('Certificate', CertificateType);

@ObjectType('CertificateResult', { description: 'A certificate added, and what the administrator should know about it.' })
export class CertificateResultType {
  @Field(() => CertificateType)
  certificate!: CertificateType;

  @Field(() => [String], { description: 'Names the server does not serve, a chain put in order, a chain that ends at an unknown CA.' })
  warnings!: string[];
}

@InputType({ description: 'The subject fields of the certificate form; the common name is given separately.' })
export class CertificateSubjectInput {
  @Field(() => String, { nullable: true })
  organization?: string;

  @Field(() => String, { nullable: true })
  organizationalUnit?: string;

  @Field(() => String, { nullable: true, description: 'City.' })
  locality?: string;

  @Field(() => String, { nullable: true, description: 'State or province.' })
  state?: string;

  @Field(() => String, { nullable: true, description: 'Two letters (ISO 3166), such as US.' })
  country?: string;

  @Field(() => String, { nullable: true })
  email?: string;
}

@InputType()
export class CreateSelfSignedCertificateInput {
  @Field(() => String, { description: 'A name for the administrator, unique.' })
  name!: string;

  @Field(() => String, { description: 'The host name clients connect to.' })
  commonName!: string;

  @Field(() => [String], { nullable: true, description: 'More host names (a leading "*." for a wildcard).' })
  altNames?: string[];

  @Field(() => CertificateSubjectInput, { nullable: true })
  subject?: CertificateSubjectInput;

  @Field(() => CertificateKeyTypeValue, { nullable: true, description: 'Default: the selfSignedKeyType setting.' })
  keyType?: CertificateKeyTypeValue;

  @Field(() => Int, { nullable: true, description: '1 to 3650; default 398 (the longest clients accept).' })
  validityDays?: number;
}

@InputType()
export class CreateCertificateSigningRequestInput {
  @Field(() => String)
  name!: string;

  @Field(() => String)
  commonName!: string;

  @Field(() => [String], { nullable: true })
  altNames?: string[];

  @Field(() => CertificateSubjectInput, { nullable: true })
  subject?: CertificateSubjectInput;

  @Field(() => CertificateKeyTypeValue, { nullable: true })
  keyType?: CertificateKeyTypeValue;
}

@InputType()
export class AddSignedCertificateInput {
  @Field(() => ID, { description: 'The pending certificate (its signing request).' })
  id!: string;

  @Field(() => String, { description: 'The certificate the CA signed, PEM (it may include the chain).' })
  certificate!: string;

  @Field(() => String, { nullable: true, description: 'The CA\u2019s intermediate certificates, PEM, in any order.' })
  chain?: string;
}

@InputType()
export class ImportCertificateInput {
  @Field(() => String)
  name!: string;

  @Field(() => String, { description: 'PEM; may include the chain.' })
  certificate!: string;

  @Field(() => String, { nullable: true, description: 'Intermediate certificates, PEM, in any order.' })
  chain?: string;

  @Field(() => String, { description: 'PEM (PKCS#8, PKCS#1 or SEC1), encrypted or not.' })
  privateKey!: string;

  @Field(() => String, { nullable: true, description: 'For an encrypted key; the key is stored decrypted in an owner-only file.' })
  passphrase?: string;
}

@InputType()
export class ImportPkcs12CertificateInput {
  @Field(() => String)
  name!: string;

  @Field(() => String, { description: 'The .p12/.pfx file, base64.' })
  pkcs12Base64!: string;

  @Field(() => String)
  passphrase!: string;
}

@InputType()
export class UpdateCertificateInput {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { nullable: true })
  name?: string;

  @Field(() => [CertificateServiceValue], { nullable: true, description: 'The services that serve it from now on; services it had and are not listed go back to the default.' })
  services?: CertificateServiceValue[];

  @Field(() => [String], { nullable: true, description: 'The domains that get it by SNI from now on (replaces the list).' })
  domains?: string[];

  @Field(() => Boolean, { nullable: true, description: 'true: the default certificate from now on.' })
  isDefault?: boolean;
}

@InputType()
export class CertificateIdInput {
  @Field(() => ID)
  id!: string;
}

@InputType()
export class DeleteCertificateInput {
  @Field(() => ID)
  id!: string;

  @Field(() => ID, { nullable: true, description: 'Takes over every service, domain and the default role of the deleted one, in the same change.' })
  replacementId?: string;
}

@InputType()
export class OrderAcmeCertificateInput {
  @Field(() => String)
  name!: string;

  @Field(() => [String], { description: 'The host names, the first one the common name; each must reach this server\u2019s HTTP port 80 from the CA.' })
  names!: string[];

  @Field(() => CertificateKeyTypeValue, { nullable: true, description: 'Default ECDSA_P256.' })
  keyType?: CertificateKeyTypeValue;
}
