import crypto from 'node:crypto';
import forge from 'node-forge';
import { CertError } from './cert-errors';
import { checkKeyStrength, checkSize } from './pem';

export interface Pkcs12Contents {
  key: crypto.KeyObject;
  certificates: crypto.X509Certificate[];
}

function derOf(value: forge.asn1.Asn1): Buffer {
  return Buffer.from(forge.asn1.toDer(value).getBytes(), 'binary');
}

/**
 * The key and certificates of a PKCS#12 file (base64 or raw), decrypted with the passphrase.
 * node-forge reads the container; keys and certificates it cannot model (ECDSA) are taken
 * from its ASN.1 and read by Node's crypto instead.
 */
export function readPkcs12(data: Buffer, passphrase: string): Pkcs12Contents {
  checkSize(data, 'the PKCS#12 file');
  let p12: forge.pkcs12.Pkcs12Pfx;
  try {
    const asn = forge.asn1.fromDer(forge.util.createBuffer(data.toString('binary')));
    p12 = forge.pkcs12.pkcs12FromAsn1(asn, false, passphrase);
  } catch (err) {
    const message = (err as Error).message ?? String(err);
    if (/password|MAC could not be verified/i.test(message)) throw new CertError('WRONG_PASSPHRASE', 'the passphrase does not open the PKCS#12 file');
    throw new CertError('INVALID_PKCS12', `not a PKCS#12 file this server can read: ${message}`);
  }
  const keys: crypto.KeyObject[] = [];
  const certificates: crypto.X509Certificate[] = [];
  for (const content of p12.safeContents) {
    for (const bag of content.safeBags) {
      const raw = bag as forge.pkcs12.Bag & { asn1?: forge.asn1.Asn1 };
      if (bag.type === forge.pki.oids.certBag) {
        const der = bag.cert ? derOf(forge.pki.certificateToAsn1(bag.cert)) : raw.asn1 && derOf(raw.asn1);
        if (der) certificates.push(new crypto.X509Certificate(der));
      } else if (bag.type === forge.pki.oids.keyBag || bag.type === forge.pki.oids.pkcs8ShroudedKeyBag) {
        const pkcs8 = bag.key ? derOf(forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(bag.key))) : raw.asn1 && derOf(raw.asn1);
        if (pkcs8) keys.push(crypto.createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }));
      }
    }
  }
  if (keys.length !== 1) throw new CertError('INVALID_PKCS12', keys.length ? 'the PKCS#12 file holds more than one private key' : 'the PKCS#12 file holds no private key');
  if (!certificates.length) throw new CertError('INVALID_PKCS12', 'the PKCS#12 file holds no certificate');
  checkKeyStrength(keys[0]);
  return { key: keys[0], certificates };
}
