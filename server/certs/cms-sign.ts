import crypto from 'node:crypto';
import forge from 'node-forge';
import { algorithmIdentifier, fromDer, signatureAlgorithm } from './self-signed';

const asn1 = forge.asn1;
const { Class, Type } = asn1;

const OID = {
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
};

const oid = (id: string) => asn1.create(Class.UNIVERSAL, Type.OID, false, asn1.oidToDer(id).getBytes());
const seq = (parts: forge.asn1.Asn1[]) => asn1.create(Class.UNIVERSAL, Type.SEQUENCE, true, parts);
const set = (parts: forge.asn1.Asn1[]) => asn1.create(Class.UNIVERSAL, Type.SET, true, parts);
const octets = (bytes: Buffer) => asn1.create(Class.UNIVERSAL, Type.OCTETSTRING, false, bytes.toString('binary'));
const integer = (n: number) => asn1.create(Class.UNIVERSAL, Type.INTEGER, false, asn1.integerToDer(n).getBytes());
const der = (node: forge.asn1.Asn1) => Buffer.from(asn1.toDer(node).getBytes(), 'binary');

/**
 * CMS SignedData (RFC 5652) with the content inside, as `openssl cms -sign -nodetach` makes it:
 * what Apple's configuration profiles are signed with. node-forge's PKCS#7 signer knows RSA
 * only, and the server's certificate may be ECDSA, so the structure is built here with
 * forge's ASN.1 and signed with Node's crypto. `certificatePem` is the leaf, then its chain.
 */
export function cmsSign(content: Buffer, certificatePem: string, keyPem: string): Buffer {
  const key = crypto.createPrivateKey(keyPem);
  const alg = signatureAlgorithm(key);
  const digestOid = alg.hash === 'sha384' ? OID.sha384 : OID.sha256;
  const certificates = (certificatePem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? []).map((pem) => fromDer(new crypto.X509Certificate(pem).raw));
  if (!certificates.length) throw new Error('no certificate to sign with');
  // TBSCertificate: [0] version, serialNumber, signature, issuer, …
  const tbs = (certificates[0].value as forge.asn1.Asn1[])[0].value as forge.asn1.Asn1[];
  const [serial, , issuer] = tbs.slice(1, 4);

  const attributes = [
    seq([oid(OID.contentType), set([oid(OID.data)])]),
    seq([oid(OID.signingTime), set([asn1.create(Class.UNIVERSAL, Type.UTCTIME, false, asn1.dateToUtcTime(new Date()))])]),
    seq([oid(OID.messageDigest), set([octets(crypto.createHash(alg.hash).update(content).digest())])]),
  ].sort((a, b) => Buffer.compare(der(a), der(b))); // DER orders a SET OF by encoding
  // The signature covers the attributes encoded as a SET; in the SignerInfo they are [0] IMPLICIT.
  const signature = crypto.sign(alg.hash, der(set(attributes)), key);
  const digestAlgorithm = seq([oid(digestOid)]);
  const signerInfo = seq([
    integer(1),
    seq([issuer, serial]),
    digestAlgorithm,
    asn1.create(Class.CONTEXT_SPECIFIC, 0, true, attributes),
    algorithmIdentifier(alg),
    octets(signature),
  ]);
  const signedData = seq([
    integer(1),
    set([digestAlgorithm]),
    seq([oid(OID.data), asn1.create(Class.CONTEXT_SPECIFIC, 0, true, [octets(content)])]),
    asn1.create(Class.CONTEXT_SPECIFIC, 0, true, certificates),
    set([signerInfo]),
  ]);
  return der(seq([oid(OID.signedData), asn1.create(Class.CONTEXT_SPECIFIC, 0, true, [signedData])]));
}
