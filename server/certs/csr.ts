import crypto from 'node:crypto';
import forge from 'node-forge';
import { type ForgeExtensions, type SubjectFields, fromDer, serverExtensions, signatureAlgorithm, signedDer, subjectAttributes, toPem } from './self-signed';

const asn1 = forge.asn1;
const EXTENSION_REQUEST = '1.2.840.113549.1.9.14';

/**
 * A PKCS#10 certificate signing request for the names, signed with the key (RSA or ECDSA:
 * node-forge's own CSR code signs with RSA only, so it only builds the structure here).
 */
export function createCsr(commonName: string, altNames: string[], subject: SubjectFields, key: crypto.KeyObject): string {
  const alg = signatureAlgorithm(key);
  const names = [...new Set([commonName, ...altNames])];
  const draft = forge.pki.createCertificate();
  draft.setSubject(subjectAttributes(commonName, subject));
  draft.setExtensions(serverExtensions(names, alg.rsa));
  // certificateExtensionsToAsn1 wraps the Extensions SEQUENCE in a certificate's [3]; a CSR wants it bare.
  const extensions = (forge.pki as unknown as ForgeExtensions).certificateExtensionsToAsn1(draft.extensions).value as forge.asn1.Asn1[];
  const info = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.INTEGER, false, asn1.integerToDer(0).getBytes()),
    forge.pki.distinguishedNameToAsn1(draft.subject),
    fromDer(crypto.createPublicKey(key).export({ type: 'spki', format: 'der' })),
    asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, [
      asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
        asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(EXTENSION_REQUEST).getBytes()),
        asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SET, true, [extensions[0]]),
      ]),
    ]),
  ]);
  return toPem('CERTIFICATE REQUEST', signedDer(info, alg, key));
}
