import crypto from 'node:crypto';
import forge from 'node-forge';
import { type KeyType, generateKey } from './keys';

export { KEY_TYPES, type KeyType, generateKey, generateKeyAsync } from './keys';

export interface CertificatePair {
  key: string;
  cert: string;
}

/** The subject fields of the seed's certificate form; the common name is given separately. */
export interface SubjectFields {
  organization?: string;
  organizationalUnit?: string;
  locality?: string;
  state?: string;
  /** Two letters (ISO 3166). */
  country?: string;
  email?: string;
}


/** Days a self-signed certificate is valid: the longest any current client accepts for a server certificate. */
export const SELF_SIGNED_DAYS = 398;

const asn1 = forge.asn1;

/** In node-forge, missing from its type declarations. */
export interface ForgeExtensions {
  certificateExtensionsToAsn1(extensions: unknown[]): forge.asn1.Asn1;
}

/** The signature algorithm for a key: SHA-256 with RSA, ECDSA with the hash that matches the curve. */
export function signatureAlgorithm(key: crypto.KeyObject): { oid: string; hash: string; rsa: boolean } {
  if (key.asymmetricKeyType === 'rsa') return { oid: forge.pki.oids.sha256WithRSAEncryption, hash: 'sha256', rsa: true };
  const p384 = key.asymmetricKeyDetails?.namedCurve === 'secp384r1';
  return { oid: p384 ? '1.2.840.10045.4.3.3' : '1.2.840.10045.4.3.2', hash: p384 ? 'sha384' : 'sha256', rsa: false };
}

export function algorithmIdentifier(alg: { oid: string; rsa: boolean }): forge.asn1.Asn1 {
  const parts = [asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(alg.oid).getBytes())];
  // RSA signature algorithms carry an explicit NULL; ECDSA ones have no parameters (RFC 5758 3.2).
  if (alg.rsa) parts.push(asn1.create(asn1.Class.UNIVERSAL, asn1.Type.NULL, false, ''));
  return asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, parts);
}

export function fromDer(der: Buffer): forge.asn1.Asn1 {
  return asn1.fromDer(forge.util.createBuffer(der.toString('binary')));
}

/**
 * A self-signed certificate for the host name (and its other names), RSA or ECDSA, valid
 * for SELF_SIGNED_DAYS. node-forge builds the X.509 structure (names, extensions); the key
 * and the signature come from Node's crypto, which (unlike node-forge) has ECDSA.
 */
export function createSelfSigned(
  hostname: string,
  altNames: string[] = [],
  options: { keyType?: KeyType; days?: number; key?: crypto.KeyObject; subject?: SubjectFields; extensions?: unknown[] } = {},
): CertificatePair {
  const key = options.key ?? generateKey(options.keyType ?? 'rsa-2048');
  const alg = signatureAlgorithm(key);
  const names = [...new Set([hostname, ...altNames])];
  // forge's certificate object serves as the builder of the subject and the extensions.
  const draft = forge.pki.createCertificate();
  draft.setSubject(subjectAttributes(hostname, options.subject ?? { organization: 'Pillarbox' }));
  draft.setExtensions([...serverExtensions(names, alg.rsa), ...(options.extensions ?? [])]);
  const notBefore = new Date(Date.now() - 60_000);
  const notAfter = new Date(Date.now() + (options.days ?? SELF_SIGNED_DAYS) * 24 * 3600_000);
  const serial = Buffer.concat([Buffer.from([0x01]), crypto.randomBytes(15)]);
  const tbs = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
    asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, [asn1.create(asn1.Class.UNIVERSAL, asn1.Type.INTEGER, false, asn1.integerToDer(2).getBytes())]),
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.INTEGER, false, serial.toString('binary')),
    algorithmIdentifier(alg),
    forge.pki.distinguishedNameToAsn1(draft.subject),
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
      asn1.create(asn1.Class.UNIVERSAL, asn1.Type.UTCTIME, false, asn1.dateToUtcTime(notBefore)),
      asn1.create(asn1.Class.UNIVERSAL, asn1.Type.UTCTIME, false, asn1.dateToUtcTime(notAfter)),
    ]),
    forge.pki.distinguishedNameToAsn1(draft.subject),
    fromDer(crypto.createPublicKey(key).export({ type: 'spki', format: 'der' })),
    (forge.pki as unknown as ForgeExtensions).certificateExtensionsToAsn1(draft.extensions),
  ]);
  return { key: key.export({ type: 'pkcs8', format: 'pem' }).toString(), cert: toPem('CERTIFICATE', signedDer(tbs, alg, key)) };
}

/**
 * The DER of a signed X.509 structure (a certificate, or a PKCS#10 request): the signed part,
 * the algorithm, and the signature over the signed part's DER.
 */
export function signedDer(signed: forge.asn1.Asn1, alg: { oid: string; hash: string; rsa: boolean }, key: crypto.KeyObject): Buffer {
  const signature = crypto.sign(alg.hash, Buffer.from(asn1.toDer(signed).getBytes(), 'binary'), key);
  const whole = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
    signed,
    algorithmIdentifier(alg),
    // A BIT STRING starts with the count of unused bits: none.
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.BITSTRING, false, '\0' + signature.toString('binary')),
  ]);
  return Buffer.from(asn1.toDer(whole).getBytes(), 'binary');
}

export function toPem(label: string, der: Buffer): string {
  return `-----BEGIN ${label}-----\n${der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n?$/, '\n')}-----END ${label}-----\n`;
}

/** forge's attribute list for a subject: the common name, then the fields given. */
export function subjectAttributes(commonName: string, fields: SubjectFields): { name?: string; shortName?: string; value: string }[] {
  const attrs: { name?: string; shortName?: string; value: string }[] = [{ name: 'commonName', value: commonName }];
  if (fields.country) attrs.push({ name: 'countryName', value: fields.country });
  if (fields.state) attrs.push({ shortName: 'ST', value: fields.state });
  if (fields.locality) attrs.push({ name: 'localityName', value: fields.locality });
  if (fields.organization) attrs.push({ name: 'organizationName', value: fields.organization });
  if (fields.organizationalUnit) attrs.push({ shortName: 'OU', value: fields.organizationalUnit });
  if (fields.email) attrs.push({ name: 'emailAddress', value: fields.email });
  return attrs;
}

/** The extensions of a TLS server certificate for the names (also requested in a CSR). */
export function serverExtensions(names: string[], rsa: boolean): unknown[] {
  return [
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: rsa },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: names.map((value) => ({ type: 2, value })) },
  ];
}
